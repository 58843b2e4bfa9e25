"""``govtag train --config C [--add FILE...] [--from-active] [--resume] [--reuse] [--no-activate]``

Fine-tunes the multi-task model and writes a new version into the registry
(safetensors weights, tokenizer, label maps, resolved config, data hashes and a
model card). ``--add`` trains on newly labelled gold files (``govtag labels
import`` output) besides the configured gold: each is checked like an import,
and one whose documents are in the evaluation set (``data.test``, by id or by
text) or whose ids are already used is refused. ``--from-active`` continues
from the registry's active model instead of the base encoder. The model card
and the build key record both. ``--reuse`` activates an existing version built from the same
config and data instead of training again. ``--resume`` continues a run that
was stopped or killed from its last checkpoint in ``work_dir``, ending with the
model the uninterrupted run would have made.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from govtag.cli.common import help_text
from govtag.training.config import OptimConfig, TrainConfig, load_train_config

#: command-line overrides of ``optim`` fields
STEP_OPTIONS = {"weak_steps": "--weak-steps", "gold_steps": "--gold-steps"}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="fine-tune the model and add it to the registry", description=help_text(__doc__),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="training config (YAML)")
    parser.add_argument("--add", nargs="+", type=Path, default=[], metavar="FILE",
                        help="newly labelled gold JSON Lines files to train on as well")
    parser.add_argument("--from-active", action="store_true",
                        help="continue from the registry's active model instead of base_model")
    parser.add_argument("--result", type=Path, metavar="FILE",
                        help="write the new version's name, version and path here as JSON")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint of this run")
    parser.add_argument("--reuse", action="store_true", help="reuse a registry version with the same build key")
    parser.add_argument("--no-activate", action="store_true", help="do not make the new version active")
    parser.add_argument("--weak-steps", type=int, help="override optim.weak_steps (phase A)")
    parser.add_argument("--gold-steps", type=int, help="override optim.gold_steps (phase B)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from govtag.atomic import write_atomically
    from govtag.model.registry import ModelRegistry
    from govtag.training.added_gold import check_added_gold
    from govtag.training.data import build_training_data
    from govtag.training.trainer import (
        build_key,
        check_config,
        find_cached,
        save_to_registry,
        train_model,
    )

    config = load_train_config(args.config)
    problem = apply_step_options(config, args)
    if problem:
        print(f"govtag train: error: {problem}", file=sys.stderr)
        return 2
    registry = ModelRegistry(config.registry, config.name)
    problem = apply_start_options(config, args, registry)
    if problem:
        print(f"govtag train: error: {problem}", file=sys.stderr)
        return 2
    check_config(config)
    check_added_gold(config)
    print(f"building training data for {config.name} ...", flush=True)
    data = build_training_data(config)
    print(json.dumps(data.counts(), ensure_ascii=False), flush=True)
    if args.reuse:
        cached = find_cached(registry, build_key(config, data.hashes))
        if cached:
            registry.activate(cached)
            print(f"reusing {config.name} {cached} (same config and data); it is active")
            return 0
    result = train_model(config, resume=args.resume, data=data)
    ref = save_to_registry(config, result, activate=not args.no_activate)
    state = "active" if not args.no_activate else "not activated"
    print(f"saved {ref.name} {ref.version} to {ref.path} ({state}) in {result.seconds:.0f} s", flush=True)
    if args.result:
        write_atomically(args.result, json.dumps({"name": ref.name, "version": ref.version, "path": str(ref.path),
                                                  "active": not args.no_activate}) + "\n")
    return 0


def apply_start_options(config: TrainConfig, args: argparse.Namespace, registry) -> str | None:
    """Put ``--add`` and ``--from-active`` into ``config``; returns what is wrong with them instead."""
    missing = [str(path) for path in args.add if not path.is_file()]
    if missing:
        return f"--add: file not found: {', '.join(missing)}"
    config.data.add = [*config.data.add, *(path.resolve() for path in args.add)]
    if args.from_active:
        active = registry.active_version()
        if active is None:
            return f"--from-active: the registry {registry.folder} has no active model"
        config.from_version = active
        print(f"continuing from {registry.name} {active}", flush=True)
    return None


def apply_step_options(config: TrainConfig, args: argparse.Namespace) -> str | None:
    """Put ``--weak-steps``/``--gold-steps`` into ``config``, validated by the rules the YAML
    follows; returns what is wrong with them instead (and leaves ``config`` unchanged)."""
    updates = {field: getattr(args, field) for field in STEP_OPTIONS if getattr(args, field) is not None}
    if not updates:
        return None
    try:
        config.optim = OptimConfig.model_validate({**config.optim.model_dump(), **updates})
    except ValidationError as exc:
        return "; ".join(f"{STEP_OPTIONS[err['loc'][0]]} {updates[err['loc'][0]]}: {err['msg']}"
                         for err in exc.errors())
    return None
