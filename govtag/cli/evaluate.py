"""``govtag evaluate``: score a tagger or a prediction file against gold."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from govtag.cli.common import add_backend_option, add_config_option, add_model_option, pipeline_config, write_atomically
from govtag.evaluate import evaluate, format_table, per_document, read_annotated, result_to_annotated
from govtag.ingest import load_text
from govtag.pipeline import Pipeline
from govtag.strip_headings import strip_gold

DESCRIPTION = """Score predictions against a gold file with the metric of the labelling contract:
per-character macro-F1 over the four labels and exact-span precision, recall and
F1 per entity type. Without --pred it tags the gold texts with the current model
(or the one --model names) and scores that."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="score a tagger or a prediction file against gold",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, required=True, help="gold JSON Lines file")
    parser.add_argument("--pred", type=Path, help="predictions (gold format or govtag JSON Lines output)")
    parser.add_argument("--json", type=Path, dest="json_out", help="write the scores as JSON here")
    parser.add_argument("--per-document", action="store_true", help="also score each document on its own")
    parser.add_argument("--strip-headings", action="store_true",
                        help="delete the gold texts' heading lines (offsets remapped) and score on those; "
                             "with --pred, the predictions must be made on the stripped texts")
    add_backend_option(parser)
    add_config_option(parser)
    add_model_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    gold = read_annotated(args.gold)
    if args.strip_headings:
        gold = [strip_gold(doc) for doc in gold]
    if args.pred:
        pred = read_annotated(args.pred)
        name = str(args.pred)
    else:
        pipeline = Pipeline(pipeline_config(args), backend=args.backend)
        results = pipeline.annotate_documents([load_text(doc.text, doc.id) for doc in gold])
        pred = [result_to_annotated(r) for r in results]
        name = pipeline.backend + (f" ({pipeline.model_version})" if pipeline.model_version else "")
    report = evaluate(gold, pred)
    if args.per_document:
        report["per_document"] = per_document(gold, pred)
    report["gold"], report["system"] = str(args.gold), name
    report["strip_headings"] = args.strip_headings
    stripped = ", headings stripped" if args.strip_headings else ""
    print(f"gold: {args.gold} ({len(gold)} documents{stripped})   system: {name}")
    print(format_table(report))
    if args.json_out:
        write_atomically(args.json_out, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0
