"""``govtag annotate``: tag reports and write the results as they finish."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govtag import ENTITY_TYPES, LABELS
from govtag.atomic import check_writable
from govtag.cli.common import add_backend_option, add_config_option, add_model_option, pipeline_config
from govtag.config import GovtagConfig
from govtag.corpus.inputs import STDIN, count_corpus, iter_corpus
from govtag.corpus.progress import Progress
from govtag.corpus.run import annotate_corpus
from govtag.corpus.sinks import ErrorLog, JsonlSink, Sink, TableSink, WholeFileSink
from govtag.corpus.workers import WorkerPool
from govtag.errors import ConfigError, OutputError
from govtag.model.runtime import resolve_runtime
from govtag.pipeline import Pipeline
from govtag.schema import OutputOptions

DESCRIPTION = """Tag reports: every heading and sentence gets a label (achievement, problem, plan,
other) and the entities in it (ORG, DOC_NO, NUM, POLICY), with character offsets
into the text.

Inputs are files (txt, html, docx, pdf), folders (searched recursively), globs,
- for stdin, and JSON Lines corpora (one document a line: {"id", "text"} or
{"id", "path"}; other keys are kept as metadata). Every document is written as
it finishes. A document that cannot be read or tagged is reported (and listed in
the errors file beside the output) and the others are still annotated; the exit
code is then non-zero.

Formats: json (one document, or an array), md (a readable report), jsonl (one
document a line), parquet and csv (the tables documents, sentences and entities,
as part files in the folder OUT). --resume continues a killed jsonl, parquet or
csv run into the same OUT: documents already complete are skipped.

The output's fields are described in docs/output.md.
"""

TABLE_FORMATS = ("parquet", "csv")
RESUMABLE = ("jsonl", *TABLE_FORMATS)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("annotate", help="tag reports: sentences, labels and entities", description=DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, glob, JSON Lines corpus, or - for stdin")
    parser.add_argument("-o", "--output", type=Path,
                        help="output file (json, jsonl, md; default: stdout) or folder (parquet, csv)")
    parser.add_argument("--format", choices=("json", "jsonl", "md", *TABLE_FORMATS), default="json")
    parser.add_argument("--resume", action="store_true",
                        help="continue a killed run into the same OUT (jsonl, parquet, csv)")
    parser.add_argument("--parents", action="store_true", help="create the output's missing parent folders")
    parser.add_argument("--part-size", type=_positive, default=64, metavar="N",
                        help="parquet, csv: documents per part file (one row group; default 64)")
    parser.add_argument("--no-text", action="store_true",
                        help="leave out the document and sentence texts (offsets and text_sha256 stay)")
    parser.add_argument("--labels", type=_choices(LABELS), help="keep only sentences with these labels (comma-separated)")
    parser.add_argument("--entity-types", type=_choices(ENTITY_TYPES),
                        help="keep only these entity types (comma-separated)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: this process; ray: a Ray Data pipeline (a local Ray, or --address)")
    parser.add_argument("--address", help="ray: the cluster to join (e.g. auto, or ray://HOST:10001)")
    parser.add_argument("--workers", type=_positive, default=1, metavar="N",
                        help="tagging processes (local) or Ray actors, each with its own copy of the model "
                             "and an equal share of the CPU threads (default 1)")
    add_backend_option(parser)
    add_config_option(parser)
    add_model_option(parser)
    parser.set_defaults(handler=run)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def _choices(allowed: tuple[str, ...]):
    def parse(value: str) -> list[str]:
        chosen = [part.strip() for part in value.split(",") if part.strip()]
        unknown = [part for part in chosen if part not in allowed]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)} (got {value!r})")
        return chosen

    return parse


def _check_arguments(args: argparse.Namespace) -> None:
    if args.format in TABLE_FORMATS and args.output is None:
        raise ConfigError(f"--format {args.format} writes a folder of tables: give it with -o DIR")
    if args.no_text and args.format == "md":
        raise ConfigError("--no-text leaves nothing to read in a Markdown report; use --format json, jsonl or a table")
    if args.resume and args.format not in RESUMABLE:
        raise ConfigError(f"--resume needs --format {', '.join(RESUMABLE)} (got {args.format})")
    if args.resume and args.output is None:
        raise ConfigError("--resume needs -o: the output of the run to continue")
    if args.paths.count(STDIN) > 1:
        raise ConfigError("stdin ('-') can be read only once")
    if args.engine == "ray" and STDIN in args.paths:
        raise ConfigError("--engine ray cannot read stdin ('-'); save it to a file")
    if args.engine == "ray" and args.model:
        raise ConfigError("--engine ray loads the model its --config names; --model applies to --engine local")
    if args.engine != "ray" and args.address:
        raise ConfigError("--address applies to --engine ray")


def _open_sink(args: argparse.Namespace) -> tuple[Sink, ErrorLog]:
    out: Path | None = args.output
    if out is not None and not out.parent.exists():
        if not args.parents:
            raise OutputError(f"cannot write {out}: the folder {out.parent} does not exist (create it, or add --parents)")
        out.parent.mkdir(parents=True, exist_ok=True)
    if args.format in TABLE_FORMATS:
        assert out is not None
        if out.exists() and not out.is_dir():
            raise OutputError(f"cannot write the output folder {out}: it is a file")
        sink: Sink = TableSink(out, args.format, resume=args.resume, documents_per_part=args.part_size)
        return sink, ErrorLog(out / "errors.jsonl")
    if out is not None:
        try:
            check_writable(out)  # before any work, not after it
        except OSError as exc:
            raise OutputError(f"cannot write the output file {out}: {exc.strerror or exc}") from exc
    errors = ErrorLog(out.with_name(out.stem + ".errors.jsonl") if out is not None else None)
    if args.format == "jsonl":
        return JsonlSink(out, resume=args.resume), errors
    return WholeFileSink(out, args.format), errors


@contextmanager
def _local_tagger(config: GovtagConfig, args: argparse.Namespace) -> Iterator[Pipeline | WorkerPool]:
    """This process's pipeline, or ``--workers`` processes with one each."""
    if args.workers == 1:
        yield Pipeline(config, backend=args.backend)
        return
    with WorkerPool(config, args.backend, args.workers) as pool:
        yield pool


def run(args: argparse.Namespace) -> int:
    _check_arguments(args)
    config = pipeline_config(args)
    sink, errors = _open_sink(args)
    options = OutputOptions(include_text=not args.no_text, labels=args.labels, entity_types=args.entity_types)
    total = count_corpus(args.paths)
    # a corpus repays the compile's warm-up many times over; one report does not
    config.model.runtime = resolve_runtime(config.model.runtime, long_run=total >= config.model.compile_min_documents)
    progress = Progress(total, enabled=not args.quiet and total > 1)
    try:
        if args.engine == "ray":
            from govtag.corpus.ray_engine import annotate_corpus_on_ray

            config_path = str(config.source) if config.source else None
            summary = annotate_corpus_on_ray(
                iter_corpus(args.paths), config_path, args.backend, config.model.runtime, sink, errors, progress,
                options, args.resume, args.address, args.workers,
            )
        else:
            stdin_bytes = sys.stdin.buffer.read(config.ingest.max_file_bytes + 1) if STDIN in args.paths else None
            with _local_tagger(config, args) as tagger:
                summary = annotate_corpus(
                    iter_corpus(args.paths), tagger, sink, errors, progress, options, args.resume, stdin_bytes
                )
    except BaseException:
        if isinstance(sink, WholeFileSink):
            sink.discard()  # half a JSON array is no output
        else:
            sink.close()  # keep every finished document: --resume continues from here
        raise
    finally:
        progress.close()
        errors.close()
    sink.close()
    if summary.failed or (not args.quiet and (total > 1 or summary.skipped)):
        print(summary.line(), file=sys.stderr)
    if summary.failed and errors.path is not None:
        print(f"govtag: the failed documents are listed in {errors.path}", file=sys.stderr)
    return summary.exit_code
