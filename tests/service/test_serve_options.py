"""``govtag serve --config/--model``: the command line picks the pipeline config and the model to serve."""

from __future__ import annotations

from pathlib import Path

import pytest

from govtag.errors import ConfigError
from govtag.model.registry import registry_for
from govtag.service.core import load_pipeline_config
from govtag.service.settings import load_settings
from tests.paths import ROOT

CONFIG = ROOT / "configs" / "govtag.yaml"


def test_model_and_config_overrides_reach_the_pipeline_config(default_config) -> None:
    version = registry_for(default_config.model).active_version()
    assert version is not None, "run bash setup.sh: the default model is missing"
    settings = load_settings(ROOT / "configs" / "service.yaml", pipeline_config=CONFIG, model=version)
    config = load_pipeline_config(settings)
    assert config.source == CONFIG.resolve()
    assert config.model.version == version


def test_an_unknown_model_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "configs" / "service.yaml", pipeline_config=CONFIG, model=str(tmp_path / "none"))
    with pytest.raises(ConfigError, match="no such folder"):
        load_pipeline_config(settings)
