"""Checks on the gold files a run adds (``govtag train --add``) before anything is trained on them.

An added file is read with the labels validator (:mod:`govtag.labels.importer`),
so a span out of range, an unknown label or a sentence left unlabelled stops the
run with the file, line and reason. A document that is also in the evaluation set
(``data.test``: the same id or the same text) would make every later gate
decision meaningless and is refused; so is a document id used twice anywhere in
the training gold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from govtag.digest import file_sha256, text_sha256
from govtag.errors import GoldFormatError
from govtag.jsonl import iter_jsonl
from govtag.labels.importer import read_labels
from govtag.training.config import TrainConfig


@dataclass(frozen=True)
class GoldLine:
    where: str  # path:line
    doc_id: str
    text_sha256: str


def gold_lines(paths: Iterable[Path]) -> list[GoldLine]:
    """Every document of ``paths`` with where it is; lines that are not documents are left to the readers."""
    lines = []
    for path in paths:
        for where, record in iter_jsonl(path, GoldFormatError):
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                lines.append(GoldLine(where, record["id"], text_sha256(str(record.get("text") or ""))))
    return lines


def check_added_gold(config: TrainConfig) -> None:
    """Raise GoldFormatError naming the file and line (and the other one) of every problem with ``data.add``."""
    if not config.data.add:
        return
    report = read_labels(config.data.add, "gold")
    report.raise_for_problems()
    problems: list[str] = []
    test = gold_lines(config.data.test)
    test_ids = {line.doc_id: line.where for line in test}
    test_texts = {line.text_sha256: line.where for line in test}
    added = gold_lines(config.data.add)
    for line in added:
        if line.doc_id in test_ids:
            problems.append(f"{line.where}: the document {line.doc_id!r} is in the evaluation set (data.test) "
                            f"at {test_ids[line.doc_id]}")
        elif line.text_sha256 in test_texts:
            problems.append(f"{line.where}: the text of {line.doc_id!r} is the text of {test_texts[line.text_sha256]} "
                            f"in the evaluation set (data.test)")
    seen: dict[str, str] = {}
    for line in [*gold_lines(config.data.gold), *added]:
        if line.doc_id in seen:
            problems.append(f"{line.where}: the document id {line.doc_id!r} is also at {seen[line.doc_id]}")
        else:
            seen.setdefault(line.doc_id, line.where)
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise GoldFormatError(f"{len(problems)} problem(s) with the added gold; nothing was trained:\n{listed}")


def added_files(config: TrainConfig) -> list[dict[str, str]]:
    """The added gold files as the model card records them: path and SHA-256."""
    return [{"path": str(path), "sha256": file_sha256(path)} for path in config.data.add]
