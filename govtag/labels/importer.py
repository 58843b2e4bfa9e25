"""Reading labelled files of any of the three formats into checked gold records.

Every file and every document is read and checked before anything is decided,
so a user sees all the problems at once; :meth:`ImportReport.raise_for_problems`
then refuses the whole import if there is one. Nothing invalid becomes gold.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govtag.errors import GoldFormatError
from govtag.jsonl import iter_jsonl_lenient
from govtag.labels import doccano, gold, label_studio
from govtag.labels.validate import LabelledDoc, check_document

FORMATS: tuple[str, ...] = ("label-studio", "doccano", "gold")
MAX_LISTED = 50  # problems listed in one error message; the rest are counted


@dataclass
class ImportReport:
    gold: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    documents: int = 0  # documents read (with or without problems)

    def raise_for_problems(self) -> None:
        """Raise :class:`GoldFormatError` listing the problems (at most :data:`MAX_LISTED`), if there are any."""
        if self.problems:
            listed = "\n".join(f"  {p}" for p in self.problems[:MAX_LISTED])
            more = len(self.problems) - MAX_LISTED
            tail = f"\n  ... and {more} more" if more > 0 else ""
            raise GoldFormatError(f"{len(self.problems)} problem(s) in the labels; nothing was written:\n{listed}{tail}")
        if not self.gold:
            raise GoldFormatError("no labelled documents in the input; nothing was written")


def detect_format(path: Path) -> str:
    """``label-studio`` for a JSON array, ``gold`` or ``doccano`` for JSON Lines by their first line's keys."""
    for _where, item, problem in iter_jsonl_lenient(path, GoldFormatError):
        if problem is not None or not isinstance(item, dict):
            break
        if "segments" in item:
            return "gold"
        if "label" in item or "entities" in item:
            return "doccano"
        break
    with path.open(encoding="utf-8-sig") as handle:
        if handle.read(4096).lstrip().startswith("["):
            return "label-studio"
    raise GoldFormatError(f"{path}: cannot tell whether this is a Label Studio, doccano or gold file; give --format")


def read_labels(paths: Sequence[Path], fmt: str | None = None, annotation: str = "latest") -> ImportReport:
    """Read and check every document of ``paths`` (``fmt`` None: detected per file)."""
    report = ImportReport()
    first_seen: dict[str, str] = {}
    for path in paths:
        docs = _read(path, fmt or detect_format(path), annotation, report)
        for doc in docs:
            report.documents += 1
            checked = check_document(doc)
            report.problems.extend(checked.problems)
            report.notes.extend(checked.notes)
            if isinstance(doc.doc_id, str):
                if doc.doc_id in first_seen:
                    report.problems.append(f"{doc.where}: the document id {doc.doc_id!r} was already used "
                                           f"by {first_seen[doc.doc_id]}")
                    continue
                first_seen[doc.doc_id] = doc.where
            if checked.gold is not None:
                report.gold.append(checked.gold)
    return report


def _read(path: Path, fmt: str, annotation: str, report: ImportReport) -> list[LabelledDoc]:
    if fmt == "label-studio":
        docs, problems, notes = label_studio.parse_export(_load_json(path), str(path), annotation)
        report.problems.extend(problems)
        report.notes.extend(notes)
        return docs
    if fmt not in FORMATS:
        raise GoldFormatError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    parse = doccano.parse_record if fmt == "doccano" else gold.parse_record
    docs = []
    for where, item, problem in iter_jsonl_lenient(path, GoldFormatError):
        if problem is not None:
            report.problems.append(problem)
        else:
            docs.append(parse(item, where))
    return docs


def _load_json(path: Path) -> Any:
    if not path.is_file():
        raise GoldFormatError(f"file not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise GoldFormatError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise GoldFormatError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc


def gold_jsonl(records: Sequence[dict[str, Any]]) -> str:
    """Gold records as JSON Lines, one document a line (the format of ``seeds/gold.jsonl``)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
