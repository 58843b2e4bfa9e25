"""``govtag units split REPORT... -o DIR`` and ``govtag units gold DIR -o gold.jsonl``

The labelling workflow. ``split`` reads reports (txt, html, docx, pdf) and writes,
for each, ``<id>.txt`` (the text govtag extracted; offsets index it) and
``<id>.units.jsonl`` (one heading or sentence a line) for annotators. ``gold`` reads
the annotators' ``<id>.ann.jsonl`` files beside them (one line per unit:
``{"i", "label", "entities": [[TYPE, substring], ...]}``) and writes a gold file in the
contract's format, ready for ``govtag evaluate --gold`` and for training
(``data.gold`` or ``data.test`` in a training config).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from govtag.cli.common import write_atomically
from govtag.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("units", help="cut reports into units for labelling; build gold from the labels",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    split = actions.add_parser("split", help="write <id>.txt and <id>.units.jsonl for each report")
    split.add_argument("reports", nargs="+", type=Path, help="report files (txt, html, docx, pdf)")
    split.add_argument("-o", "--output", type=Path, required=True, help="folder for the unit files")
    split.set_defaults(handler=run_split)
    gold = actions.add_parser("gold", help="build a gold JSONL file from <id>.ann.jsonl files")
    gold.add_argument("folder", type=Path, help="folder with <id>.txt, <id>.units.jsonl and <id>.ann.jsonl")
    gold.add_argument("-o", "--output", type=Path, required=True, help="gold JSON Lines file to write")
    gold.set_defaults(handler=run_gold)


def run_split(args: argparse.Namespace) -> int:
    from govtag.ingest import load_path
    from govtag.segment import SentenceSplitter
    from govtag.units import unit_rows

    splitter = SentenceSplitter()
    for path in args.reports:
        document = load_path(path)
        rows = unit_rows(splitter.split(document))
        write_atomically(args.output / f"{document.id}.txt", document.text)
        write_atomically(args.output / f"{document.id}.units.jsonl",
                         "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        print(f"{document.id}: {len(rows)} units")
    return 0


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
