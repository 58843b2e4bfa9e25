"""Extract the report from a government web page.

Pages wrap the report in navigation, menus, share bars and copyright/ICP footers.
Those are dropped by tag and by id/class hints, and the main content container
is kept when one can be told apart. Safety rules keep a wrongly hinted element
from taking the report with it: <body>, <main> and <article> are never dropped,
nor is any element holding half of the page's text.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from govtag.ingest.layout import tidy_lines
from govtag.ingest.text import decode_bytes

# Elements that never hold report text.
_NON_TEXT_TAGS = (
    "head", "script", "style", "noscript", "template", "iframe", "svg",
    "object", "embed", "button", "select", "textarea",
)  # fmt: skip
_BOILERPLATE_TAGS = frozenset({"nav", "header", "footer", "aside", "form"})
_BOILERPLATE_HINTS = (
    "nav", "menu", "breadcrumb", "crumb", "footer", "copyright", "share",
    "header", "topbar", "sidebar", "toolbar",
)  # fmt: skip
_CONTENT_TAGS = frozenset({"article", "main"})
_CONTENT_HINTS = ("content", "article", "zoom", "trs_editor", "detail", "text")
_NEVER_DROPPED = frozenset({"html", "body", "main", "article"})

# An element holding at least this share of the page's text is not boilerplate.
_PROTECTED_SHARE = 0.5
# The main content candidate must hold at least this share of the page's CJK text.
_CONTENT_SHARE = 0.5

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tbody", "tfoot", "thead", "tr", "ul",
})  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.I)
# Collapsible HTML whitespace; the no-break space is not part of it.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_SPACE_RUN = re.compile(r"\s+")
_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
# Characters between which a source line break is not a space (CJK text has none).
_WIDE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]")


def html_to_text(data: bytes, charset: str | None = None) -> tuple[str, str]:
    """Return the report text of an HTML page and the encoding it was decoded with.

    ``charset`` is the one from an HTTP Content-Type header; without it the
    page's <meta> declaration is used. A declaration that does not decode
    cleanly is ignored in favour of strict UTF-8/GB18030 detection.
    """
    markup, encoding = decode_bytes(data, charset or _declared_charset(data))
    soup = BeautifulSoup(markup, "lxml")
    for tag in soup.find_all(_NON_TEXT_TAGS):
        tag.decompose()
    _drop_boilerplate(soup)
    return tidy_lines(_Renderer().render(_main_content(soup))), encoding


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data, 0, 16384)
    return match.group(1).decode("ascii") if match else None


def _drop_boilerplate(soup: BeautifulSoup) -> None:
    page_weight = _weight(soup)
    candidates = [tag for tag in soup.find_all(True) if _is_boilerplate(tag)]
    # Weigh every candidate before removing any, so a wrapper is judged on the page as served.
    protected = {id(tag) for tag in candidates if _weight(tag) >= _PROTECTED_SHARE * page_weight}
    for tag in candidates:
        if id(tag) not in protected and not tag.decomposed:
            tag.decompose()


def _is_boilerplate(tag: Tag) -> bool:
    if tag.name in _NEVER_DROPPED:
        return False
    if tag.name in _BOILERPLATE_TAGS or tag.has_attr("hidden"):
        return True
    if _DISPLAY_NONE.search(tag.get("style") or ""):
        return True
    return any(hint in token for token in _id_class_tokens(tag) for hint in _BOILERPLATE_HINTS)


def _main_content(soup: BeautifulSoup) -> Tag:
    """The content container holding the most CJK text, if it holds most of the page's."""
    page = soup.body or soup
    page_cjk = _cjk_count(page)
    best, best_cjk = page, 0
    for tag in page.find_all(True):
        if tag.name in _CONTENT_TAGS or any(
            hint in token for token in _id_class_tokens(tag) for hint in _CONTENT_HINTS
        ):
            cjk = _cjk_count(tag)
            if cjk > best_cjk:
                best, best_cjk = tag, cjk
    return best if page_cjk and best_cjk >= _CONTENT_SHARE * page_cjk else page


def _id_class_tokens(tag: Tag) -> list[str]:
    classes = tag.get("class") or []  # a list: bs4 splits multi-valued attributes
    return [token.lower() for token in [*classes, *(tag.get("id") or "").split()]]


def _weight(tag: Tag) -> int:
    return len(_SPACE_RUN.sub("", tag.get_text()))


def _cjk_count(tag: Tag) -> int:
    return sum(map(len, _CJK_RUN.findall(tag.get_text())))


class _Renderer:
    """Lay an element tree out as lines, the way a browser would show it.

    Block elements start and end lines, <br> always breaks, table cells in a
    row are separated by tabs. Runs of collapsible whitespace become one space,
    except a run containing a source line break next to CJK text, which
    disappears (a browser would show a space there, but in Chinese it splits
    words that were only wrapped in the source).
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pending_space: str | None = None  # None | "space" | "newline"

    def render(self, root: Tag) -> str:
        self._walk(root)
        return "".join(self._parts)

    def _walk(self, tag: Tag) -> None:
        for child in tag.children:
            if isinstance(child, PreformattedString):  # comments, doctypes, CDATA
                continue
            if isinstance(child, NavigableString):
                self._text(str(child))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        if tag.name == "br":
            self._break(hard=True)
        elif tag.name in _CELL_TAGS:
            if not self._at_line_start():
                self._pending_space = None
                self._parts.append("\t")
            self._walk(tag)
        elif tag.name in _BLOCK_TAGS:
            self._break(hard=False)
            self._walk(tag)
            self._break(hard=False)
        else:
            self._walk(tag)

    def _text(self, text: str) -> None:
        position = 0
        for match in _HTML_SPACE.finditer(text):
            self._word(text[position : match.start()])
            run = match.group()
            if "\n" in run or "\r" in run:
                self._pending_space = "newline"
            elif self._pending_space is None:
                self._pending_space = "space"
            position = match.end()
        self._word(text[position:])

    def _word(self, word: str) -> None:
        if not word:
            return
        if self._pending_space is not None and not self._at_line_start():
            previous = self._parts[-1][-1]
            if self._pending_space == "space" or not (
                _WIDE.match(previous) or _WIDE.match(word[0])
            ):
                self._parts.append(" ")
        self._pending_space = None
        self._parts.append(word)

    def _break(self, hard: bool) -> None:
        self._pending_space = None
        if hard or not self._at_line_start():
            self._parts.append("\n")

    def _at_line_start(self) -> bool:
        return not self._parts or self._parts[-1].endswith("\n")
