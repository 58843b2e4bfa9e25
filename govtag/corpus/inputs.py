"""What ``govtag annotate`` reads: files, folders, globs, stdin and JSON Lines corpora, streamed.

Every input becomes a :class:`CorpusItem`: a small, picklable description of
one document (its id, where it comes from, and either its text or the path to
read), produced lazily so that a corpus of any size costs the memory of one
item at a time. Reading the document (:meth:`CorpusItem.load`) is left to the
consumer, so that a worker or a Ray actor can do it.

JSON Lines corpora hold one document a line, in one of three shapes:

* ``{"id": ..., "text": ...}``, with any other keys kept as metadata (the
  shared corpus format: ``id``, ``title``, ``text``, ``source_repo``, ...);
* ``{"id": ..., "path": ...}``, the path relative to the JSONL file;
* a line that is neither, or not JSON, becomes an error record naming the line.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from govtag.config import IngestConfig
from govtag.errors import InputError
from govtag.ingest import SUPPORTED_EXTENSIONS, SUPPORTED_FORMATS, load_bytes, load_path, load_text
from govtag.jsonl import iter_jsonl_lenient
from govtag.types import Document

JSONL_EXTENSIONS = frozenset({".jsonl", ".ndjson"})
STDIN = "-"


@dataclass(frozen=True)
class CorpusItem:
    """One document to annotate, not yet read."""

    id: str
    where: str  # a path, ``path:line`` or ``<stdin>``: for messages and the errors table
    path: Path | None = None  # a file to read
    text: str | None = None  # the text itself (JSONL ``text``)
    stdin: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # why this input cannot be read at all

    def load(self, limits: IngestConfig, stdin_bytes: bytes | None = None) -> Document:
        """Read the document; an :class:`InputError` names the input and the reason."""
        if self.error is not None:
            raise InputError(self.error)
        if self.text is not None:  # a JSON Lines record: where it is, and its other keys
            document = load_text(self.text, self.id, limits)
            return replace(document, source=self.where, metadata=dict(self.metadata))
        if self.stdin:
            return load_bytes(stdin_bytes or b"", filename="stdin", doc_id=self.id, limits=limits)
        assert self.path is not None
        return load_path(self.path, doc_id=self.id, limits=limits)


def is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in JSONL_EXTENSIONS


def iter_corpus(args: Iterable[str]) -> Iterator[CorpusItem]:
    """Items for every argument, in order; ids are unique within the run (``name~2`` for a repeat)."""
    ids = _UniqueIds()
    for item in _expand(args):
        yield ids.assign(item)


def count_corpus(args: Iterable[str]) -> int:
    """How many items :func:`iter_corpus` will yield (lists folders and counts lines; reads no text)."""
    total = 0
    for arg in args:
        path = Path(arg)
        if arg != STDIN and path.is_file() and is_jsonl(path):
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        else:
            total += sum(1 for _ in _expand([arg]))
    return total


class _UniqueIds:
    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def assign(self, item: CorpusItem) -> CorpusItem:
        count = self._seen.get(item.id, 0) + 1
        self._seen[item.id] = count
        if count == 1:
            return item
        unique = f"{item.id}~{count}"
        while unique in self._seen:
            count += 1
            unique = f"{item.id}~{count}"
        self._seen[unique] = 1
        return _replace_id(item, unique)


def _replace_id(item: CorpusItem, doc_id: str) -> CorpusItem:
    return CorpusItem(doc_id, item.where, item.path, item.text, item.stdin, item.metadata, item.error)


def _is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


def _expand(args: Iterable[str]) -> Iterator[CorpusItem]:
    for arg in args:
        if arg == STDIN:
            yield CorpusItem("stdin", "<stdin>", stdin=True)
            continue
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _is_supported(p))
            if not files:
                yield _missing(arg, f"{arg}: no supported files in folder ({', '.join(SUPPORTED_FORMATS)})")
            yield from (_file_item(p) for p in files)
        elif path.is_file() and is_jsonl(path):
            yield from _jsonl_items(path)
        elif path.exists():
            yield _file_item(path)
        elif glob.has_magic(arg):
            matches = sorted(Path(m) for m in glob.glob(arg, recursive=True) if Path(m).is_file())
            if not matches:
                yield _missing(arg, f"{arg}: no file matches")
            for match in matches:
                yield from (_jsonl_items(match) if is_jsonl(match) else [_file_item(match)])
        else:
            yield _missing(arg, f"{arg}: no such file or folder")


def _file_item(path: Path) -> CorpusItem:
    return CorpusItem(path.stem, str(path), path=path)


def _missing(arg: str, reason: str) -> CorpusItem:
    return CorpusItem(Path(arg).stem or arg, arg, error=reason)


def _jsonl_items(path: Path) -> Iterator[CorpusItem]:
    base = path.resolve().parent
    for where, record, problem in iter_jsonl_lenient(path):
        fallback_id = f"{path.stem}:{where.rsplit(':', 1)[1]}"
        if problem is not None:
            yield CorpusItem(fallback_id, where, error=problem)
            continue
        yield _record_item(record, where, base, fallback_id)


def _record_item(record: Any, where: str, base: Path, fallback_id: str) -> CorpusItem:
    if not isinstance(record, dict):
        return CorpusItem(fallback_id, where, error=f"{where}: expected a JSON object with 'id' and 'text' or 'path'")
    doc_id = record.get("id", fallback_id)
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or str(doc_id) == "":
        return CorpusItem(fallback_id, where, error=f"{where}: 'id' must be a non-empty string")
    doc_id = str(doc_id)
    metadata = {key: value for key, value in record.items() if key not in ("id", "text", "path")}
    if "text" in record:
        if not isinstance(record["text"], str):
            return CorpusItem(doc_id, where, metadata=metadata, error=f"{where}: 'text' must be a string")
        return CorpusItem(doc_id, where, text=record["text"], metadata=metadata)
    if "path" in record:
        if not isinstance(record["path"], str) or not record["path"]:
            return CorpusItem(doc_id, where, metadata=metadata, error=f"{where}: 'path' must be a non-empty string")
        target = Path(record["path"])
        target = target if target.is_absolute() else base / target
        return CorpusItem(doc_id, where, path=target, metadata=metadata)
    return CorpusItem(doc_id, where, metadata=metadata, error=f"{where}: the record has neither 'text' nor 'path'")
