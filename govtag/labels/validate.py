"""Checking labelled documents against the contract and turning them into gold records.

A reader of a labelling tool's export (:mod:`govtag.labels.label_studio`,
:mod:`govtag.labels.doccano`, :mod:`govtag.labels.gold`) turns each document into
a :class:`LabelledDoc`: the text, and every span as the tool states it. Nothing
is trusted: :func:`check_document` names each problem with the document's and
the span's place in the file, converts offsets that a browser counted in UTF-16
code units, and only a document without problems becomes a gold record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from govtag import ENTITY_TYPES, LABELS
from govtag.digest import text_sha256
from govtag.labels.offsets import Utf16Offsets

Kind = Literal["segment", "entity"]
# How a reader's offsets are counted: Python indices; UTF-16 code units; or either,
# told apart by the span text the tool states (Label Studio stores both kinds).
Counting = Literal["python", "utf16", "detect"]

NAMES: dict[str, tuple[str, ...]] = {"segment": LABELS, "entity": ENTITY_TYPES}
MAX_UNCOVERED_RUNS = 3  # runs of unlabelled characters named per document


@dataclass(frozen=True)
class Region:
    """One span as the tool states it; ``where`` names it in messages (``region abc``, ``label 3``)."""

    where: str
    kind: Kind
    name: Any
    start: Any
    end: Any
    text: str | None = None  # the span's text as the tool states it, when it does


@dataclass
class LabelledDoc:
    """One document read from a tool's export; ``where`` names it (``FILE: task 7 (ledu-2020)``, ``FILE:3``)."""

    where: str
    doc_id: Any
    text: Any
    regions: list[Region] = field(default_factory=list)
    exported_sha256: str | None = None  # text_sha256 of the text that was exported, when the task carries it
    counting: Counting = "python"
    problems: list[str] = field(default_factory=list)  # found by the reader, already naming the document


@dataclass
class Checked:
    """The outcome for one document: a gold record, or the problems that keep it out."""

    gold: dict[str, Any] | None
    problems: list[str]
    notes: list[str]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: Kind
    name: str
    where: str


def check_document(doc: LabelledDoc) -> Checked:
    """Validate one document; its gold record only when nothing is wrong."""
    problems: list[str] = list(doc.problems)
    notes: list[str] = []
    if not isinstance(doc.doc_id, str) or not doc.doc_id:
        problems.append(f"{doc.where}: no document id")
    if not isinstance(doc.text, str) or not doc.text.strip():
        return Checked(None, [*problems, f"{doc.where}: no text"], notes)
    text: str = doc.text
    if doc.exported_sha256 is not None and doc.exported_sha256 != text_sha256(text):
        problems.append(f"{doc.where}: the text differs from the text that was exported (text_sha256 does not match)")
    utf16 = Utf16Offsets(text)
    spans: list[_Span] = []
    converted = 0
    segments_rejected = False  # then unlabelled characters are not counted: they would only repeat the problem
    for region in doc.regions:
        span, problem, was_converted = _resolve(region, text, utf16, doc.counting)
        if problem:
            problems.append(f"{doc.where}: {region.where}: {problem}")
            segments_rejected = segments_rejected or region.kind == "segment"
        elif span is not None:
            spans.append(span)
            converted += was_converted
    if converted:
        notes.append(f"{doc.where}: {converted} span(s) counted in UTF-16 code units, converted to character offsets")
    for kind in NAMES:
        problems.extend(f"{doc.where}: {p}" for p in _overlaps([s for s in spans if s.kind == kind]))
    if not segments_rejected:
        problems.extend(f"{doc.where}: {p}" for p in _uncovered(text, [s for s in spans if s.kind == "segment"]))
    if problems:
        return Checked(None, problems, notes)
    segments = sorted((s for s in spans if s.kind == "segment"), key=lambda s: (s.start, s.end))
    entities = sorted((s for s in spans if s.kind == "entity"), key=lambda s: (s.start, s.end))
    gold = {
        "id": doc.doc_id,
        "text": text,
        "segments": [{"start": s.start, "end": s.end, "label": s.name} for s in segments],
        "entities": [{"start": s.start, "end": s.end, "type": s.name, "text": text[s.start : s.end]} for s in entities],
    }
    return Checked(gold, problems, notes)


def _describe(region: Region) -> str:
    return f"{region.kind} {region.name!r} at {region.start}..{region.end}"


def _resolve(region: Region, text: str, utf16: Utf16Offsets, counting: Counting) -> tuple[_Span | None, str, bool]:
    """``(span, problem, converted)``: the span in Python indices, or why it cannot be one."""
    allowed = NAMES[region.kind]
    if region.name not in allowed:
        what = "label" if region.kind == "segment" else "entity type"
        return None, f"unknown {what} {region.name!r} (expected one of {', '.join(allowed)})", False
    start, end = region.start, region.end
    if not (type(start) is int and type(end) is int):
        return None, f"{_describe(region)}: offsets must be whole numbers", False
    if start >= end:
        return None, f"{_describe(region)}: empty or reversed span", False
    python_ok = 0 <= start and end <= len(text)
    if counting == "utf16":
        first, last = utf16.from_utf16(start), utf16.from_utf16(end)
        if first is None or last is None:
            beyond = start < 0 or end > utf16.utf16_length
            where = f"beyond the text's {utf16.utf16_length} code units" if beyond else "inside a character outside the BMP"
            return None, f"{_describe(region)}: out of range (UTF-16 offsets {where})", False
        return _Span(first, last, region.kind, region.name, region.where), "", first != start or last != end
    stated = region.text
    if python_ok and (stated is None or text[start:end] == stated):
        return _Span(start, end, region.kind, region.name, region.where), "", False
    if counting == "detect" and stated is not None and utf16.differs:
        first, last = utf16.from_utf16(start), utf16.from_utf16(end)
        if first is not None and last is not None and text[first:last] == stated:
            return _Span(first, last, region.kind, region.name, region.where), "", True
    if not python_ok:
        return None, f"{_describe(region)}: out of range (the text has {len(text)} characters)", False
    found = _excerpt(text[start:end])
    return None, f"{_describe(region)}: the stated text {_excerpt(stated or '')} does not match the document's {found}", False


def _overlaps(spans: list[_Span]) -> list[str]:
    """Duplicate and overlapping spans of one kind (segments with segments, entities with entities)."""
    problems: list[str] = []
    reach: _Span | None = None  # the span reaching furthest right so far
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if reach is not None and span.start < reach.end:
            what = f"{span.kind} {span.name!r} at {span.start}..{span.end}"
            if (span.start, span.end) == (reach.start, reach.end):
                reason = "duplicate of" if span.name == reach.name else "labels the same span as"
            else:
                reason = "overlaps"
            problems.append(f"{span.where}: {what} {reason} {reach.where} ({reach.name!r} at {reach.start}..{reach.end})")
        if reach is None or span.end > reach.end:
            reach = span
    return problems


def _uncovered(text: str, segments: list[_Span]) -> list[str]:
    """Runs of non-whitespace characters that no segment labels (the contract lets only whitespace go unlabelled)."""
    covered = bytearray(len(text))
    for span in segments:
        covered[span.start : span.end] = b"\x01" * (span.end - span.start)
    runs: list[tuple[int, int]] = []
    index = 0
    while index < len(text):
        if covered[index] or text[index].isspace():
            index += 1
            continue
        end = index
        while end < len(text) and not covered[end]:
            end += 1
        while text[end - 1].isspace():
            end -= 1
        runs.append((index, end))
        index = end
    if not runs:
        return []
    named = [f"{start}..{end} {_excerpt(text[start:end])}" for start, end in runs[:MAX_UNCOVERED_RUNS]]
    more = f" and {len(runs) - MAX_UNCOVERED_RUNS} more" if len(runs) > MAX_UNCOVERED_RUNS else ""
    count = sum(end - start for start, end in runs)
    return [f"{count} character(s) have no sentence label: {'; '.join(named)}{more}"]


def _excerpt(value: str, limit: int = 24) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")
