"""Shared fixtures: paths to the seeds and the shared data, and pipelines."""

from __future__ import annotations

import json

import pytest

from tests.label_servers import doccano, label_studio  # noqa: F401  (session fixtures: one server each per run)
from tests.paths import ROOT, SEEDS


@pytest.fixture(scope="session")
def seed_gold() -> list[dict]:
    return [json.loads(line) for line in (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def rules_pipeline():
    from govtag.config import load_config
    from govtag.pipeline import Pipeline

    return Pipeline(load_config(ROOT / "configs" / "govtag.yaml"), backend="rules")


@pytest.fixture(scope="session")
def default_config():
    from govtag.config import load_config

    return load_config(ROOT / "configs" / "govtag.yaml")


@pytest.fixture(scope="session")
def model_taggers(default_config):
    """rules, model and merged taggers on the default model that `bash setup.sh` builds."""
    from govtag.errors import ModelNotFoundError
    from govtag.tag import create_taggers

    try:
        return create_taggers(default_config)
    except ModelNotFoundError as exc:
        pytest.fail(f"the default model is missing; run `bash setup.sh` first ({exc})")
