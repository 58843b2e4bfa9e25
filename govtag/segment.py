"""Cut a report into headings and sentences, with offsets into the original text.

A segment is a heading, or a stretch of text that ends with a sentence terminator
(。！？； ! ? ; ……) or a line break (ANNOTATION.md, section 1). The text itself is
never modified: every segment is a ``(start, end)`` span of ``Document.text``,
trimmed of surrounding whitespace (ASCII, full-width \\u3000, \\xa0, en spaces …).

How a line is cut:

1. Sentences end at a terminator; closing quotes and brackets that follow it stay
   with the sentence (``。”``, ``。）``). A terminator inside a quotation or a
   bracket that the same line closes does not end the sentence unless the quotation
   closes right after it (``他说：“……。”`` ends there, ``“……。……”`` does not).
2. A line break always ends a segment, so lines without final punctuation
   (titles, menu items, date lines) are segments of their own.
3. A segment longer than ``max_chars`` is cut at the last ，/,/、/；/：/space before
   the limit, outside brackets, quotes and numbers where possible, else inside a run
   of Chinese text; nothing is ever dropped.

Headings are lines that start with an enumeration marker (一、 （一） (一) 1、 1. 1．
（1） (1) ① 第一部分 …) followed by a short title; when the title ends with 。 and
the paragraph goes on in the same line, only the title is the heading. Short
unnumbered lines without final punctuation (titles, 政府信息公开) are headings too.
Inline enumerations (一是……。二是……) are ordinary sentences. A line that the file's
structure marks (``Document.line_roles``: a Word heading style, a table row) is a
heading without a marker, or never a heading, whatever its text.

Levels follow the marker families in order of first appearance (一、 → 1,
（一） → 2, 1、 → 3, （1） → 4 in the usual case), and ``parent`` points to the
nearest enclosing heading, so the headings form a tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govtag.types import Document, LineRole, Segment, SegmentedDocument

if TYPE_CHECKING:
    from govtag.config import SegmentationConfig

# Sentence terminators (single characters); "……" / "..." are handled separately.
TERMINATORS = frozenset("。！？；!?;")
# Characters that close a sentence after its terminator.
CLOSERS = frozenset("”’」』）)】》〕］]\"'")
# Extra characters treated as whitespace when trimming (zero-width and BOM).
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# Preferred cut points for over-long segments (cut after the character).
_SOFT_BREAKS = frozenset("，,、；;：:")

_LINE_RE = re.compile(r"[^\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]+")

# Quote and bracket pairs that suppress sentence splitting inside them.
_PAIRS = {"“": "”", "「": "」", "『": "』", "（": "）", "(": ")", "‘": "’"}
_MAX_BRACKET_SPAN = 200  # an opener whose closer is further away is ignored

_CN_NUM = "〇零一二三四五六七八九十百"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Enumeration markers at the start of a line: (family, regex).
# Order matters: the first family that matches wins.
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"第[{_CN_NUM}\d]+(?:部分|章|篇|节)[、，,.．:：\s]*")),
    ("paren_cn", re.compile(rf"[（(]\s*[{_CN_NUM}]+\s*[)）][、.．，,]?\s*")),
    ("paren_cn", re.compile(rf"[{_CN_NUM}]{{1,3}}[)）]\s*")),  # "七)" with a lost opening bracket
    ("cn", re.compile(rf"[{_CN_NUM}]{{1,3}}\s*[、.．]\s*")),
    ("paren_num", re.compile(r"[（(]\s*[0-9０-９]{1,2}\s*[)）][、.．，,]?\s*")),
    ("num", re.compile(r"[0-9０-９]{1,2}\s*(?:、|[.．](?![0-9０-９]))\s*")),
    ("num_paren", re.compile(r"[0-9０-９]{1,2}[)）]\s*")),
    ("circled", re.compile(rf"[{_CIRCLED}]\s*")),
)

HEADING_MAX_CHARS = 50  # longest heading title (after the marker)
PLAIN_HEADING_MAX_CHARS = 30  # longest unnumbered heading line
_NO_PLAIN_HEADING_END = frozenset("。！？；!?;，,、：:…")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_BARE_ENUM_RE = re.compile(rf"^(?:[{_CN_NUM}]+[是要]|首先|其次|再次|最后|第[{_CN_NUM}]+)$")
_DATE_LIKE_RE = re.compile(r"^[\d０-９\s年月日\-/.:：]+$")


def _is_space(ch: str) -> bool:
    return ch.isspace() or ch in _ZERO_WIDTH


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    heading: str | None = None  # marker family, "plain" for unnumbered headings


class SentenceSplitter:
    """Splits a :class:`Document` into headings and sentences.

    >>> doc = Document("d", "一、工作开展情况\\n印发《方案》。开展培训3次")
    >>> [doc.text[s.start:s.end] for s in SentenceSplitter().split(doc).segments]
    ['一、工作开展情况', '印发《方案》。', '开展培训3次']
    """

    def __init__(self, max_chars: int = 300) -> None:
        if max_chars < 2:
            raise ValueError("max_chars must be at least 2")
        self.max_chars = max_chars

    @classmethod
    def from_config(cls, config: SegmentationConfig) -> SentenceSplitter:
        """The splitter that ``segmentation:`` in a pipeline config describes (inference and training alike)."""
        return cls(max_chars=config.max_chars)

    # ------------------------------------------------------------------ public

    def split(self, document: Document) -> SegmentedDocument:
        text = document.text
        roles = {role.start: role for role in document.line_roles}
        lines = []
        line_roles: list[LineRole | None] = []
        for match in _LINE_RE.finditer(text):
            start, end = self._trim(text, match.start(), match.end())
            if start < end:
                lines.append((start, end))
                line_roles.append(roles.get(match.start()))
        pieces: list[_Piece] = []
        for n, (start, end) in enumerate(lines):
            prev_line = lines[n - 1] if n else None
            next_line = lines[n + 1] if n + 1 < len(lines) else None
            plain_ok = _plain_heading_context(text, prev_line, next_line)
            pieces.extend(self._split_line(text, start, end, plain_ok, line_roles[n]))
        return SegmentedDocument(document=document, segments=self._build_tree(pieces))

    # ------------------------------------------------------------ line level

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int]:
        while start < end and _is_space(text[start]):
            start += 1
        while end > start and _is_space(text[end - 1]):
            end -= 1
        return start, end

    def _split_line(
        self, text: str, start: int, end: int, plain_ok: bool = True, role: LineRole | None = None
    ) -> list[_Piece]:
        family, title_start = match_marker(text, start, end)
        if role is not None and role.kind == "table_row":
            family, plain_ok = None, False
        elif role is not None and role.kind == "heading" and family is None:
            family = f"outline{role.level or 1}"  # a heading style: its depth names the family
        spans = self._sentences(text, start, end)
        pieces: list[_Piece] = []
        first = 0
        if family is not None and spans:
            head = self._heading_span(text, spans[0], title_start, end)
            if head is not None and head[1] - head[0] <= self.max_chars:
                pieces.append(_Piece(head[0], head[1], family))
                rest = self._trim(text, head[1], spans[0][1])
                spans = ([rest] if rest[0] < rest[1] else []) + spans[1:]
        elif (
            family is None
            and plain_ok
            and len(spans) == 1
            and end - start <= self.max_chars
            and _is_plain_heading(text, start, end)
        ):
            pieces.append(_Piece(start, end, "plain"))
            first = 1
        for s, e in spans[first:]:
            for ps, pe in self._limit(text, s, e):
                pieces.append(_Piece(ps, pe))
        return pieces

    @staticmethod
    def _heading_span(
        text: str, span: tuple[int, int], title_start: int, line_end: int
    ) -> tuple[int, int] | None:
        """The heading part of a line's first sentence, or None when it is a plain sentence."""
        s, e = span
        title_len = e - title_start
        last = text[e - 1]
        if title_len <= HEADING_MAX_CHARS and last not in "；;，,、":
            return s, e
        # "（一）依法全面履行政府职能 一是……": a title cut off by a space.
        for i in range(title_start + 2, min(e, title_start + HEADING_MAX_CHARS)):
            if _is_space(text[i]) and not _is_space(text[i - 1]):
                if not re.match(r"[\dA-Za-z]", text[i - 1]):
                    return s, i
                break
        if title_start >= e:  # a bare marker
            return s, e
        return None

    def _sentences(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Cut one trimmed line at terminators; returns trimmed, non-empty spans."""
        closers = _matching_closers(text, start, end)
        spans: list[tuple[int, int]] = []
        seg_start = start
        i = start
        open_until = -1  # index of the closer of the outermost open pair
        while i < end:
            if i >= open_until and i in closers:  # entering a quotation / bracket
                open_until = closers[i]
            cut = None
            j = _terminator_end(text, i, end)
            if j > i:
                # swallow repeated terminators and ellipses: "？！" "……" "。。"
                while j < end:
                    k = _terminator_end(text, j, end)
                    if k == j:
                        break
                    j = k
                k = j
                while k < end and text[k] in CLOSERS:
                    k += 1
                if i < open_until:
                    # inside a quotation or bracket: split only if it closes right here
                    if k > j and k - 1 >= open_until:
                        cut = k
                        open_until = -1
                    else:
                        i = j
                        continue
                else:
                    cut = k
            if cut is not None:
                s, e = self._trim(text, seg_start, cut)
                if s < e:
                    spans.append((s, e))
                seg_start = cut
                i = cut
                continue
            i += 1
        s, e = self._trim(text, seg_start, end)
        if s < e:
            spans.append((s, e))
        return spans

    def _limit(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Cut a span longer than max_chars at soft break points; never drop text."""
        out: list[tuple[int, int]] = []
        limit = self.max_chars
        while end - start > limit:
            cut = _best_cut(text, start, start + limit)
            s, e = self._trim(text, start, cut)
            if s < e:
                out.append((s, e))
            start, end = self._trim(text, cut, end)
        if start < end:
            out.append((start, end))
        return out

    # ------------------------------------------------------------ tree level

    @staticmethod
    def _build_tree(pieces: list[_Piece]) -> list[Segment]:
        segments: list[Segment] = []
        family_level: dict[str, int] = {}
        stack: list[tuple[str, int, int]] = []  # (family, level, segment index), numbered only
        plain: tuple[int, int] | None = None  # (level, index) of the current unnumbered heading
        for piece in pieces:
            index = len(segments)
            family = piece.heading
            if family is None:
                parent = plain[1] if plain else (stack[-1][2] if stack else None)
                segments.append(Segment(piece.start, piece.end, False, None, parent))
                continue
            if family == "plain":
                level = (stack[-1][1] if stack else 0) + 1
                parent = stack[-1][2] if stack else None
                plain = (level, index)
                segments.append(Segment(piece.start, piece.end, True, level, parent))
                continue
            plain = None
            if family in family_level:
                level = family_level[family]
                if any(f == family for f, _, _ in stack):
                    while stack and stack[-1][0] != family:
                        stack.pop()
                    stack.pop()
                else:
                    while stack and stack[-1][1] >= level:
                        stack.pop()
            else:
                level = (stack[-1][1] if stack else 0) + 1
                family_level[family] = level
            parent = stack[-1][2] if stack else None
            stack.append((family, level, index))
            segments.append(Segment(piece.start, piece.end, True, level, parent))
        return segments


# ---------------------------------------------------------------- helpers


def match_marker(text: str, start: int, end: int) -> tuple[str | None, int]:
    """The enumeration family (``cn`` 一、, ``paren_cn`` （一）, ``num`` 1., …) that opens
    ``text[start:end]``, and where the title after the marker starts; ``(None, start)`` if none."""
    for family, pattern in _MARKERS:
        m = pattern.match(text, start, end)
        if m:
            return family, m.end()
    return None, start


def _is_plain_heading(text: str, start: int, end: int) -> bool:
    """A short unnumbered line with no final punctuation: a title or a section name."""
    line = text[start:end]
    if len(line) > PLAIN_HEADING_MAX_CHARS or line[-1] in _NO_PLAIN_HEADING_END:
        return False
    if not _CJK_RE.search(line) or _DATE_LIKE_RE.match(line):
        return False
    if any(c in line for c in "：:，,。；;") or line[0] in "》”）)、】" or _BARE_ENUM_RE.match(line):
        return False
    # unbalanced brackets: a fragment of a longer line
    return all(line.count(a) == line.count(b) for a, b in ("《》", "“”", "（）", "()", "【】"))


def _plain_heading_context(
    text: str, prev_line: tuple[int, int] | None, next_line: tuple[int, int] | None
) -> bool:
    """Whether the neighbours allow an unnumbered heading between them.

    A heading is followed by body text: not by another heading-like short line (menus,
    signature blocks), not by a date, and never by the rest of a broken sentence. It
    does not continue a sentence broken off on the line before either (我国第一部《 /
    国防法 / 》开始实施).
    """
    if next_line is None:
        return False
    if prev_line is not None:
        last = text[prev_line[1] - 1]
        prev_text = text[prev_line[0] : prev_line[1]]
        short = len(prev_text) <= PLAIN_HEADING_MAX_CHARS and not any(c in TERMINATORS for c in prev_text)
        if last in "，,、《“（(-—" or not (short or last in TERMINATORS or last in CLOSERS or last in "：:…"):
            return False
    first = text[next_line[0]]
    if first in "》”）)，,、。；;：:":
        return False
    if _is_plain_heading(text, *next_line) or _DATE_LIKE_RE.match(text[next_line[0] : next_line[1]]):
        return False
    return True


def _terminator_end(text: str, i: int, end: int) -> int:
    """End of the terminator that starts at ``i`` (``i`` itself when there is none).

    Terminators are 。！？；!?; and the ellipses …… and ... (a single … is not one).
    """
    ch = text[i]
    if ch in TERMINATORS:
        return i + 1
    if ch == "…" and i + 1 < end and text[i + 1] == "…":
        return i + 2
    if ch == "." and i + 2 < end and text[i + 1] == "." and text[i + 2] == ".":
        return i + 3
    return i


def _matching_closers(text: str, start: int, end: int) -> dict[int, int]:
    """Map the index of each quote/bracket opener to its closer on the same line."""
    result: dict[int, int] = {}
    stack: list[tuple[str, int]] = []
    for i in range(start, end):
        ch = text[i]
        if stack and ch == _PAIRS[stack[-1][0]]:
            _, pos = stack.pop()
            if i - pos <= _MAX_BRACKET_SPAN:
                result[pos] = i
        elif ch in _PAIRS:
            stack.append((ch, i))
        elif ch in "”」』’）)":
            # a closer without its opener: drop openers it might belong to
            while stack and _PAIRS[stack[-1][0]] != ch:
                stack.pop()
            if stack:
                _, pos = stack.pop()
                if i - pos <= _MAX_BRACKET_SPAN:
                    result[pos] = i
    return result


def _best_cut(text: str, start: int, limit: int) -> int:
    """Where to cut ``text[start:]`` at or before ``limit`` (exclusive end of the first part)."""
    floor = start + max(1, (limit - start) // 4)
    depth = 0
    best_any = best_outside = -1
    for i in range(start, limit):
        ch = text[i]
        if ch in "《“「『（(【〔[":
            depth += 1
        elif ch in "》”」』）)】〕]" and depth:
            depth -= 1
        if i + 1 <= floor:
            continue
        if ch == "," and 0 < i < limit - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            continue  # a thousands separator: 3,218
        if ch in _SOFT_BREAKS or _is_space(ch):
            best_any = i + 1
            if depth == 0:
                best_outside = i + 1
    if best_outside > 0:
        return best_outside
    if best_any > 0:
        return best_any
    cut = limit
    # do not cut inside a run of digits or Latin letters
    while cut > floor and _word_char(text[cut - 1]) and _word_char(text[cut]):
        cut -= 1
    return cut if cut > floor else limit


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
