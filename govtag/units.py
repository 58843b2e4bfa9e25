"""The labelling workflow: cut a report into units for annotators, and build a gold
record (ANNOTATION.md, section 3) from their unit-level annotations.

An annotator gets ``<id>.txt`` (the report) and ``<id>.units.jsonl`` (one heading or
sentence a line: ``{"i", "start", "end", "text"}``) and writes ``<id>.ann.jsonl``, one
line per unit: ``{"i", "label", "entities": [[TYPE, substring], ...]}``, entities in
the order they occur (a substring that occurs twice is listed twice). This is the
format ``../shared/data/gold/units/`` keeps. :func:`gold_from_units` turns the three
files into one gold line with character offsets, checking every substring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govtag import ENTITY_TYPES, LABELS
from govtag.errors import GoldFormatError
from govtag.jsonl import iter_jsonl
from govtag.types import SegmentedDocument


def unit_rows(doc: SegmentedDocument) -> list[dict[str, Any]]:
    """One row per segment: its index, offsets and text."""
    return [
        {"i": i, "start": seg.start, "end": seg.end, "text": doc.text[seg.start : seg.end]}
        for i, seg in enumerate(doc.segments)
    ]


def _read_units(path: Path, text: str) -> list[tuple[int, int]]:
    units: list[tuple[int, int]] = []
    for where, row in iter_jsonl(path, GoldFormatError):
        if not isinstance(row, dict) or row.get("i") != len(units):
            raise GoldFormatError(f"{where}: expected unit i={len(units)}")
        start, end = row.get("start"), row.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise GoldFormatError(f"{where}: bad offsets {start}..{end}")
        if "text" in row and text[start:end] != row["text"]:
            raise GoldFormatError(f"{where}: the unit's text differs from the report at {start}..{end}")
        units.append((start, end))
    return units


def _entity_offsets(unit: str, entities: Any, where: str) -> list[tuple[int, int, str]]:
    """Offsets inside ``unit`` of ``[TYPE, substring]`` pairs, each found after the last."""
    if not isinstance(entities, list):
        raise GoldFormatError(f"{where}: entities must be a list of [TYPE, substring]")
    found: list[tuple[int, int, str]] = []
    for item in entities:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            raise GoldFormatError(f"{where}: entity {item!r} is not [TYPE, substring]")
        etype, surface = item
        if etype not in ENTITY_TYPES:
            raise GoldFormatError(f"{where}: unknown entity type {etype!r} ({', '.join(ENTITY_TYPES)})")
        if not surface:
            raise GoldFormatError(f"{where}: empty {etype} substring")
        taken = [(s, e) for s, e, _ in found]
        start = unit.find(surface)
        while start != -1 and any(start < e and s < start + len(surface) for s, e in taken):
            start = unit.find(surface, start + 1)
        if start == -1:
            raise GoldFormatError(f"{where}: {etype} {surface!r} does not occur (again) in the unit")
        found.append((start, start + len(surface), etype))
    return sorted(found)


def gold_from_units(doc_id: str, text: str, units_path: Path, ann_path: Path) -> dict[str, Any]:
    """One gold record from a report's text, its units and their annotations."""
    units = _read_units(units_path, text)
    covered = [False] * len(text)
    for start, end in units:
        covered[start:end] = [True] * (end - start)
    missed = next((i for i, c in enumerate(covered) if not c and not text[i].isspace()), None)
    if missed is not None:
        raise GoldFormatError(f"{units_path}: character {missed} ({text[missed]!r}) is in no unit")
    segments: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    seen = 0
    for where, row in iter_jsonl(ann_path, GoldFormatError):
        if not isinstance(row, dict) or row.get("i") != seen:
            raise GoldFormatError(f"{where}: expected the annotation of unit i={seen}")
        if seen >= len(units):
            raise GoldFormatError(f"{where}: more annotations than units ({len(units)})")
        label = row.get("label")
        if label not in LABELS:
            raise GoldFormatError(f"{where}: label {label!r} is not one of {', '.join(LABELS)}")
        start, end = units[seen]
        segments.append({"start": start, "end": end, "label": label})
        for s, e, etype in _entity_offsets(text[start:end], row.get("entities", []), where):
            entities.append({"start": start + s, "end": start + e, "type": etype})
        seen += 1
    if seen != len(units):
        raise GoldFormatError(f"{ann_path}: {len(units) - seen} units have no annotation (from i={seen})")
    return {"id": doc_id, "text": text, "segments": segments, "entities": entities}
