"""govtag from a folder outside the checkout: the README's commands, the config search and the model home."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from govtag.config import load_config
from tests.paths import ROOT, SEEDS
from tests.test_cli import GOVTAG

SEED = SEEDS / "reports" / "ludian-2020.txt"


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """``govtag ARGS`` as a user runs it, with no govtag variables set unless given."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOVTAG_")} | env
    return subprocess.run([GOVTAG, *args], capture_output=True, cwd=cwd, env=environ, timeout=300, text=True)


def test_the_readme_commands_work_from_another_folder(tmp_path):
    annotated = run("annotate", str(SEED), "--format", "md", cwd=tmp_path)
    assert annotated.returncode == 0, annotated.stderr
    assert annotated.stderr == ""  # no load reports or library notices
    info = run("model", "info", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    version = info.stdout.split()[2]
    assert f"backend: merged ({version})" in annotated.stdout and "# ludian-2020" in annotated.stdout
    assert f"path:     {ROOT / 'models'}" in info.stdout
    listed = run("model", "list", cwd=tmp_path)
    assert listed.returncode == 0 and f"* {version}" in listed.stdout, listed.stderr


def test_the_installed_default_is_the_checkout_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("GOVTAG_CONFIG", "GOVTAG_HOME"):
        monkeypatch.delenv(name, raising=False)
    default, checkout = load_config(), load_config(ROOT / "configs" / "govtag.yaml")
    assert default.source is None and checkout.source == ROOT / "configs" / "govtag.yaml"
    assert default.model_dump() == checkout.model_dump()  # the same values, the same registry
    monkeypatch.setenv("GOVTAG_HOME", str(tmp_path / "home"))
    assert load_config().model.registry == tmp_path / "home" / "models"


def test_options_go_after_the_command_or_the_group(tmp_path):
    config = str(ROOT / "configs" / "govtag.yaml")
    after = run("model", "info", "--json", "--config", config, "--quiet", cwd=tmp_path)
    before = run("--quiet", "model", "--config", config, "info", "--json", cwd=tmp_path)
    assert after.returncode == before.returncode == 0, after.stderr + before.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)
    both = run("model", "list", "--quiet", "--verbose", cwd=tmp_path)
    assert both.returncode == 2 and "exclude each other" in both.stderr


def test_model_picks_a_version_or_a_folder(tmp_path):
    info = json.loads(run("model", "info", "--json", cwd=tmp_path).stdout)
    folder = ROOT / "models" / info["name"] / info["version"]
    for choice in (info["version"], str(folder), str(folder.parent), str(folder.parent.parent)):
        picked = run("model", "info", "--json", "--model", choice, cwd=tmp_path)
        assert picked.returncode == 0, (choice, picked.stderr)
        assert json.loads(picked.stdout)["version"] == info["version"]
    missing = run("model", "info", "--model", "19990101T000000", cwd=tmp_path)
    assert missing.returncode == 4 and "19990101T000000" in missing.stderr


@pytest.mark.parametrize("command", [("model", "list"), ("model", "info"), ("annotate", str(SEED))])
def test_no_model_says_where_it_looked(tmp_path, command):
    home = tmp_path / "home"
    proc = run(*command, cwd=tmp_path, GOVTAG_HOME=str(home))
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    for place in ("--config: not given", "$GOVTAG_CONFIG: not set", str(tmp_path / "configs" / "govtag.yaml"),
                  f"{home / 'models'} (from $GOVTAG_HOME={home})"):
        assert place in proc.stderr, proc.stderr
