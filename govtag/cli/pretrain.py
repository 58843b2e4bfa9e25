"""``govtag pretrain``: masked-language-model pretraining or domain adaptation of a base encoder."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """Masked-language-model pretraining of a base encoder on your own reports, with no network
access: build a new ModernBERT (init.from_config in the config) or adapt an existing
one to your domain (init.from_pretrained). The result is a model folder that
transformers' AutoModel.from_pretrained loads and that govtag train can use as its
base. See configs/pretrain-mini.yaml and configs/pretrain-adapt.yaml.

An interrupted run (Ctrl-C saves a checkpoint first) continues with --resume; the
resumed run follows exactly the course the uninterrupted one would have."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("pretrain", help="MLM pretraining or domain adaptation of a base encoder",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True, help="pretraining YAML file")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the newest checkpoint in the config's output_dir")
    parser.add_argument("--max-steps", type=int, metavar="N",
                        help="override max_steps (the learning-rate decay follows the new value)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so that `govtag --help` and the other commands do not load torch.
    from govtag.training.pretrain import load_pretrain_config, run_pretraining

    config = load_pretrain_config(args.config, max_steps=args.max_steps)
    run_pretraining(config, resume=args.resume, show_progress=not args.quiet)
    return 0
