"""``govtag model info|list|activate``: the model registry."""

from __future__ import annotations

import argparse
import json

from govtag.cli.common import add_config_option
from govtag.config import load_config


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("model", help="show and switch trained models", description=__doc__)
    add_config_option(parser)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    info = actions.add_parser("info", help="the active model: version, base, data hashes, metrics")
    info.add_argument("--json", action="store_true", help="print the model card as JSON")
    actions.add_parser("list", help="versions in the registry")
    activate = actions.add_parser(
        "activate", help="make a version the active one (after checking its checksums and canaries)"
    )
    activate.add_argument("version")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from govtag.errors import ModelNotFoundError
    from govtag.model.registry import active_model_ref, registry_for

    config = load_config(args.config)
    registry = registry_for(config.model)
    if args.action == "list":
        active = registry.active_version()
        for version in registry.versions():
            print(f"{'*' if version == active else ' '} {version}")
        return 0
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
