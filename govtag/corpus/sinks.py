"""Where annotated documents go, written as they finish, so that a killed run loses nothing.

* :class:`JsonlSink`: one document a line (the core schema). Each line is
  written and flushed as its document finishes; on ``resume`` a trailing line
  cut short by a kill is dropped and the complete ones are kept.
* :class:`TableSink`: the corpus tables (:mod:`govtag.corpus.tables`) as a
  folder of part files per table, Parquet or CSV, each part written atomically
  once enough documents have finished. A document is complete once its row is
  in a ``documents`` part; the ``sentences`` and ``entities`` parts of the same
  number are written first, so a part number without its ``documents`` part is
  an interrupted write and is removed on resume.
* :class:`WholeFileSink`: one JSON document (or array) or a Markdown report,
  streamed to a temporary file and renamed into place at the end, or streamed
  to stdout.

Every sink knows which documents it already holds (``completed``: id and text
hash), which is what ``--resume`` skips.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from govtag.atomic import AtomicFile, write_atomically
from govtag.corpus.tables import SCHEMAS, TABLES, table_rows, to_arrow
from govtag.errors import OutputError
from govtag.render import to_markdown
from govtag.schema import DocumentResult

Done = set[tuple[str, str]]  # (document id, text sha256)


class Sink(Protocol):
    def completed(self) -> Done: ...

    def write(self, result: DocumentResult, source: str, metadata: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class JsonlSink:
    def __init__(self, path: Path | None, resume: bool = False) -> None:
        self.path = path
        self._done: Done = set()
        if path is None:
            self._handle: IO[str] = sys.stdout
            return
        if resume and path.is_file():
            self._done = _recover_jsonl(path)
        elif path.exists() and not path.is_file():
            raise OutputError(f"cannot write the output file {path}: not a regular file")
        mode = "a" if resume else "w"
        try:
            self._handle = path.open(mode, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write the output file {path}: {exc.strerror or exc}") from exc

    def completed(self) -> Done:
        return self._done

    def write(self, result: DocumentResult, source: str, metadata: dict[str, Any]) -> None:
        self._handle.write(result.model_dump_json() + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not sys.stdout:
            self._handle.close()


def _recover_jsonl(path: Path) -> Done:
    """The documents of complete lines; a partial last line (a killed write) is cut off."""
    done: Done = set()
    good_end = 0
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            try:
                record = json.loads(raw)
                done.add((record["id"], record["text_sha256"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise OutputError(
                    f"{path}: line {len(done) + 1} is not a govtag result ({exc}); cannot resume into this file"
                ) from exc
            good_end = handle.tell()
    if good_end != path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(good_end)
    return done


class TableSink:
    """Parquet (``fmt="parquet"``) or CSV part files under ``folder/<table>/``."""

    def __init__(self, folder: Path, fmt: str = "parquet", resume: bool = False, documents_per_part: int = 64) -> None:
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"unknown table format {fmt!r}")
        self.folder = folder
        self.fmt = fmt
        self.documents_per_part = documents_per_part
        self._rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
        self._done: Done = set()
        try:
            for table in TABLES:
                (folder / table).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write the output folder {folder}: {exc.strerror or exc}") from exc
        if not resume:
            for table in TABLES:
                for part in self._parts(table):
                    part.unlink()
        self._next_part = self._recover()

    def _parts(self, table: str) -> list[Path]:
        return sorted((self.folder / table).glob(f"part-*.{self.fmt}"))

    def _recover(self) -> int:
        """Drop parts of interrupted writes; read which documents are complete; the next part number."""
        complete = {part.name for part in self._parts("documents")}
        for table in (t for t in TABLES if t != "documents"):
            for part in self._parts(table):
                if part.name not in complete:
                    part.unlink()
        numbers = [-1]
        for part in self._parts("documents"):
            numbers.append(int(part.stem.split("-")[1]))
            columns = self._read(part, ["doc_id", "text_sha256"])
            self._done.update(zip(columns["doc_id"].to_pylist(), columns["text_sha256"].to_pylist()))
        return max(numbers) + 1

    def _read(self, part: Path, columns: list[str]) -> pa.Table:
        if self.fmt == "parquet":
            return pq.read_table(part, columns=columns)
        types = {name: SCHEMAS["documents"].field(name).type for name in columns}
        options = pa_csv.ConvertOptions(include_columns=columns, column_types=types)
        return pa_csv.read_csv(part, convert_options=options)

    def completed(self) -> Done:
        return self._done

    def write(self, result: DocumentResult, source: str, metadata: dict[str, Any]) -> None:
        for table, rows in table_rows(result, source, metadata).items():
            self._rows[table].extend(rows)
        if len(self._rows["documents"]) >= self.documents_per_part:
            self.flush()

    def flush(self) -> None:
        if not self._rows["documents"]:
            return
        name = f"part-{self._next_part:05d}.{self.fmt}"
        for table in (*(t for t in TABLES if t != "documents"), "documents"):  # documents last: it marks the part complete
            self._write_part(self.folder / table / name, to_arrow(table, self._rows[table]))
            self._rows[table] = []
        self._next_part += 1

    def _write_part(self, path: Path, table: pa.Table) -> None:
        buffer = io.BytesIO()
        if self.fmt == "parquet":
            pq.write_table(table, buffer, compression="zstd")
        else:
            pa_csv.write_csv(_flatten_lists(table), buffer)
        try:
            write_atomically(path, buffer.getvalue(), make_parents=False)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        self.flush()


def _flatten_lists(table: pa.Table) -> pa.Table:
    """CSV has no list type: a heading path becomes ``outer > inner``."""
    for index, column in enumerate(table.schema):
        if pa.types.is_list(column.type):
            joined = [" > ".join(value) if value is not None else None for value in table.column(index).to_pylist()]
            table = table.set_column(index, column.name, pa.array(joined, pa.string()))
    return table


class WholeFileSink:
    """``json`` (one object, or an array for several documents) or ``md``; atomic file or stdout."""

    def __init__(self, path: Path | None, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self._first: DocumentResult | None = None
        self._count = 0
        self._file: AtomicFile | None = None
        if path is not None:
            try:
                self._file = AtomicFile(path)
            except OSError as exc:
                raise OutputError(f"cannot write the output file {path}: {exc.strerror or exc}") from exc

    def completed(self) -> Done:
        return set()

    def _write(self, text: str) -> None:
        if self._file is None:
            sys.stdout.write(text)
        else:
            self._file.write(text)

    def write(self, result: DocumentResult, source: str, metadata: dict[str, Any]) -> None:
        self._count += 1
        if self.fmt == "md":
            self._write(("\n" if self._count > 1 else "") + to_markdown(result))
            return
        if self._count == 1:  # held back: a single document is written as an object, not an array
            self._first = result
            return
        if self._count == 2:
            assert self._first is not None
            self._write("[\n" + _indented(self._first))
            self._first = None
        self._write(",\n" + _indented(result))

    def close(self) -> None:
        if self.fmt == "json":
            if self._first is not None:
                self._write(self._first.model_dump_json(indent=2) + "\n")
            elif self._count > 1:
                self._write("\n]\n")
        if self._file is None:
            sys.stdout.flush()
        elif self._count == 0:
            self._file.discard()  # no document: no output file
        else:
            try:
                self._file.commit()
            except OSError as exc:
                raise OutputError(f"cannot write the output file {self.path}: {exc.strerror or exc}") from exc

    def discard(self) -> None:
        if self._file is not None:
            self._file.discard()


def _indented(result: DocumentResult) -> str:
    return "  " + json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2).replace("\n", "\n  ")


class ErrorLog:
    """``errors.jsonl``: one line per document that could not be read or annotated (id, source, reason)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] | None = None

    def add(self, doc_id: str, source: str, reason: str) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8")
        self._handle.write(json.dumps({"id": doc_id, "source": source, "reason": reason}, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        elif self.path is not None and self.path.is_file():
            self.path.unlink()  # a rerun without failures leaves no stale error list
