"""Labelling the indicator relation (docs/indicators.md): what each gold ``NUM`` measures.

The workflow has three steps, each a function here:

1. :func:`worksheet_rows` lists a gold document's ``NUM`` spans in text order, each
   with its sentence (the gold segment that holds it) and the ``NUM`` marked ⟦…⟧.
   ``govtag units nums`` writes these rows as ``<id>.nums.jsonl`` beside ``<id>.txt``.
2. The annotator writes ``<id>.ind.jsonl``, one line per ``NUM``:
   ``{"n", "metric", "kind", "period", "subject"}`` with substrings of the sentence.
   :func:`build_indicators` resolves each substring to offsets in the report (the
   occurrence nearest the ``NUM``, or the k-th one when ``<field>_occurrence`` says so)
   and checks everything, naming the file and the line.
3. :func:`read_indicators` reads the resulting gold file and checks it against the gold
   entities: every ``NUM`` covered exactly once, every span's text as in the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govtag.errors import GoldFormatError
from govtag.evaluate import AnnotatedDoc
from govtag.jsonl import iter_jsonl

KINDS: tuple[str, ...] = ("count", "rate", "change", "target")
FIELDS: tuple[str, ...] = ("metric", "period", "subject")  # the substring fields of an annotation line
OPEN_MARK, CLOSE_MARK = "⟦", "⟧"
_ANNOTATION_KEYS = frozenset({"n", "num", "kind", *FIELDS, *(f"{f}_occurrence" for f in FIELDS)})


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Indicator:
    """One gold ``NUM`` and what it measures; ``metric``, ``period`` and ``subject`` may be None."""

    num: Span
    kind: str
    metric: Span | None = None
    period: Span | None = None
    subject: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        def span(value: Span | None) -> dict[str, Any] | None:
            return None if value is None else value.to_dict()

        return {"num": self.num.to_dict(), "metric": span(self.metric), "kind": self.kind,
                "period": span(self.period), "subject": span(self.subject)}


@dataclass(frozen=True)
class _Num:
    """A gold ``NUM`` with the segment it lies in."""

    n: int  # 1-based, in text order
    start: int
    end: int
    sentence_start: int
    sentence_end: int


def _nums(doc: AnnotatedDoc) -> list[_Num]:
    segments = sorted((s, e) for s, e, _ in doc.segments)
    found: list[_Num] = []
    for start, end, _ in sorted(e for e in doc.entities if e[2] == "NUM"):
        holder = next(((s, e) for s, e in segments if s <= start and end <= e), None)
        if holder is None:
            raise GoldFormatError(f"{doc.id}: NUM {doc.text[start:end]!r} at {start}..{end} lies in no single segment")
        found.append(_Num(len(found) + 1, start, end, *holder))
    return found


def worksheet_rows(doc: AnnotatedDoc) -> list[dict[str, Any]]:
    """One row per gold ``NUM`` in text order: ``{"n", "start", "end", "num", "sentence"}``.

    ``sentence`` is the NUM's gold segment with this NUM (only) marked ⟦…⟧; the
    segment's label is left out, so that it does not steer the ``kind``.
    """
    text, rows = doc.text, []
    for num in _nums(doc):
        sentence = (text[num.sentence_start : num.start] + OPEN_MARK + text[num.start : num.end] + CLOSE_MARK
                    + text[num.end : num.sentence_end])
        rows.append({"n": num.n, "start": num.start, "end": num.end, "num": text[num.start : num.end],
                     "sentence": sentence})
    return rows


def check_worksheet(doc: AnnotatedDoc, nums_path: Path) -> None:
    """Fail when ``<id>.nums.jsonl`` is not the worksheet of ``doc`` (the gold changed since it was written)."""
    expected = worksheet_rows(doc)
    seen = 0
    for where, row in iter_jsonl(nums_path, GoldFormatError):
        if seen >= len(expected) or row != expected[seen]:
            raise GoldFormatError(f"{where}: the worksheet differs from the gold of {doc.id}; "
                                  "write it again with `govtag units nums`")
        seen += 1
    if seen != len(expected):
        raise GoldFormatError(f"{nums_path}: the worksheet has {seen} rows, the gold of {doc.id} "
                              f"has {len(expected)} NUMs; write it again with `govtag units nums`")


def _occurrences(sentence: str, surface: str) -> list[int]:
    """Start offsets of every occurrence of ``surface`` in ``sentence``, overlapping ones included."""
    starts, at = [], sentence.find(surface)
    while at != -1:
        starts.append(at)
        at = sentence.find(surface, at + 1)
    return starts


def _resolve(field: str, row: dict[str, Any], num: _Num, text: str, where: str, notes: list[str]) -> Span | None:
    """The span of ``row[field]`` inside the NUM's sentence: the k-th occurrence, or the one nearest the NUM."""
    surface, occurrence = row.get(field), row.get(f"{field}_occurrence")
    if surface is None:
        if occurrence is not None:
            raise GoldFormatError(f"{where}: {field}_occurrence is given but {field} is null")
        return None
    if not isinstance(surface, str) or not surface.strip():
        raise GoldFormatError(f"{where}: {field} must be a non-empty substring of the sentence or null")
    if OPEN_MARK in surface or CLOSE_MARK in surface:
        raise GoldFormatError(f"{where}: {field} {surface!r} contains the marks {OPEN_MARK}{CLOSE_MARK}; "
                              "copy the words without them")
    sentence = text[num.sentence_start : num.sentence_end]
    starts = [num.sentence_start + s for s in _occurrences(sentence, surface)]
    if not starts:
        raise GoldFormatError(f"{where}: {field} {surface!r} does not occur in the sentence of NUM n={num.n}")

    def overlaps(start: int) -> bool:
        return start < num.end and num.start < start + len(surface)

    if occurrence is not None:
        if isinstance(occurrence, bool) or not isinstance(occurrence, int) or not 1 <= occurrence <= len(starts):
            raise GoldFormatError(f"{where}: {field}_occurrence must be a whole number from 1 to {len(starts)} "
                                  f"({surface!r} occurs {len(starts)} times in the sentence)")
        start = starts[occurrence - 1]
        if overlaps(start):
            raise GoldFormatError(f"{where}: occurrence {occurrence} of {field} {surface!r} overlaps the NUM "
                                  f"{text[num.start : num.end]!r}")
        return Span(start, start + len(surface), surface)
    free = [s for s in starts if not overlaps(s)]
    if not free:
        raise GoldFormatError(f"{where}: {field} {surface!r} overlaps the NUM {text[num.start : num.end]!r}; "
                              "it must name what the figure measures without the figure")

    def distance(start: int) -> tuple[int, int]:
        gap = num.start - (start + len(surface)) if start < num.start else start - num.end
        return gap, start  # ties go to the occurrence on the left

    start = min(free, key=distance)
    if len(starts) > 1:
        notes.append(f"{where}: {field} {surface!r} occurs {len(starts)} times in the sentence; took occurrence "
                     f"{starts.index(start) + 1} (nearest the NUM); give {field}_occurrence if another is meant")
    return Span(start, start + len(surface), surface)


def _check_apart(spans: dict[str, Span | None], where: str) -> None:
    """metric, period and subject of one record name different words: they must not overlap."""
    given = [(field, span) for field, span in spans.items() if span is not None]
    for i, (field, span) in enumerate(given):
        for other, other_span in given[i + 1 :]:
            if span.start < other_span.end and other_span.start < span.end:
                raise GoldFormatError(f"{where}: {field} {span.text!r} and {other} {other_span.text!r} overlap")


def _annotation(row: Any, nums: Sequence[_Num], text: str, where: str, notes: list[str]) -> tuple[int, Indicator]:
    if not isinstance(row, dict):
        raise GoldFormatError(f"{where}: expected an object {{\"n\", \"metric\", \"kind\", \"period\", \"subject\"}}")
    unknown = sorted(set(row) - _ANNOTATION_KEYS)
    if unknown:
        raise GoldFormatError(f"{where}: unknown field(s) {', '.join(unknown)} "
                              f"(allowed: {', '.join(sorted(_ANNOTATION_KEYS))})")
    n = row.get("n")
    if isinstance(n, bool) or not isinstance(n, int):
        raise GoldFormatError(f"{where}: n must be the NUM's number from the worksheet, got {n!r}")
    if not 1 <= n <= len(nums):
        raise GoldFormatError(f"{where}: n={n} is not a NUM of this document (it has {len(nums)}, n=1..{len(nums)})")
    num = nums[n - 1]
    where = f"{where}: n={n}"
    if "num" in row and row["num"] != text[num.start : num.end]:
        raise GoldFormatError(f"{where}: num {row['num']!r} is not the worksheet's NUM {text[num.start : num.end]!r}")
    for field in ("kind", *FIELDS):
        if field not in row:
            raise GoldFormatError(f"{where}: {field} is missing (use null for metric, period or subject)")
    kind = row["kind"]
    if kind not in KINDS:
        raise GoldFormatError(f"{where}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    spans = {field: _resolve(field, row, num, text, where, notes) for field in FIELDS}
    _check_apart(spans, where)
    return n, Indicator(Span(num.start, num.end, text[num.start : num.end]), kind, **spans)


def build_indicators(doc: AnnotatedDoc, ind_path: Path) -> tuple[dict[str, Any], list[str]]:
    """The indicator gold line of ``doc`` from its ``<id>.ind.jsonl``, and notes on ambiguous substrings.

    Every NUM of the document needs exactly one line; lines may come in any order,
    the record lists the NUMs in text order.
    """
    nums = _nums(doc)
    notes: list[str] = []
    found: dict[int, Indicator] = {}
    lines: dict[int, str] = {}
    for where, row in iter_jsonl(ind_path, GoldFormatError):
        n, indicator = _annotation(row, nums, doc.text, where, notes)
        if n in found:
            raise GoldFormatError(f"{where}: n={n} is annotated twice (first at {lines[n]})")
        found[n], lines[n] = indicator, where
    missing = [num.n for num in nums if num.n not in found]
    if missing:
        raise GoldFormatError(f"{ind_path}: {len(found)} lines for {len(nums)} NUMs; no line for n="
                              + ", ".join(map(str, missing)))
    record = {"id": doc.id, "indicators": [found[num.n].to_dict() for num in nums]}
    return record, notes


def _span(value: Any, text: str, where: str, name: str) -> Span:
    if not isinstance(value, dict) or set(value) != {"start", "end", "text"}:
        raise GoldFormatError(f"{where}: {name} must be {{\"start\", \"end\", \"text\"}}")
    start, end, surface = value["start"], value["end"], value["text"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise GoldFormatError(f"{where}: {name} has bad offsets {start!r}..{end!r}")
    if text[start:end] != surface:
        raise GoldFormatError(f"{where}: {name} text {surface!r} differs from the report at {start}..{end} "
                              f"({text[start:end]!r})")
    return Span(start, end, surface)


def _indicator(item: Any, num_index: dict[tuple[int, int], _Num], text: str, where: str) -> Indicator:
    if not isinstance(item, dict) or set(item) != {"num", "metric", "kind", "period", "subject"}:
        raise GoldFormatError(f"{where}: each indicator needs exactly num, metric, kind, period and subject")
    num_span = _span(item["num"], text, where, "num")
    num = num_index.get((num_span.start, num_span.end))
    if num is None:
        raise GoldFormatError(f"{where}: num {num_span.text!r} at {num_span.start}..{num_span.end} "
                              "is not a gold NUM")
    where = f"{where}: NUM n={num.n} {num_span.text!r}"
    if item["kind"] not in KINDS:
        raise GoldFormatError(f"{where}: unknown kind {item['kind']!r} (expected one of {', '.join(KINDS)})")
    spans: dict[str, Span | None] = {}
    for field in FIELDS:
        if item[field] is None:
            spans[field] = None
            continue
        span = _span(item[field], text, where, field)
        if not (num.sentence_start <= span.start and span.end <= num.sentence_end):
            raise GoldFormatError(f"{where}: {field} {span.text!r} lies outside the NUM's sentence")
        if span.start < num.end and num.start < span.end:
            raise GoldFormatError(f"{where}: {field} {span.text!r} overlaps the NUM")
        spans[field] = span
    _check_apart(spans, where)
    return Indicator(num_span, item["kind"], **spans)


def read_indicators(path: str | Path, gold: Iterable[AnnotatedDoc]) -> dict[str, list[Indicator]]:
    """Read an indicators gold file and check it against the gold entities.

    Returns the indicators of each document in text order. Every document of
    ``gold`` must have one line, and every gold ``NUM`` exactly one indicator;
    span texts must match the report and lie in the NUM's sentence.
    """
    path = Path(path)
    docs = {doc.id: doc for doc in gold}
    result: dict[str, list[Indicator]] = {}
    for where, record in iter_jsonl(path, GoldFormatError):
        if not isinstance(record, dict) or set(record) != {"id", "indicators"}:
            raise GoldFormatError(f"{where}: expected {{\"id\", \"indicators\"}}")
        doc_id, items = record["id"], record["indicators"]
        if doc_id not in docs:
            raise GoldFormatError(f"{where}: document {doc_id!r} is not in the gold")
        if doc_id in result:
            raise GoldFormatError(f"{where}: document {doc_id!r} appears twice")
        if not isinstance(items, list):
            raise GoldFormatError(f"{where}: indicators must be a list")
        nums = _nums(docs[doc_id])
        num_index = {(num.start, num.end): num for num in nums}
        indicators = [_indicator(item, num_index, docs[doc_id].text, f"{where}: {doc_id}") for item in items]
        covered = [(i.num.start, i.num.end) for i in indicators]
        twice = sorted({span for span in covered if covered.count(span) > 1})
        if twice:
            raise GoldFormatError(f"{where}: {doc_id}: NUM(s) at " + ", ".join(f"{s}..{e}" for s, e in twice)
                                  + " have more than one indicator")
        given = set(covered)
        missing = [num for num in nums if (num.start, num.end) not in given]
        if missing:
            raise GoldFormatError(f"{where}: {doc_id}: {len(missing)} gold NUM(s) have no indicator, first "
                                  f"n={missing[0].n} {docs[doc_id].text[missing[0].start : missing[0].end]!r}")
        result[doc_id] = sorted(indicators, key=lambda i: i.num.start)
    absent = sorted(set(docs) - set(result))
    if absent:
        raise GoldFormatError(f"{path}: no indicators for gold document(s) {', '.join(absent)}")
    return result


def build_folder(folder: Path, gold: Sequence[AnnotatedDoc]) -> tuple[list[dict[str, Any]], list[str]]:
    """Indicator gold lines, in the gold's document order, from the ``<id>.ind.jsonl`` files in ``folder``.

    Every gold document needs its ``<id>.ind.jsonl``; an ``<id>.nums.jsonl`` beside it,
    when present, must still be the document's worksheet (so that ``n`` means the same NUM).
    """
    ids = {doc.id for doc in gold}
    strays = sorted(p.name for p in folder.glob("*.ind.jsonl") if p.name.removesuffix(".ind.jsonl") not in ids)
    if strays:
        raise GoldFormatError(f"{folder}: annotation file(s) for documents not in the gold: {', '.join(strays)}")
    missing = [doc.id for doc in gold if not (folder / f"{doc.id}.ind.jsonl").is_file()]
    if missing:
        raise GoldFormatError(f"{folder}: no <id>.ind.jsonl for {', '.join(missing)}")
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    for doc in gold:
        worksheet = folder / f"{doc.id}.nums.jsonl"
        if worksheet.is_file():
            check_worksheet(doc, worksheet)
        record, doc_notes = build_indicators(doc, folder / f"{doc.id}.ind.jsonl")
        records.append(record)
        notes.extend(doc_notes)
    return records, notes
