"""Extract the report from a government web page, and what the page says about it.

Pages wrap the report in navigation, menus, share bars and copyright/ICP footers.
Those are dropped by tag and by id/class hints, and the main content container
is kept when one can be told apart: the innermost one that still holds nearly
all of the content's text (the article body, not the wrapper with the title and
the tool bars). Safety rules keep a wrongly hinted element from taking the
report with it: <body>, <main> and <article> are never dropped, nor is any
element holding half of the page's text.

Chrome that is told by what it says rather than by markup is dropped line by
line: breadcrumbs (当前位置：…), the 来源/发布时间/浏览次数/字号【大 中 小】 bar,
【打印本页】【关闭窗口】, share and previous/next links, 相关链接 headings and the
footer's 主办单位/备案号/网站标识码 lines; on a page without a content
container, blocks that are nearly all links (menus, related links) go too. The
page's title, source (来源) and publication date (发布时间) are kept as the
document's metadata (:func:`page_metadata`).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from govtag.ingest.layout import Extracted, tidy_lines
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
# A container inside the main one replaces it when it holds this share of its CJK text.
_INNER_SHARE = 0.9
# A block with this many links, whose text is at least this share link text, is a link list.
_LINK_LIST_TAGS = ("ul", "ol", "dl", "div", "table", "td", "p", "section")
_LINK_LIST_MIN_LINKS = 2
_LINK_LIST_SHARE = 0.7

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


def read_html(data: bytes, charset: str | None = None) -> Extracted:
    """The report text of an HTML page, the page's metadata, and the encoding it was decoded with.

    ``charset`` is the one from an HTTP Content-Type header; without it the
    page's <meta> declaration is used. A declaration that does not decode
    cleanly is ignored in favour of strict UTF-8/GB18030 detection.
    """
    markup, encoding = decode_bytes(data, charset or _declared_charset(data))
    soup = BeautifulSoup(markup, "lxml")
    metadata = page_metadata(soup)
    for tag in soup.find_all(_NON_TEXT_TAGS):
        tag.decompose()
    _drop_boilerplate(soup)
    main = _main_content(soup)
    if main is (soup.body or soup):
        _drop_link_lists(main)
    text = "\n".join(line for line in _Renderer().render(main).split("\n") if not is_chrome_line(line))
    return Extracted(text=tidy_lines(text), metadata=metadata, encoding=encoding)


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
    """The content container holding the most CJK text, if it holds most of the page's;
    of the containers inside it, the innermost that holds nearly all of its text."""
    page = soup.body or soup
    page_cjk = _cjk_count(page)
    candidates = [
        tag
        for tag in page.find_all(True)
        if tag.name in _CONTENT_TAGS or any(hint in token for token in _id_class_tokens(tag) for hint in _CONTENT_HINTS)
    ]
    counts = {id(tag): _cjk_count(tag) for tag in candidates}
    best = max(candidates, key=lambda tag: counts[id(tag)], default=None)
    if best is None or not page_cjk or counts[id(best)] < _CONTENT_SHARE * page_cjk:
        return page
    inner = [
        tag
        for tag in candidates
        if counts[id(tag)] >= _INNER_SHARE * counts[id(best)] and any(parent is best for parent in tag.parents)
    ]
    # The innermost: candidates come in document order, so a descendant comes after its ancestors.
    return inner[-1] if inner else best


def _drop_link_lists(root: Tag) -> None:
    """Drop blocks that are nearly all links (menus, related links, friend sites)."""
    root_weight = _weight(root)
    for tag in root.find_all(_LINK_LIST_TAGS):
        if tag.decomposed:
            continue
        links = tag.find_all("a")
        weight = _weight(tag)
        if (
            len(links) >= _LINK_LIST_MIN_LINKS
            and weight
            and weight < _PROTECTED_SHARE * root_weight
            and sum(_weight(link) for link in links) >= _LINK_LIST_SHARE * weight
        ):
            tag.decompose()


# ------------------------------------------------------------------ chrome told by its words

_COLON = r"\s*[:：]"
# Labels of a page's info bar; a line with two of them is the bar.
_INFO_LABELS = (
    "来源", "信息来源", "文章来源", "稿件来源", "发布机构", "发布时间", "发布日期", "发文日期", "更新时间", "日期", "时间",
    "作者", "编辑", "责任编辑", "浏览次数", "浏览量", "点击数", "点击量", "点击率", "阅读量", "阅读次数", "访问量",
    "访问次数", "字号", "字体", "索引号", "主题分类", "发文机关", "成文日期", "发文字号",
)  # fmt: skip
# Labels that make a line chrome on their own, when it is short.
_SOLE_LABELS = (
    "来源", "信息来源", "文章来源", "稿件来源", "发布时间", "发布日期", "更新时间", "浏览次数", "浏览量", "点击数",
    "点击量", "点击率", "阅读量", "阅读次数", "访问量", "访问次数", "字号", "字体", "索引号",
)  # fmt: skip
_INFO_LABEL = re.compile("(?:" + "|".join(sorted(_INFO_LABELS, key=len, reverse=True)) + ")" + _COLON)
_SOLE_LABEL = re.compile(r"^\s*【?(?:" + "|".join(sorted(_SOLE_LABELS, key=len, reverse=True)) + ")" + _COLON)
_CHROME_LINE = re.compile(
    r"""^\s*(?:
        (?:当前位置|您的位置|您现在的位置|所在位置|当前页面)\s*[:：]       # breadcrumbs
      | (?:\s*【[^】]{1,8}】\s*[|｜]?)+$                              # 【打印本页】【关闭窗口】
      | 分享到?\s*[:：]                                               # share bars
      | (?:上一篇|下一篇|上一条|下一条)\s*[:：]                        # previous / next
      | (?:相关链接|相关文章|相关阅读|相关新闻|相关文件|相关信息|推荐阅读)\s*[:：]?\s*$
      | (?:打印本页|关闭窗口|返回顶部|加入收藏|网站地图|联系我们)(?:\s*[|｜]\s*\S{2,6})*\s*$
    )""",
    re.VERBOSE,
)
_FOOTER_WORDS = re.compile(
    r"主办单位|承办单位|协办单位|主管单位|技术支持[:：]|版权所有|Copyright|©|ICP备|ICP证|公网安备|网站标识码|备案号[:：]",
    re.IGNORECASE,
)
# 字号：【大 中 小】, 【字体：大 中 小】, [大 中 小]
_FONT_SIZES = re.compile(r"(?:字号|字体)\s*[:：]?\s*[【\[(（]?\s*大\s*中\s*小|[【\[]\s*大\s*中\s*小\s*[】\]]")
_MAX_CHROME_CHARS = 200  # a longer line is report text, whatever it mentions
_SOLE_LABEL_CHARS = 40  # a line that starts with an info label is chrome up to this length


def is_chrome_line(line: str) -> bool:
    """Whether a line of page text is the page's chrome, told by what it says."""
    text = line.strip()
    if not text or len(text) > _MAX_CHROME_CHARS:
        return False
    if _CHROME_LINE.match(text) or _FOOTER_WORDS.search(text):
        return True
    if len(_INFO_LABEL.findall(text)) >= 2 or _FONT_SIZES.search(text):
        return True
    return bool(_SOLE_LABEL.match(text)) and len(text) <= _SOLE_LABEL_CHARS


# ------------------------------------------------------------------ metadata

# Government sites' own meta tags first (the national site norms), then Open Graph and Dublin Core.
_META_NAMES = {
    "title": ("articletitle", "og:title", "dc.title", "title"),
    "source": ("contentsource", "source", "dc.publisher"),
    "date": ("pubdate", "publishdate", "article:published_time", "dc.date", "firstpublishedtime"),
}
_SOURCE_IN_TEXT = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源|发布机构)\s*[:：]\s*([^\s|｜【]{2,30}?)(?=\s|$|[|｜【]|" + _INFO_LABEL.pattern + ")"
)
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_IN_TEXT = re.compile(r"(?:发布时间|发布日期|发文日期|日期|时间)\s*[:：]\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})")
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s[-－—–]+\s|——)\s*")
# Where a page sets its title for the reader: the first of these whose text is in <title> wins.
_TITLE_TAGS = ("h1", "h2", "h3")


def page_metadata(soup: BeautifulSoup) -> dict[str, str]:
    """The page's title, source (来源) and publication date (发布时间, as YYYY-MM-DD), those it gives.

    From the page's meta tags, else from its text: the heading that repeats the
    <title> (else the <title> without the site's name), the 来源：… and
    发布时间：… of the info bar.
    """
    meta = _meta_tags(soup)
    lines = [line for line in _Renderer().render(soup.body or soup).split("\n") if len(line) <= _MAX_CHROME_CHARS]
    found: dict[str, str] = {}
    title = meta.get("title") or _heading_title(soup)
    if title:
        found["title"] = title
    source = meta.get("source") or _first_group(_SOURCE_IN_TEXT, lines)
    if source:
        found["source"] = source
    date = _iso_date(meta.get("date", "")) or _first_date(lines)
    if date:
        found["date"] = date
    return found


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    contents: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = (tag.get("name") or tag.get("property") or "").strip().lower()
        content = " ".join((tag.get("content") or "").split())
        if name and content:
            contents.setdefault(name, content)
    found = {}
    for field_name, names in _META_NAMES.items():
        value = next((contents[name] for name in names if name in contents), None)
        if value:
            found[field_name] = value
    return found


def _heading_title(soup: BeautifulSoup) -> str | None:
    page_title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for tag in soup.find_all(True):
        if tag.name in _TITLE_TAGS or any("title" in token for token in _id_class_tokens(tag)):
            text = " ".join(tag.get_text().split())
            if text and page_title and text in page_title:
                return text
    parts = [part for part in _TITLE_SEPARATORS.split(page_title) if part]
    return max(parts, key=len) if parts else None


def _first_group(pattern: re.Pattern[str], lines: list[str]) -> str | None:
    for line in lines:
        match = pattern.search(line)
        if match:
            return match.group(1)
    return None


def _first_date(lines: list[str]) -> str | None:
    for line in lines:
        match = _DATE_IN_TEXT.search(line)
        if match:
            return _iso_date(match.group(1))
    return None


def _iso_date(text: str) -> str | None:
    match = _DATE.search(text)
    if not match:
        return None
    year, month, day = (int(group) for group in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


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
        if tag.name in _NON_TEXT_TAGS:
            return
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
