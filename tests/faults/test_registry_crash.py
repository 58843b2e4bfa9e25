"""A ``govtag model promote`` or ``govtag train`` killed with SIGKILL midway leaves the registry as it was.

Each case runs the real command in a process that kills itself at an exact point
(``tests/faults/registry_and_die.py`` and ``train_and_die.py``) against a registry
whose active version is the default model, then checks that the registry lists
the same versions, ``ACTIVE`` holds the same bytes, and the active model loads
and passes its checks.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from govtag.model.promotion import PROMOTIONS_DIR, PromotionError, history, rollback
from govtag.model.registry import ACTIVE_FILE, ModelRegistry
from tests.paths import ROOT
from tests.retrain_setup import pipeline_config, registry_with_default, seed_gold, tiny_config

pytestmark = [pytest.mark.slow, pytest.mark.model]
RUN_LIMIT_S = 600  # guards against a hang only


def run(module: str, kill_point: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, kill_point, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=RUN_LIMIT_S)


@pytest.fixture
def setup(tmp_path: Path):
    registry_root, real = registry_with_default(tmp_path)
    candidate = registry_root / real.name / "29990101T000000-candidate"
    candidate.symlink_to(real.path, target_is_directory=True)  # a second complete version to promote
    evaluation = seed_gold(tmp_path, "test.jsonl", ["zhonglou-2020"])
    tiny_config(tmp_path, registry_root, real.name, evaluation)
    return tmp_path, ModelRegistry(registry_root, real.name), evaluation


def assert_unchanged(registry: ModelRegistry, versions: list[str], active_bytes: bytes) -> None:
    assert registry.versions() == versions
    assert (registry.folder / ACTIVE_FILE).read_bytes() == active_bytes
    assert registry.verify(registry.active_version()).version == registry.active_version()  # loads, canaries agree
    assert not list(registry.folder.rglob("*.tmp"))  # no half-written file left in sight


@pytest.mark.parametrize("kill_point", ["score:2", "activate"])
def test_a_promotion_killed_midway_changes_nothing(setup, kill_point):
    folder, registry, evaluation = setup
    versions, active = registry.versions(), (registry.folder / ACTIVE_FILE).read_bytes()
    killed = run("tests.faults.registry_and_die", kill_point, "model", "--config",
                 str(pipeline_config(folder, registry.root)), "promote", "29990101T000000-candidate",
                 "--gold", str(evaluation), "--force")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert_unchanged(registry, versions, active)
    records = history(registry)
    if kill_point == "score:2":  # killed while scoring the active model: nothing written
        assert not (registry.folder / PROMOTIONS_DIR).exists()
    else:  # the decision was recorded (the same weights: no drop), ACTIVE never switched: rollback ignores it
        assert [r["decision"] for r in records] == ["promoted"]
        with pytest.raises(PromotionError, match="nothing to roll back to"):
            rollback(registry)


@pytest.mark.parametrize(("module", "kill_point"), [("tests.faults.train_and_die", "step:2"),
                                                    ("tests.faults.registry_and_die", "save")])
def test_training_killed_midway_changes_nothing(setup, module, kill_point):
    folder, registry, _ = setup
    versions, active = registry.versions(), (registry.folder / ACTIVE_FILE).read_bytes()
    added = seed_gold(folder, "labelled.jsonl", ["ludian-2020"])
    args = ["--config", str(folder / "train.yaml"), "--add", str(added), "--from-active"]
    killed = run(module, kill_point, *(args if module.endswith("train_and_die") else ["train", *args]))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert_unchanged(registry, versions, active)
