"""``govtag units``: the labelling worksheets, and gold files built from them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from govtag.cli.common import add_config_option, pipeline_config, write_atomically
from govtag.errors import InputError

DESCRIPTION = """The labelling workflow.

split       reads reports (files, folders, globs and JSON Lines corpora, as annotate
            does) and writes, for each, <id>.txt (the text govtag extracted; offsets
            index it) and <id>.units.jsonl (one heading or sentence a line) for
            annotators.
gold        reads the annotators' <id>.ann.jsonl files beside them (one line per unit:
            {"i", "label", "entities": [[TYPE, substring], ...]}) and writes a gold
            file in the labelling contract's format, ready for evaluate --gold and
            for training (data.gold or data.test of a training config).
nums        writes, for each gold document, <id>.txt and <id>.nums.jsonl (one gold
            NUM a line, its sentence marked ⟦…⟧): the indicator worksheets of
            docs/indicators.md.
indicators  reads the annotators' <id>.ind.jsonl files beside them (one line per NUM:
            {"n", "metric", "kind", "period", "subject"}) and writes the indicators
            gold file.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("units", help="cut reports into units for labelling; build gold from the labels",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    split = actions.add_parser("split", help="write <id>.txt and <id>.units.jsonl for each report")
    split.add_argument("reports", nargs="+", metavar="PATH",
                       help="report file (txt, html, docx, pdf), folder, glob or JSON Lines corpus")
    split.add_argument("-o", "--output", type=Path, required=True, help="folder for the unit files")
    add_config_option(split)
    split.set_defaults(handler=run_split)
    gold = actions.add_parser("gold", help="build a gold JSONL file from <id>.ann.jsonl files")
    gold.add_argument("folder", type=Path, help="folder with <id>.txt, <id>.units.jsonl and <id>.ann.jsonl")
    gold.add_argument("-o", "--output", type=Path, required=True, help="gold JSON Lines file to write")
    gold.set_defaults(handler=run_gold)
    nums = actions.add_parser("nums", help="write <id>.txt and <id>.nums.jsonl (indicator worksheets) per gold document")
    nums.add_argument("gold", type=Path, help="gold JSON Lines file (segments and entities)")
    nums.add_argument("-o", "--output", type=Path, required=True, help="folder for the worksheets")
    nums.set_defaults(handler=run_nums)
    indicators = actions.add_parser("indicators", help="build the indicators gold file from <id>.ind.jsonl files")
    indicators.add_argument("folder", type=Path, help="folder with the <id>.ind.jsonl files (and the worksheets)")
    indicators.add_argument("--gold", type=Path, required=True, help="the gold file the worksheets were made from")
    indicators.add_argument("-o", "--output", type=Path, required=True, help="indicators JSON Lines file to write")
    indicators.set_defaults(handler=run_indicators)


def run_split(args: argparse.Namespace) -> int:
    from govtag.corpus.inputs import STDIN, iter_corpus
    from govtag.segment import SentenceSplitter
    from govtag.units import unit_rows

    if STDIN in args.reports:
        raise InputError("units split reads files, not stdin ('-'): save the report to a file")
    config = pipeline_config(args)
    splitter = SentenceSplitter.from_config(config.segmentation)
    for item in iter_corpus(args.reports):  # an empty folder or a missing file is an error item
        document = item.load(config.ingest)
        rows = unit_rows(splitter.split(document))
        _write_worksheet(args.output, document.id, document.text, "units", rows)
        print(f"{document.id}: {len(rows)} units")
    return 0


def _write_worksheet(folder: Path, doc_id: str, text: str, kind: str, rows: list[dict]) -> None:
    """``<id>.txt`` (the text every offset indexes) and ``<id>.<kind>.jsonl`` (one row a line) for annotators."""
    write_atomically(folder / f"{doc_id}.txt", text)
    write_atomically(folder / f"{doc_id}.{kind}.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def run_gold(args: argparse.Namespace) -> int:
    from govtag.units import gold_from_units

    annotations = sorted(args.folder.glob("*.ann.jsonl"))
    if not annotations:
        raise InputError(f"{args.folder}: no <id>.ann.jsonl files")
    lines = []
    for ann in annotations:
        doc_id = ann.name.removesuffix(".ann.jsonl")
        text_path = args.folder / f"{doc_id}.txt"
        if not text_path.is_file():
            raise InputError(f"{ann}: the report {text_path} is missing")
        text = text_path.read_text(encoding="utf-8")
        record = gold_from_units(doc_id, text, args.folder / f"{doc_id}.units.jsonl", ann)
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"{doc_id}: {len(record['segments'])} segments, {len(record['entities'])} entities")
    write_atomically(args.output, "".join(lines))
    return 0


def run_nums(args: argparse.Namespace) -> int:
    from govtag.evaluate import read_annotated
    from govtag.indicator_labels import worksheet_rows

    for doc in read_annotated(args.gold):
        rows = worksheet_rows(doc)
        _write_worksheet(args.output, doc.id, doc.text, "nums", rows)
        print(f"{doc.id}: {len(rows)} NUMs")
    return 0


def run_indicators(args: argparse.Namespace) -> int:
    from govtag.evaluate import read_annotated
    from govtag.indicator_labels import build_folder

    records, notes = build_folder(args.folder, read_annotated(args.gold))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    write_atomically(args.output, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    for record in records:
        print(f"{record['id']}: {len(record['indicators'])} indicators")
    return 0
