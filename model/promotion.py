"""The promotion gate and the registry's promotion history.

``promote`` scores a candidate version and the active one on the same fixed
evaluation set (the ``data.test`` of the training config that built the
candidate, or a given gold file) and makes the candidate active only when no F1
figure — per label, per entity type, and the label macro-F1 and entity micro-F1
— drops by more than the gate's tolerance (``gate.tolerance`` of that training
config), unless forced. Every decision, refused ones included, is written with
both score tables to ``<registry>/<name>/promotions/<time>-<version>.json``;
``rollback`` reads that history to re-activate the version that was active
before the current one.

Crash safety: scoring writes nothing; the decision file is written atomically
before ``ACTIVE`` is (atomically) switched, so a process killed at any point
leaves the versions untouched and ``ACTIVE`` naming a complete, verified version.
A decision file whose promotion never reached ``ACTIVE`` is recognised as such:
a rollback only follows records whose candidate is the active version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from govtag import ENTITY_TYPES, LABELS
from govtag.atomic import write_atomically
from govtag.config import GovtagConfig
from govtag.digest import file_sha256
from govtag.errors import ConfigError, GovtagError
from govtag.model.registry import ModelRegistry

PROMOTIONS_DIR = "promotions"
TRAIN_CONFIG = "config.yaml"  # the resolved training config a version was built from (JSON)
#: decisions that make the candidate active
ACTIVATING = ("promoted", "forced", "first")


class PromotionError(GovtagError):
    """A promotion or rollback that cannot be done; nothing was changed."""

    exit_code = 6


@dataclass(frozen=True)
class EvaluationSet:
    files: list[Path]
    tolerance: float
    backend: str

    def describe(self) -> list[dict[str, str]]:
        return [{"path": str(path), "sha256": file_sha256(path)} for path in self.files]


def figures(report: dict[str, Any]) -> dict[str, float]:
    """The F1 figures the gate compares, from a :func:`govtag.evaluate.evaluate` report."""
    out = {f"label {label}": report["labels"]["per_label"][label]["f1"] for label in LABELS}
    out["label macro-F1"] = report["labels"]["macro_f1"]
    out.update({f"entity {etype}": report["entities"]["per_type"][etype]["f1"] for etype in ENTITY_TYPES})
    out["entity micro-F1"] = report["entities"]["micro"]["f1"]
    return {name: round(value, 4) for name, value in out.items()}


def evaluation_set(registry: ModelRegistry, version: str, gold: Path | None = None) -> EvaluationSet:
    """The candidate's evaluation set and gate settings, from the training config stored with it."""
    from govtag.training.config import TrainConfig

    path = registry.get(version).path / TRAIN_CONFIG
    try:
        config = TrainConfig.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the training config of {version} ({path}): {exc}") from exc
    files = [gold] if gold is not None else list(config.data.test)
    if not files:
        raise ConfigError(f"{version} was trained without an evaluation set (data.test in {path}); give --gold FILE")
    missing = [str(file) for file in files if not file.is_file()]
    if missing:
        raise ConfigError(f"evaluation set not found: {', '.join(missing)}")
    return EvaluationSet(files, config.gate.tolerance, config.gate.backend)


def score_version(config: GovtagConfig, registry: ModelRegistry, version: str, evaluation: EvaluationSet) -> dict:
    """``version``'s F1 figures on the evaluation set (fp32 torch, so both models are scored alike)."""
    from govtag.evaluate import evaluate, read_annotated, result_to_annotated
    from govtag.ingest import load_text
    from govtag.pipeline import Pipeline

    pinned = config.model_copy(deep=True)
    pinned.model.registry, pinned.model.name = registry.root, registry.name
    pinned.model.version, pinned.model.runtime = version, "torch"
    pipeline = Pipeline(pinned, backend=evaluation.backend)
    gold = [doc for path in evaluation.files for doc in read_annotated(path)]
    results = pipeline.annotate_documents([load_text(doc.text, doc.id) for doc in gold])
    return figures(evaluate(gold, [result_to_annotated(r) for r in results]))


def compare(active: dict[str, float], candidate: dict[str, float], tolerance: float) -> list[str]:
    """The figures that drop by more than ``tolerance``."""
    return [name for name, before in active.items() if before - candidate[name] > tolerance + 1e-9]


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def write_record(registry: ModelRegistry, record: dict[str, Any]) -> Path:
    path = registry.folder / PROMOTIONS_DIR / f"{record['time']}-{record['candidate']}.json"
    write_atomically(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return path


def history(registry: ModelRegistry) -> list[dict[str, Any]]:
    """Every promotion and rollback record, oldest first (unreadable files are skipped)."""
    folder = registry.folder / PROMOTIONS_DIR
    records = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict):
            records.append({**record, "file": str(path)})
    return records


def promote(
    config: GovtagConfig, registry: ModelRegistry, version: str, gold: Path | None = None, force: bool = False
) -> dict[str, Any]:
    """Run the gate for ``version``, record the decision, and activate it unless refused."""
    registry.verify(version)
    active = registry.active_version()
    if active == version:
        raise PromotionError(f"{registry.name} {version} is already the active version")
    evaluation = evaluation_set(registry, version, gold)
    record: dict[str, Any] = {
        "kind": "promote", "candidate": version, "previous": active, "tolerance": evaluation.tolerance,
        "backend": evaluation.backend, "evaluation_set": evaluation.describe(), "forced": force,
    }
    candidate_scores = score_version(config, registry, version, evaluation)
    if active is None:
        record.update(decision="first", drops=[], scores={"active": None, "candidate": candidate_scores})
    else:
        active_scores = score_version(config, registry, active, evaluation)
        drops = compare(active_scores, candidate_scores, evaluation.tolerance)
        decision = "promoted" if not drops else ("forced" if force else "refused")
        record.update(decision=decision, drops=drops, scores={"active": active_scores, "candidate": candidate_scores})
    record["time"] = _stamp()
    record["file"] = str(write_record(registry, record))
    if record["decision"] in ACTIVATING:
        registry.activate(version)
    return record


def rollback(registry: ModelRegistry) -> dict[str, Any]:
    """Re-activate the version that was active before the current one was promoted."""
    current = registry.active_version()
    made_active = [r for r in history(registry) if r.get("kind") == "promote"
                   and r.get("decision") in ACTIVATING and r.get("candidate") == current]
    if current is None or not made_active or not made_active[-1].get("previous"):
        raise PromotionError(f"nothing to roll back to: no promotion in {registry.folder / PROMOTIONS_DIR} "
                             f"made the active version {current} replace another one")
    previous = made_active[-1]["previous"]
    registry.activate(previous)
    record = {"kind": "rollback", "candidate": previous, "previous": current, "decision": "rolled back",
              "time": _stamp()}
    record["file"] = str(write_record(registry, record))
    return record


def format_decision(record: dict[str, Any]) -> str:
    """The score table of a promotion record and its decision, for people."""
    scores = record["scores"]
    active, candidate = scores["active"], scores["candidate"]
    lines = [f"{'F1':<18}{'active':>10}{'candidate':>11}{'change':>9}",
             f"{'':<18}{(record['previous'] or '-')[:10]:>10}{record['candidate'][:10]:>11}"]
    for name, value in candidate.items():
        before = active[name] if active else None
        change = f"{value - before:+.3f}" if before is not None else ""
        flag = "  drop" if name in record["drops"] else ""
        lines.append(f"{name:<18}{'' if before is None else f'{before:.3f}':>10}{value:>11.3f}{change:>9}{flag}")
    files = ", ".join(Path(item["path"]).name for item in record["evaluation_set"])
    lines.append(f"evaluation set: {files} ({record['backend']} backend), tolerance {record['tolerance']}")
    explain = {
        "first": "promoted: no active model to compare with",
        "promoted": f"promoted: no figure dropped by more than {record['tolerance']}",
        "forced": f"promoted with --force although {', '.join(record['drops'])} dropped",
        "refused": f"refused: {', '.join(record['drops'])} dropped by more than {record['tolerance']} "
                   f"(--force promotes anyway)",
    }
    lines.append(f"decision: {explain[record['decision']]}; recorded in {record['file']}")
    return "\n".join(lines)
