"""Registries, pipeline configs and tiny training configs in a temporary folder, for the retraining tests.

The registry holds the default model (the active version of the project's registry,
linked, never written to) as its active version; training configs add versions
beside it with a few optimizer steps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from govtag.config import load_config
from govtag.errors import ModelNotFoundError
from govtag.model.registry import ACTIVE_FILE, ModelRef, registry_for
from tests.paths import ROOT, SEEDS, SHARED

BASE = SHARED / "models" / "govbert-mini-zh"
PIPELINE_CONFIG = ROOT / "configs" / "govtag.yaml"


def default_model() -> ModelRef:
    try:
        return registry_for(load_config(PIPELINE_CONFIG).model).get()
    except ModelNotFoundError as exc:
        pytest.fail(f"the default model is missing; run `bash setup.sh` first ({exc})", pytrace=False)


def registry_with_default(folder: Path) -> tuple[Path, ModelRef]:
    """``folder/models`` with the default model linked in as its active version."""
    real = default_model()
    models = folder / "models" / real.name
    models.mkdir(parents=True)
    (models / real.version).symlink_to(real.path, target_is_directory=True)
    (models / ACTIVE_FILE).write_text(real.version + "\n", encoding="utf-8")
    return folder / "models", real


def pipeline_config(folder: Path, registry: Path) -> Path:
    """The project's pipeline config, with its model registry moved to ``registry``."""
    config = yaml.safe_load(PIPELINE_CONFIG.read_text(encoding="utf-8"))
    config["model"]["registry"] = str(registry)
    path = folder / "govtag.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def seed_gold(folder: Path, name: str, ids: list[str]) -> Path:
    """A gold file of the seed reports ``ids``."""
    lines = {json.loads(line)["id"]: line for line in (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines()}
    path = folder / name
    path.write_text("".join(lines[doc_id] + "\n" for doc_id in ids), encoding="utf-8")
    return path


def tiny_config(folder: Path, registry: Path, name: str, evaluation: Path, **changes: Any) -> Path:
    """A training config of a few steps on the added gold only, evaluated on ``evaluation``; ``changes``
    update its sections (a dict) or set its top-level fields."""
    config: dict[str, Any] = {
        "name": name, "base_model": str(BASE), "registry": str(registry), "work_dir": str(folder / "runs"),
        "max_length": 64, "context_tokens": 16, "checkpoint_every": 100, "threads": 2,
        "data": {"gold": [], "test": [str(evaluation)], "holdout_fraction": 0.0},
        "optim": {"weak_steps": 0, "gold_steps": 4, "batch_size": 8},
        "gate": {"tolerance": 0.01, "backend": "model"},
    }
    for key, value in changes.items():
        if isinstance(value, dict):
            config[key].update(value)
        else:
            config[key] = value
    path = folder / "train.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path
