"""From the lines a file shows to the lines of ``Document.text``.

Formats whose text is rebuilt from structure (HTML, DOCX) go through
:func:`tidy_lines` or :func:`assemble_lines`; a PDF's visual lines are first
rejoined into paragraphs (:func:`paragraphs`) after its running headers,
footers and page numbers are dropped (:func:`drop_page_furniture`).

Plain text is never tidied: its characters are the user's, and offsets index them as given.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from govtag.segment import match_marker
from govtag.types import LineRole

_BLANK_RUNS = re.compile(r"\n{3,}")


def tidy_lines(text: str) -> str:
    """Strip trailing whitespace from each line, keep at most one blank line in a row,
    drop blank lines at both ends, and write no-break spaces as plain spaces."""
    lines = [line.rstrip().replace("\xa0", " ") for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


# --------------------------------------------------------------------- structured lines


@dataclass(frozen=True)
class SourceLine:
    """One line as a structured reader found it, with what the structure says about it."""

    text: str
    kind: str | None = None  # "heading" | "table_row" | None
    level: int | None = None


@dataclass(frozen=True)
class Extracted:
    """A reader's result: the text, the roles of some of its lines, and what the file says about itself."""

    text: str
    line_roles: tuple[LineRole, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None


def assemble_lines(lines: Iterable[SourceLine]) -> tuple[str, tuple[LineRole, ...]]:
    """:func:`tidy_lines` over structured lines; each role lands on its line's offset.

    A line holding a line break is several lines; its role goes to the first.
    """
    parts: list[str] = []
    roles: list[LineRole] = []
    length = 0
    blank = True  # no blank line at the start, and at most one in a row
    for line in lines:
        for number, piece in enumerate(line.text.split("\n")):
            piece = piece.rstrip().replace("\xa0", " ")
            if not piece:
                if not blank:
                    parts.append("")
                    length += 1
                    blank = True
                continue
            if number == 0 and line.kind is not None:
                roles.append(LineRole(length, line.kind, line.level))
            parts.append(piece)
            length += len(piece) + 1
            blank = False
    text = "\n".join(parts).rstrip("\n")
    return text, tuple(roles)


# --------------------------------------------------------------------- PDF visual lines


@dataclass(frozen=True)
class VisualLine:
    """A line of text as a page shows it, in page units (PDF points, y upwards).

    ``x1`` is where the text ends, estimated from its characters (see
    :func:`text_width`); ``size`` is the font size, the unit of every tolerance.
    """

    text: str
    x0: float
    x1: float
    y: float
    size: float
    upright: bool = True  # False: rotated or skewed text, kept as a line of its own


def text_width(text: str, size: float) -> float:
    """The width of ``text`` set at ``size``: wide (CJK) characters one em, others half, the widest Latin glyphs more.

    PDF fonts of Chinese reports often carry no usable width table (a CID font named
    by its CMap), so the width is estimated, and on the high side: narrow Latin
    glyphs come out wider than they are, so the estimate errs towards lines that look full.
    """
    return size * sum(_char_width(char) for char in text)


_WIDE_LATIN = frozenset("%@&#MWmw")


def _char_width(char: str) -> float:
    if unicodedata.east_asian_width(char) in "WFA":
        return 1.0
    return 0.9 if char in _WIDE_LATIN else 0.5


# Characters that may not start a line (they close what comes before) and may not end one.
_NO_LINE_START = frozenset("，,、。．.；;：:！!？?）)]］】》」』〕”’%％…·")
_NO_LINE_END = frozenset("（([［【《「『〔“‘")
_TERMINAL = frozenset("。！？；：!?;:")
_CLOSING = frozenset("”’」』）)】》〕］]")
_FIRST_WORD = re.compile(
    "[" + re.escape("".join(sorted(_NO_LINE_END))) + "]*(?:[!-~]+|.)(?:[!-~]+|["
    + re.escape("".join(sorted(_NO_LINE_START))) + "])*",
    re.DOTALL,
)

_PAGE_NUMBER = re.compile(
    r"""^(?:
        [-—–－―~·•]+\s*\d{1,4}\s*[-—–－―~·•]+                    # — 2 —, - 2 -
      | 第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?    # 第2页, 第2页 共10页
      | 共\s*\d{1,4}\s*页\s*[,，/／]?\s*第\s*\d{1,4}\s*页        # 共10页 第2页
      | \d{1,4}\s*[/／]\s*\d{1,4}                             # 2/10
      | page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?             # Page 2 of 10
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# A lone number is a page number only in the page's margin, this many line pitches away from the body.
_BARE_NUMBER = re.compile(r"\d{1,4}")
_MARGIN_GAP = 1.5
# A page number inside a running header or footer line (鲁甸县人民政府 第2页).
_PAGE_NUMBER_PART = re.compile(
    r"[-—–－―~·•]+\d{1,4}[-—–－―~·•]+|第\d{1,4}页|共\d{1,4}页|\d{1,4}[/／]\d{1,4}|page\d{1,4}(?:of\d{1,4})?|\d{1,4}$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")

# Lines this close to a page's top or bottom edge are candidates for running headers and footers.
_FURNITURE_LINES = 2
# A running line is on at least this share of the pages (odd/even headers: half each).
_RUNNING_SHARE = 0.5


def drop_page_furniture(pages: Sequence[Sequence[VisualLine]]) -> list[list[VisualLine]]:
    """The pages without running headers and footers and without page numbers.

    A running line is one of the top or bottom lines of a page whose text
    (its page number aside) comes back at the same height on most pages. A page number
    (— 2 —, - 2 -, 第2页, 2/10) is dropped when it is one of a page's top or
    bottom lines; a lone number when it also stands apart from the text.
    """
    keys = [{_running_key(line) for line in _edge_lines(page)} for page in pages]
    counts = Counter(key for page_keys in keys for key in page_keys)
    threshold = max(2, _RUNNING_SHARE * len(pages))
    running = {key for key, count in counts.items() if count >= threshold}
    kept: list[list[VisualLine]] = []
    for page in pages:
        furniture = {
            id(line)
            for line in _edge_lines(page)
            if _running_key(line) in running or _is_page_number(line, page)
        }
        kept.append([line for line in page if id(line) not in furniture])
    return kept


def _edge_lines(page: Sequence[VisualLine]) -> list[VisualLine]:
    by_height = sorted(page, key=lambda line: line.y)
    return by_height[:_FURNITURE_LINES] + by_height[-_FURNITURE_LINES:]


def _running_key(line: VisualLine) -> tuple[int, str]:
    """Where the line is and what it says, with any page number in it blanked out."""
    return round(line.y / 2), _PAGE_NUMBER_PART.sub("#", _SPACES.sub("", line.text))


def _is_page_number(line: VisualLine, page: Sequence[VisualLine]) -> bool:
    text = line.text.strip()
    if _PAGE_NUMBER.match(text):
        return True
    if not _BARE_NUMBER.fullmatch(text):
        return False
    others = [other.y for other in page if other is not line]
    pitch = _frame(page).pitch or _LINE_PITCH_EM * line.size
    return all(abs(other - line.y) > _MARGIN_GAP * pitch for other in others)


@dataclass(frozen=True)
class _Frame:
    """Where a page's text column starts and ends, and its usual line pitch."""

    left: float
    right: float
    pitch: float | None


# Tolerances, in ems of the line's font size.
_INDENT_EM = 0.75  # a line starting this much right of the column's left edge is indented
_FIT_SLACK_EM = 0.5  # a line is full when the next line's first word would not have fitted (plus this)
_LINE_PITCH_EM = 1.2  # the line pitch of single-spaced text, for a page too short to measure it
_GAP_FACTOR = 1.2  # a vertical gap this many pitches wide separates paragraphs
_SIZE_CHANGE = 0.15  # a font size change by this share separates paragraphs
_HEADING_LIKE_CHARS = 30  # an unnumbered heading is a short line without final punctuation
_OPEN_TITLE_SPAN = 100  # a 《 or 〔 opened this close to the line end and not closed holds the next line
# A page with fewer body lines is measured with the whole document's column.
_MIN_FRAME_LINES = 8
_RIGHT_QUANTILE = 0.8  # most lines of a report are full: the column's right edge is where they end


def paragraphs(pages: Sequence[Sequence[VisualLine]]) -> list[str]:
    """Rejoin the pages' visual lines into paragraphs, one string each.

    A line goes on the paragraph before it unless the break between them looks
    like a paragraph's end: the line before is short (the next line's first
    word would have fitted after it), this line is indented, a wider gap or a
    different font size comes between them, or the line before ends a sentence
    and this one starts with an enumeration marker (一、 （一） 1.) or is a
    short line of its own without final punctuation (an unnumbered heading).
    Lines are joined by default: a missed break merges two paragraphs whose
    sentences still end where they did. A line never starts a paragraph with closing
    punctuation, nor after an open 《 or 〔 or a 文号 cut before its number.
    Joined CJK text gets no space; Latin words get one.
    """
    document_frame = _frame([line for page in pages for line in page])
    out: list[str] = []
    current: list[str] = []
    previous: VisualLine | None = None
    for page in pages:
        frame = _frame(page) if len(page) >= _MIN_FRAME_LINES else document_frame
        same_page = False
        for index, line in enumerate(page):
            following = page[index + 1] if index + 1 < len(page) else None
            text = line.text.strip()
            if not text:
                continue
            if previous is not None and current and _starts_paragraph(
                "".join(current), previous, line, following, frame, same_page
            ):
                out.append("".join(current))
                current = []
            current.append(_joiner(current[-1], text) + text if current else text)
            previous, same_page = line, True
    if current:
        out.append("".join(current))
    return out


def _frame(lines: Sequence[VisualLine]) -> _Frame:
    upright = [line for line in lines if line.upright and line.text.strip()]
    if not upright:
        return _Frame(0.0, 0.0, None)
    left = Counter(round(line.x0) for line in upright).most_common(1)[0][0]
    ends = sorted(line.x1 for line in upright)
    right = ends[min(len(ends) - 1, int(_RIGHT_QUANTILE * len(ends)))]
    steps = [
        before.y - after.y
        for before, after in zip(upright, upright[1:])
        if 0 < before.y - after.y < 3 * max(before.size, after.size)
    ]
    return _Frame(float(left), right, statistics.median(steps) if steps else None)


def _starts_paragraph(
    paragraph: str,
    before: VisualLine,
    line: VisualLine,
    following: VisualLine | None,
    frame: _Frame,
    same_page: bool,
) -> bool:
    text = line.text.strip()
    if _holds_next_line(paragraph, text):
        return False
    if not (before.upright and line.upright):
        return True
    em = max(before.size, line.size)
    if abs(before.size - line.size) > _SIZE_CHANGE * em:
        return True
    if same_page and frame.pitch is not None and before.y - line.y > _GAP_FACTOR * frame.pitch:
        return True
    if line.x0 - frame.left > _INDENT_EM * em:
        return True
    if _is_short(before, text, frame):
        return True
    if paragraph.rstrip("".join(_CLOSING))[-1:] in _TERMINAL:
        # After a sentence's end: a numbered heading, or a heading-like line of its own.
        if match_marker(text, 0, len(text))[0] is not None:
            return True
        return (
            following is not None
            and len(text) <= _HEADING_LIKE_CHARS
            and text[-1] not in _TERMINAL
            and _is_short(line, following.text.strip(), frame)
        )
    return False


def _is_short(line: VisualLine, next_text: str, frame: _Frame) -> bool:
    """Whether ``line`` ends a paragraph: ``next_text``'s first word would have fitted after it."""
    free = frame.right - line.x1
    return free > text_width(_first_word(next_text), line.size) + _FIT_SLACK_EM * line.size


def _first_word(text: str) -> str:
    """What a line breaker may move as one piece: a character with the opening
    punctuation before it and the closing punctuation after it, or a Latin word or
    number (some breakers keep ``:2019`` on the character before it, too)."""
    match = _FIRST_WORD.match(text)
    return match.group() if match else text[:1]


_OPEN_DOC_NUMBER = re.compile(r"[〔\[［(（]\d{4}[〕\]］)）]\d*$")
_DOC_NUMBER_REST = re.compile(r"\d*号")
_DOC_NUMBER_YEAR = re.compile(r"[〔\[［]\d{4}[〕\]］]")


def _holds_next_line(paragraph: str, text: str) -> bool:
    """Whether the next line cannot start a paragraph of its own: it opens with
    closing punctuation, or the paragraph so far leaves a 《 title, a 〔 or a 文号 open."""
    if text[0] in _NO_LINE_START or paragraph[-1] in _NO_LINE_END:
        return True
    tail = paragraph[-_OPEN_TITLE_SPAN:]
    if tail.rfind("《") > tail.rfind("》") or tail.rfind("〔") > tail.rfind("〕"):
        return True
    if _OPEN_DOC_NUMBER.search(paragraph) and _DOC_NUMBER_REST.match(text):
        return True
    return bool(_DOC_NUMBER_YEAR.match(text))


def _joiner(before: str, after: str) -> str:
    """What goes between two joined lines: a space between Latin words, nothing in CJK text."""
    last, first = before[-1], after[0]
    latin = last.isascii() and (last.isalnum() or last in ",.;:!?") and first.isascii() and first.isalnum()
    return " " if latin and (last.isalpha() or first.isalpha()) else ""
