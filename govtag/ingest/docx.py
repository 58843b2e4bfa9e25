"""Extract the text of a Word (.docx) report: one paragraph per line, tables in place.

What Word shows but the paragraph text lacks is put back: the labels of
automatic numbering (一、 （一） 1.) are written before the paragraph's text, as
Word displays them. Headings are marked from the file's structure
(:class:`~govtag.types.LineRole`), so a heading is one even without a marker in
its text: a heading style (Heading 1-9, 标题 1-9, or a style based on one) or an
outline level. A table row is one line, its cells separated by `` | ``, and is
never a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import nsmap, qn
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from govtag.config import IngestConfig
from govtag.errors import InputError, LimitExceededError
from govtag.ingest.archive import bounded_zip
from govtag.ingest.layout import Extracted, SourceLine, assemble_lines
from govtag.ingest.text import normalize_newlines

CELL_SEPARATOR = " | "

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_LEVELS = 9  # Word's outline levels and list levels: 0-8


def read_docx(data: bytes, limits: IngestConfig) -> Extracted:
    """Paragraphs in body order, numbering labels included, tables one row per line; heading and row roles."""
    try:
        document = docx.Document(bounded_zip(data, limits))
        text, roles = assemble_lines(_Reader(document).lines())
    except LimitExceededError:
        raise
    # python-docx raises zipfile, lxml, KeyError and ValueError errors, among
    # others, on damaged files; all of them mean the same thing to the user.
    except Exception as exc:
        raise InputError(
            f"not a readable .docx file ({type(exc).__name__}: {exc}); "
            "old binary .doc files are not supported"
        ) from exc
    return Extracted(text=text, line_roles=roles)


class _Reader:
    def __init__(self, document: WordDocument) -> None:
        self.document = document
        self.numbering = _Numbering.of(document)

    def lines(self) -> Iterator[SourceLine]:
        for block in self.document.iter_inner_content():
            if isinstance(block, Paragraph):
                yield self._paragraph(block)
            else:
                yield from self._table(block)

    def _paragraph(self, paragraph: Paragraph) -> SourceLine:
        text = normalize_newlines(paragraph.text)
        label = self.numbering.label(paragraph)
        level = _heading_level(paragraph)
        return SourceLine(label + text, "heading" if level is not None else None, level)

    def _table(self, table: Table) -> Iterator[SourceLine]:
        # row.cells repeats a merged cell once per grid column and row it spans;
        # its text is given once. The set holds the lxml elements themselves:
        # lxml returns the same proxy for a node only while one is referenced.
        seen: set[object] = set()
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    cells.append(self._cell_text(cell))
            yield SourceLine(CELL_SEPARATOR.join(cell for cell in cells if cell), "table_row")

    def _cell_text(self, cell: _Cell) -> str:
        """A cell on one line: its paragraphs, and the rows of a table inside it, side by side."""
        parts: list[str] = []
        for block in cell.iter_inner_content():
            if isinstance(block, Paragraph):
                parts.append(self._paragraph(block).text)
            else:
                parts.extend(line.text for line in self._table(block))
        return " ".join(" ".join(part.split()) for part in parts if part.strip())


def _heading_level(paragraph: Paragraph) -> int | None:
    """1 for a top heading: from the paragraph's outline level, else its style's (or a base style's)."""
    own = _outline_level(paragraph._p.pPr)
    if own is not None:
        return own
    style = paragraph.style
    depth = 0
    while isinstance(style, ParagraphStyle) and depth < _STYLE_DEPTH:
        match = _HEADING_STYLE.match(style.name or "")
        if match:
            return int(match.group(1))
        level = _outline_level(style.element.pPr)
        if level is not None:
            return level
        style = style.base_style
        depth += 1
    return None


_STYLE_DEPTH = 16  # a style chain deeper than this is a loop in a damaged file


def _outline_level(ppr: object | None) -> int | None:
    """A Word outline level (0-8 in the file) as a heading level (1-9); level 9 is body text."""
    if ppr is None:
        return None
    values = _xpath(ppr, "./w:outlineLvl/@w:val")
    if values and values[0].isdigit() and int(values[0]) < _LEVELS:
        return int(values[0]) + 1
    return None


# --------------------------------------------------------------------- numbering


@dataclass(frozen=True)
class _Level:
    start: int
    fmt: str
    text: str
    suffix: str  # what Word puts after the label: a tab, a space or nothing
    style: str | None  # the paragraph style this list level belongs to


class _Numbering:
    """The labels Word draws before numbered paragraphs, counted in body order."""

    def __init__(self, lists: dict[str, tuple[str, dict[int, _Level]]]) -> None:
        self.lists = lists  # numId -> (abstractNumId, levels)
        self.counters: dict[str, list[int | None]] = {}

    @classmethod
    def of(cls, document: WordDocument) -> _Numbering:
        try:
            part = document.part.part_related_by(RELATIONSHIP_TYPE.NUMBERING)
        except KeyError:
            return cls({})
        root = part.element  # type: ignore[attr-defined]
        abstract = {
            node.get(qn("w:abstractNumId")): _levels(node) for node in _xpath(root, "./w:abstractNum")
        }
        lists: dict[str, tuple[str, dict[int, _Level]]] = {}
        for num in _xpath(root, "./w:num"):
            abstract_id = _value(num, "./w:abstractNumId")
            if abstract_id not in abstract:
                continue
            levels = dict(abstract[abstract_id])
            for override in _xpath(num, "./w:lvlOverride"):
                ilvl = _int(override.get(qn("w:ilvl")), 0)
                replaced = _xpath(override, "./w:lvl")
                if replaced:
                    levels[ilvl] = _level(replaced[0])
                start = _value(override, "./w:startOverride")
                if start is not None and ilvl in levels:
                    level = levels[ilvl]
                    levels[ilvl] = _Level(_int(start, 1), level.fmt, level.text, level.suffix, level.style)
            lists[num.get(qn("w:numId"))] = (abstract_id, levels)
        return cls(lists)

    def label(self, paragraph: Paragraph) -> str:
        """The paragraph's label with what follows it, or "" when it is not numbered."""
        found = self._num_pr(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        abstract_id, levels = self.lists[num_id]
        if ilvl is None:
            style_id = paragraph.style.style_id if paragraph.style is not None else None
            ilvl = next((n for n, level in levels.items() if level.style and level.style == style_id), 0)
        if ilvl not in levels or not 0 <= ilvl < _LEVELS:
            return ""
        counters = self.counters.setdefault(abstract_id, [None] * _LEVELS)
        counters[ilvl] = levels[ilvl].start if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, _LEVELS):
            counters[deeper] = None
        level = levels[ilvl]
        if level.fmt in ("bullet", "none"):
            return ""

        def number(match: re.Match[str]) -> str:
            n = int(match.group(1)) - 1
            value = counters[n] if counters[n] is not None else (levels[n].start if n in levels else 1)
            return _format(value, levels[n].fmt if n in levels else "decimal")

        return re.sub(r"%([1-9])", number, level.text) + level.suffix

    def _num_pr(self, paragraph: Paragraph) -> tuple[str, int | None] | None:
        """(numId, list level or None to look it up by style): the paragraph's own, else its style's."""
        candidates = [paragraph._p.pPr]
        style = paragraph.style
        while isinstance(style, ParagraphStyle) and len(candidates) <= _STYLE_DEPTH:
            candidates.append(style.element.pPr)
            style = style.base_style
        for depth, ppr in enumerate(candidates):
            if ppr is None or not _xpath(ppr, "./w:numPr"):
                continue
            num_id = _value(ppr, "./w:numPr/w:numId")
            if num_id is None or num_id == "0" or num_id not in self.lists:
                return None
            ilvl = _value(ppr, "./w:numPr/w:ilvl")
            if ilvl is None and depth > 0:
                return num_id, None  # a style's list: the level is the one linked to the style
            return num_id, _int(ilvl, 0)
        return None


def _levels(abstract_num: object) -> dict[int, _Level]:
    return {
        _int(node.get(qn("w:ilvl")), 0): _level(node)
        for node in _xpath(abstract_num, "./w:lvl")
    }


def _level(node: object) -> _Level:
    suffix = {"tab": "\t", "space": " ", "nothing": ""}.get(_value(node, "./w:suff") or "tab", "\t")
    return _Level(
        start=_int(_value(node, "./w:start"), 1),
        fmt=_value(node, "./w:numFmt") or "decimal",
        text=_value(node, "./w:lvlText") or "",
        suffix=suffix,
        style=_value(node, "./w:pStyle"),
    )


def _xpath(node: object, path: str) -> list:
    """Elements (or attribute values) at ``path`` below ``node``, for any element of the file."""
    return _compiled(path)(node)


@lru_cache(maxsize=64)
def _compiled(path: str) -> etree.XPath:
    return etree.XPath(path, namespaces={"w": nsmap["w"]})


def _value(node: object, path: str) -> str | None:
    """The ``w:val`` of the first element at ``path``."""
    found = _xpath(node, path)
    return found[0].get(qn("w:val")) if found else None


def _int(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.lstrip("-").isdigit() else default


_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _format(value: int, fmt: str) -> str:
    """A list number in one of Word's number formats (unknown formats as decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese(value, _CN_DIGITS, "十百千")
    if fmt == "chineseLegalSimplified":
        return _chinese(value, _CN_LEGAL, "拾佰仟")
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= value <= len(_CIRCLED):
        return _CIRCLED[value - 1]
    if fmt == "ideographTraditional" and 1 <= value <= len(_HEAVENLY_STEMS):
        return _HEAVENLY_STEMS[value - 1]
    if fmt == "decimalFullWidth":
        return str(value).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    if fmt in ("lowerLetter", "upperLetter") and value >= 1:
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and value >= 1:
        roman = _roman(value)
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _chinese(value: int, digits: str, units: str) -> str:
    """一 … 十 … 十一 … 二十 … 一百零五 (below 10,000; larger values as digits)."""
    if value <= 0 or value >= 10_000:
        return str(value)
    out = ""
    zero = False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit = value // power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += digits[0]
            zero = False
        if not (power == 10 and digit == 1 and not out):  # 十一, not 一十一
            out += digits[digit]
        out += unit
    return out


def _roman(value: int) -> str:
    out = ""
    for amount, numeral in _ROMAN:
        while value >= amount:
            out += numeral
            value -= amount
    return out
