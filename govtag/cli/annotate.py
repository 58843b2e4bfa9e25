"""``govtag annotate PATH... [-o OUT] [--format json|jsonl|md] [--backend B]``

Files, folders (searched recursively for supported files), globs and ``-`` for
stdin. One unreadable file is reported and skipped; the others are still
annotated. The exit code is non-zero when any input failed.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from govtag.cli.common import add_backend_option, add_config_option, write_atomically
from govtag.config import load_config
from govtag.errors import GovtagError, InputError
from govtag.ingest import SUPPORTED_EXTENSIONS, SUPPORTED_FORMATS, load_bytes, load_path
from govtag.pipeline import Pipeline
from govtag.render import to_markdown
from govtag.schema import DocumentResult, OutputOptions
from govtag.types import Document

BATCH_DOCUMENTS = 8


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("annotate", help="tag reports: sentences, labels and entities", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, glob, or - for stdin")
    parser.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    parser.add_argument("--format", choices=("json", "jsonl", "md"), default="json")
    parser.add_argument("--no-text", action="store_true", help="omit the text; keep its sha256 only")
    add_backend_option(parser)
    add_config_option(parser)
    parser.set_defaults(handler=run)


@dataclass
class Source:
    """One input to read: a path, or stdin when ``path`` is None; ``error`` when it can't be found."""

    label: str
    path: Path | None = None
    error: str | None = None


def _is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


def expand_sources(args: list[str]) -> Iterator[Source]:
    for arg in args:
        if arg == "-":
            yield Source("<stdin>")
            continue
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _is_supported(p))
            if not files:
                yield Source(arg, error=f"{arg}: no supported files in folder ({', '.join(SUPPORTED_FORMATS)})")
            yield from (Source(str(p), p) for p in files)
        elif path.exists():
            yield Source(arg, path)
        elif glob.has_magic(arg):
            matches = sorted(Path(m) for m in glob.glob(arg, recursive=True) if Path(m).is_file())
            if not matches:
                yield Source(arg, error=f"{arg}: no file matches")
            yield from (Source(str(p), p) for p in matches)
        else:
            yield Source(arg, error=f"{arg}: no such file or folder")


def _load(source: Source) -> Document:
    if source.error:
        raise InputError(source.error)
    if source.path is None:
        return load_bytes(sys.stdin.buffer.read(), filename="stdin", doc_id="stdin")
    return load_path(source.path)


def _serialize(results: list[DocumentResult], fmt: str) -> str:
    if fmt == "jsonl":
        return "".join(r.model_dump_json() + "\n" for r in results)
    if fmt == "md":
        return "\n".join(to_markdown(r) for r in results)
    if len(results) == 1:
        return results[0].model_dump_json(indent=2) + "\n"
    return json.dumps([r.model_dump(mode="json") for r in results], ensure_ascii=False, indent=2) + "\n"


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    pipeline = Pipeline(config, backend=args.backend)
    options = OutputOptions(include_text=not args.no_text)
    sources = list(expand_sources(args.paths))
    results: list[DocumentResult] = []
    failures: list[GovtagError] = []
    progress = tqdm(total=len(sources), unit="doc", disable=len(sources) < 2, file=sys.stderr)
    batch: list[Document] = []

    def flush() -> None:
        results.extend(pipeline.annotate_documents(batch, options))
        progress.update(len(batch))
        batch.clear()

    for source in sources:
        try:
            batch.append(_load(source))
        except GovtagError as exc:
            failures.append(exc)
            tqdm.write(f"govtag: error: {exc}", file=sys.stderr)
            progress.update(1)
            continue
        if len(batch) >= BATCH_DOCUMENTS:
            flush()
    if batch:
        flush()
    progress.close()

    if results:
        content = _serialize(results, args.format)
        if args.output:
            write_atomically(args.output, content)
        else:
            sys.stdout.write(content)
    if failures:
        print(f"govtag: {len(failures)} of {len(sources)} input(s) failed", file=sys.stderr)
        return failures[0].exit_code
    return 0
