"""``govtag labels export|config|import|check``: the round trip through Label Studio or doccano

export  annotates reports with the current model and writes them for a labelling
        tool, pre-annotated: Label Studio tasks (a JSON array; import it into a
        project made with ``govtag labels config``) or doccano sequence-labelling
        JSON Lines (in a project that allows overlapping spans). --select uncertain N
        keeps the N reports whose sentence labels the model is least sure of (mean
        entropy of the label scores); --select random N draws N with --seed.
config  prints the Label Studio labelling interface that matches the export.
import  reads the tool's export (Label Studio: the JSON export, its annotations, not
        the predictions; doccano: the JSONL export) and writes gold JSON Lines, the
        format of ANNOTATION.md section 3, ready for training and evaluation.
check   validates Label Studio, doccano or gold files without writing anything.

Every span is checked: labels and types, offsets in range, the stated text against
the document, no overlapping or duplicate spans, every non-whitespace character in
a labelled sentence, the text unchanged since export. Offsets counted in UTF-16
code units (the browser's count after a character outside the BMP) are converted.
If anything is wrong, all problems are listed and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from govtag.cli.common import (
    add_backend_option,
    add_config_option,
    add_model_option,
    help_text,
    pipeline_config,
    write_atomically,
)

if TYPE_CHECKING:
    from govtag.labels.importer import ImportReport

TOOLS = ("label-studio", "doccano")
FORMATS = (*TOOLS, "gold")
SELECTIONS = ("uncertain", "random")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("labels", help="export to Label Studio or doccano for labelling; import their labels",
                            description=help_text(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    export = actions.add_parser("export", help="write pre-annotated tasks for a labelling tool")
    export.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help="report files (txt, html, docx, pdf)")
    export.add_argument("--to", choices=TOOLS, required=True, help="the labelling tool")
    export.add_argument("-o", "--output", type=Path, required=True, help="file to write (.json or .jsonl)")
    export.add_argument("--select", nargs=2, metavar=("HOW", "N"), action=_Select,
                        help="keep only N reports: uncertain (least sure first) or random")
    export.add_argument("--seed", type=int, default=0, help="random seed for --select random (default 0)")
    add_backend_option(export)
    add_config_option(export)
    add_model_option(export)
    export.set_defaults(handler=run_export)

    config = actions.add_parser("config", help="print the labelling interface that matches the export")
    config.add_argument("--to", choices=("label-studio",), required=True, help="the labelling tool")
    config.set_defaults(handler=run_config)

    importer = actions.add_parser("import", help="convert a labelling tool's export into gold JSON Lines")
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE", help="exported files")
    importer.add_argument("--from", dest="tool", choices=TOOLS, required=True, help="the labelling tool")
    importer.add_argument("-o", "--output", type=Path, required=True, help="gold JSON Lines file to write")
    importer.add_argument("--annotation", default="latest", type=_annotation, metavar="latest|first|ID[,ID...]",
                          help="Label Studio: which annotation of a task (default: the latest not cancelled)")
    importer.set_defaults(handler=run_import)

    check = actions.add_parser("check", help="validate labelled files; write nothing")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to check")
    check.add_argument("--format", choices=FORMATS, help="the files' format (default: told from each file)")
    check.add_argument("--annotation", default="latest", type=_annotation, metavar="latest|first|ID[,ID...]",
                       help="Label Studio: which annotation of a task (default: the latest not cancelled)")
    check.set_defaults(handler=run_check)


class _Select(argparse.Action):
    """``--select HOW N``: stored as ``(how, n)``."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        how, count = values
        if how not in SELECTIONS or not count.isdigit() or int(count) < 1:
            parser.error(f"--select expects {' or '.join(SELECTIONS)} and a positive number, got {' '.join(values)!r}")
        setattr(namespace, self.dest, (how, int(count)))


def _annotation(value: str) -> str:
    parts = [part.strip() for part in value.split(",")]
    if value in ("latest", "first") or (parts and all(part.isdigit() for part in parts)):
        return value
    raise argparse.ArgumentTypeError(f"expected latest, first or annotation ids (comma-separated), got {value!r}")


def run_export(args: argparse.Namespace) -> int:
    from govtag.labels.export import export_reports
    from govtag.labels.select import uncertainty
    from govtag.pipeline import Pipeline

    how, count = args.select or (None, None)
    pipeline = Pipeline(pipeline_config(args), backend=args.backend)
    content, results = export_reports(args.reports, args.to, pipeline, how, count, args.seed)
    write_atomically(args.output, content)
    for result in results:
        print(f"{result.id}: {len(result.sentences)} sentences, {len(result.entities)} entities, "
              f"uncertainty {uncertainty(result):.3f}")
    print(f"{len(results)} of {len(args.reports)} reports written to {args.output} for {args.to}"
          f" (model {pipeline.model_version or pipeline.backend})")
    return 0


def run_config(args: argparse.Namespace) -> int:
    from govtag.labels.label_studio import labelling_config

    sys.stdout.write(labelling_config())
    return 0


def _read(files: list[Path], fmt: str | None, annotation: str) -> ImportReport:
    from govtag.labels.importer import read_labels

    report = read_labels(files, fmt, annotation)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    report.raise_for_problems()
    return report


def run_import(args: argparse.Namespace) -> int:
    from govtag.labels.importer import gold_jsonl

    report = _read(args.files, args.tool, args.annotation)
    write_atomically(args.output, gold_jsonl(report.gold))
    for record in report.gold:
        print(f"{record['id']}: {len(record['segments'])} segments, {len(record['entities'])} entities")
    print(f"{len(report.gold)} documents written to {args.output}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    report = _read(args.files, args.format, args.annotation)
    print(f"{report.documents} documents in {len(args.files)} file(s): no problems")
    return 0
