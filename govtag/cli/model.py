"""``govtag model info|list|activate|promote|rollback``: the model registry.

promote   scores VERSION and the active model on the fixed evaluation set (data.test
          of the training config that built VERSION, or --gold FILE), per label and
          per entity type, and makes VERSION active only if no F1 figure drops by more
          than the gate's tolerance (gate.tolerance of that config), unless --force.
          The decision and both score tables are written to the registry's
          promotions/ folder and printed.
rollback  re-activates the version that was active before the current one was promoted.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from govtag.cli.common import add_config_option, add_model_option, help_text, pipeline_config


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("model", help="show and switch trained models", description=help_text(__doc__))
    add_config_option(parser)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    info = actions.add_parser("info", help="the active model: version, base, data hashes, metrics")
    info.add_argument("--json", action="store_true", help="print the model card as JSON")
    actions.add_parser("list", help="versions in the registry: date, data, gate decision")
    promote = actions.add_parser("promote", help="run the evaluation gate and make a version active if it passes")
    promote.add_argument("version")
    promote.add_argument("--force", action="store_true", help="promote even when a figure drops (recorded)")
    promote.add_argument("--gold", type=Path, help="evaluation set instead of the candidate's data.test")
    actions.add_parser("rollback", help="re-activate the version that was active before the current one")
    activate = actions.add_parser(
        "activate", help="make a version the active one (after checking its checksums and canaries)"
    )
    activate.add_argument("version")
    add_model_option(parser)
    for action in dict.fromkeys(actions.choices.values()):  # `govtag model info --config X` as well
        add_config_option(action, suppress=True)
        add_model_option(action, suppress=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from govtag.errors import ModelNotFoundError
    from govtag.model.registry import active_model_ref, registry_for

    config = pipeline_config(args)
    registry = registry_for(config.model)
    if args.action == "list":
        if not registry.versions():
            raise ModelNotFoundError(f"no trained model {registry.name!r} in the registry {registry.root}")
        print_versions(registry)
        return 0
    if args.action in ("promote", "rollback"):
        return run_promotion(args, config, registry)
    if args.action == "activate":
        try:
            registry.activate(args.version)
        except ModelNotFoundError as exc:
            current = registry.active_version() or "none"
            raise type(exc)(f"{exc}\n{args.version!r} was not activated; the active version is still {current}") from exc
        print(f"{registry.name} {args.version} is active (checksums and canaries verified)")
        return 0
    ref = active_model_ref(config.model)
    card = ref.card()
    if args.json:
        print(json.dumps(card, ensure_ascii=False, indent=2))
        return 0
    training = card.get("training", {})
    print(f"model:    {card.get('name')} {card.get('version')}")
    print(f"path:     {ref.path}")
    print(f"base:     {card.get('base')}" + (" (random init)" if card.get("random_init") else ""))
    print(f"training: {training.get('steps')} steps, loss {training.get('final_loss')}, {training.get('seconds')} s")
    print(f"gold:     {', '.join(training.get('gold_ids', []))}")
    print("data hashes:")
    for name, digest in card.get("data_hashes", {}).items():
        print(f"  {digest[:16]}  {name}")
    print("metrics:")
    print("  " + json.dumps(card.get("metrics", {}), ensure_ascii=False, indent=2).replace("\n", "\n  "))
    return 0


def print_versions(registry) -> None:
    """One line per version: active mark, version, build date, what it was trained on, its last gate decision."""
    from govtag.model.promotion import history

    decisions = {record["candidate"]: record for record in history(registry) if record.get("kind") == "promote"}
    active = registry.active_version()
    for version in registry.versions():
        training = registry.get(version).card().get("training", {})
        added = [Path(item["path"]).name for item in training.get("added", [])]
        data = f"gold {len(training.get('gold_ids', []))} reports" + (f", added {', '.join(added)}" if added else "")
        if training.get("from_version"):
            data += f", from {training['from_version']}"
        decision = decisions.get(version)
        gate = f"gate: {decision['decision']} {decision['time'][:15]}" if decision else "gate: -"
        print(f"{'*' if version == active else ' '} {version}  {_date(version)}  {data}  {gate}")


def _date(version: str) -> str:
    stamp = version.split("-", 1)[0]
    return f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}" if len(stamp) == 15 else "?"


def run_promotion(args: argparse.Namespace, config, registry) -> int:
    from govtag.model.promotion import format_decision, promote, rollback

    if args.action == "rollback":
        record = rollback(registry)
        print(f"{registry.name} {record['candidate']} is active again (was {record['previous']}); "
              f"recorded in {record['file']}")
        return 0
    record = promote(config, registry, args.version, gold=args.gold, force=args.force)
    print(format_decision(record))
    if record["decision"] == "refused":
        print(f"{registry.name} {args.version} was not promoted; the active version is still {record['previous']}")
        return 1
    print(f"{registry.name} {args.version} is active")
    return 0
