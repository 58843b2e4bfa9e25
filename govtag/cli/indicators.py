"""``govtag indicators evaluate --gold-entities G --gold-indicators I [--crossval] [--json OUT]``

Scores the rules extractor of the indicator relation (docs/indicators.md, "The extractor")
on gold documents: it reads the gold NUM spans and the gold segments (with their labels)
from G and compares its metric, kind, period and subject with the indicators gold I.
``--crossval`` chooses the extractor's settings by leave-one-report-out over the reports of G.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from govtag.cli.common import help_text, write_atomically
from govtag.evaluate import read_annotated
from govtag.indicator_labels import read_indicators
from govtag.indicators.evaluate import crossval, evaluate, format_table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("indicators", help="the indicator relation: score the extractor against gold",
                            description=help_text(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    score = actions.add_parser("evaluate", help="score the rules extractor against an indicators gold file")
    score.add_argument("--gold-entities", type=Path, required=True, help="gold JSON Lines file (segments, entities)")
    score.add_argument("--gold-indicators", type=Path, required=True, help="indicators gold file")
    score.add_argument("--crossval", action="store_true", help="choose the settings leaving one report out")
    score.add_argument("--json", type=Path, dest="json_out", help="write the scores as JSON here")
    score.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    docs = read_annotated(args.gold_entities)
    gold = read_indicators(args.gold_indicators, docs)
    report = crossval(docs, gold) if args.crossval else evaluate(docs, gold)
    mode = "leave-one-report-out" if args.crossval else "default settings"
    print(f"gold: {args.gold_indicators} ({len(docs)} reports, {int(report['pooled']['nums'])} NUMs)   {mode}")
    print(format_table(report))
    if args.crossval:
        for doc_id, chosen in report["chosen"].items():
            print(f"{doc_id}: {chosen}")
        print(f"chosen on all reports: {report['on_all']}")
    if args.json_out:
        write_atomically(args.json_out, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0
