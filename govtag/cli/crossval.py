"""``govtag crossval``: leave-one-report-out evaluation of the taggers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from govtag.cli.common import write_atomically
from govtag.config import load_config

DESCRIPTION = """Leave-one-report-out over the gold reports of a training config: the rules, model and
merged taggers side by side, for the pretrained base and for the same network randomly
initialised. Writes crossval.json and crossval.md into the output folder."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("crossval", help="leave-one-report-out evaluation", description=DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="training config (YAML)")
    parser.add_argument("--variants", default="pretrained,random", help="pretrained, random or both")
    parser.add_argument("--folds", help="comma-separated gold ids (default: all)")
    parser.add_argument("--gold-steps", type=int, help="override optim.gold_steps for each fold")
    parser.add_argument("--org-sources", default="",
                        help="also score the merged tagger with ORG from these sources (e.g. union,rules)")
    parser.add_argument("--label-weights", default="",
                        help="also score the merged tagger with these model label weights (e.g. 0.3,0.5)")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("-o", "--output", type=Path, default=Path("crossval"), help="folder for the results")
    parser.add_argument("--pipeline-config", help="pipeline config for the merge settings (default: configs/govtag.yaml)")
    parser.add_argument("--strip-headings", action="store_true",
                        help="score each left-out report with its heading lines deleted (training reports keep theirs)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from govtag.training.config import load_train_config
    from govtag.training.crossval import format_crossval, run_crossval

    config = load_train_config(args.config)
    if args.gold_steps is not None:
        config.optim.gold_steps = args.gold_steps
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in ("pretrained", "random")]
    if unknown:
        raise SystemExit(f"govtag crossval: unknown variant {unknown[0]!r} (pretrained, random)")
    folds = args.folds.split(",") if args.folds else None
    if args.threads:
        config.threads = args.threads
    pipeline = load_config(args.pipeline_config)
    merge = pipeline.merge
    merges = {"merged": merge}
    for source in filter(None, (s.strip() for s in args.org_sources.split(","))):
        if source not in ("rules", "model", "union"):
            raise SystemExit(f"govtag crossval: unknown ORG source {source!r} (rules, model, union)")
        variant = merge.model_copy(deep=True)
        variant.entity_sources["ORG"] = source
        merges[f"merged, ORG {source}"] = variant
    for weight in filter(None, (w.strip() for w in args.label_weights.split(","))):
        try:
            value = float(weight)
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:
            raise SystemExit(f"govtag crossval: label weight {weight!r} is not a number in [0, 1]")
        merges[f"merged, label weight {value:g}"] = merge.model_copy(update={"model_label_weight": value})
    report = run_crossval(config, variants, folds, merges, smooth_labels=pipeline.model.smooth_labels,
                          strip_headings=args.strip_headings)
    table = format_crossval(report)
    write_atomically(args.output / "crossval.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    write_atomically(args.output / "crossval.md", table)
    print(table)
    return 0
