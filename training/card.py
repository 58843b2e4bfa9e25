"""The model card of a trained model, as JSON (for tools) and Markdown (for people)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govtag.atomic import write_atomically
from govtag.model.registry import CARD_JSON

CARD_MD = "model_card.md"


def write_model_card(folder: Path, meta: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    card = {
        "name": meta["name"],
        "version": meta["version"],
        "base": meta["base"],
        "random_init": meta["random_init"],
        "labels": meta["labels"],
        "entity_tags": meta["tags"],
        "training": {
            "steps": meta["steps"],
            "final_loss": meta["final_loss"],
            "seconds": meta.get("train_seconds"),
            "seed": meta["seed"],
            "data_counts": meta["data_counts"],
            "gold_ids": meta["gold_ids"],
            "from_version": meta.get("from_version"),
            "added": meta.get("added", []),
        },
        "data_hashes": meta["data_hashes"],
        "calibration": {"temperature": meta["temperature"]},
        "metrics": metrics,
    }
    write_atomically(folder / CARD_JSON, json.dumps(card, ensure_ascii=False, indent=2) + "\n")
    write_atomically(folder / CARD_MD, render_card(card))
    return card


def render_card(card: dict[str, Any]) -> str:
    training = card["training"]
    lines = [
        f"# {card['name']} {card['version']}",
        "",
        "Multi-task tagger for Chinese rule-of-law government reports: a sentence head "
        "(achievement / problem / plan / other, given the heading path) and a BIO token head "
        "(ORG, DOC_NO, NUM, POLICY) on one encoder.",
        "",
        f"- base encoder: `{card['base']}`" + (" (architecture only, random initialisation)" if card["random_init"] else ""),
        f"- training: {training['steps']} steps, final loss {training['final_loss']}, "
        f"{training['seconds']} s, seed {training['seed']}",
        f"- gold reports trained on: {', '.join(training['gold_ids']) or 'none'}",
        f"- started from: {training['from_version'] or 'the base encoder'}",
        *[f"- added gold: `{added['path']}` (sha256 `{added['sha256'][:16]}`)" for added in training["added"]],
        f"- examples: {json.dumps(training['data_counts']['examples'], ensure_ascii=False)}",
        f"- calibration: temperature {card['calibration']['temperature']} (fitted on held-out gold sentences)",
        "",
        "## Evaluation",
        "",
    ]
    holdout = card["metrics"].get("holdout") or {}
    if holdout:
        lines.append("On gold sentences held out of training (the same reports, other sentences):")
        lines.append("")
        lines += [f"- {key}: {value}" for key, value in holdout.items()]
    lines += [
        "",
        "Leave-one-report-out figures over the eleven gold reports are in the project README "
        "(`govtag crossval`).",
        "",
        "## Data hashes",
        "",
    ]
    lines += [f"- `{name}`: `{digest[:16]}`" for name, digest in card["data_hashes"].items()]
    return "\n".join(lines) + "\n"
