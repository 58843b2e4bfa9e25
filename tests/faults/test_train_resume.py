"""``govtag train`` killed with SIGKILL anywhere resumes to the very model an uninterrupted run makes.

Every run is a real ``govtag train`` process on the real base model and real
data, with tiny step counts: 4 steps of phase A (weak labels), 4 of phase B
(gold), a checkpoint every 2 steps. ``tests/faults/train_and_die.py`` makes the
process SIGKILL itself at an exact point (after a given optimizer step, or
between a checkpoint's tensor file and its ``checkpoint.json``); ``--resume``
must then finish with bit-identical weights and add exactly one complete
registry version. Starting a process costs more than the tiny training itself,
so one run is killed at each point in turn, every restart being a ``--resume``.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file, save_file

from govtag.model.network import WEIGHTS_FILE, GovtagNetwork
from govtag.model.registry import MODEL_META, ModelRegistry
from govtag.training.checkpoint import MANIFEST, CheckpointError, CheckpointStore
from govtag.training.config import OptimConfig
from govtag.training.trainer import build_optimizer
from tests.paths import ROOT, SEEDS, SHARED

BASE = SHARED / "models" / "govbert-mini-zh"
STEPS = {"A": 4, "B": 4}
RUN_LIMIT_S = 600  # guards against a hang only; no assertion on time


@dataclass
class Outcome:
    weights: dict[str, torch.Tensor]
    meta: dict


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """Two gold reports for phase B, two other reports as the corpus phase A weak-labels."""
    folder = tmp_path_factory.mktemp("data")
    lines = (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "gold.jsonl").write_text("\n".join(lines[3:5]) + "\n", encoding="utf-8")
    corpus = [{"id": doc["id"], "text": doc["text"]} for doc in map(json.loads, lines[:2])]
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in corpus), encoding="utf-8"
    )
    return folder


def write_config(folder: Path, data_dir: Path) -> Path:
    """Same training everywhere; only the registry and the work folder are per case."""
    config = {
        "name": "tiny",
        "base_model": str(BASE),
        "registry": str(folder / "registry"),
        "work_dir": str(folder / "runs"),
        "max_length": 32,
        "context_tokens": 8,
        "checkpoint_every": 2,
        "threads": 1,
        "data": {"gold": [str(data_dir / "gold.jsonl")], "corpus": str(data_dir / "corpus.jsonl"),
                 "max_weak_sentences": 24, "holdout_fraction": 0.2},
        "optim": {"weak_steps": STEPS["A"], "gold_steps": STEPS["B"], "batch_size": 4},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def govtag_train(*args: str, kill_point: str | None = None) -> subprocess.CompletedProcess:
    module = ["-m", "tests.faults.train_and_die", kill_point] if kill_point else ["-m", "govtag.cli.main", "train"]
    return subprocess.run([sys.executable, *module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=RUN_LIMIT_S)


def registry_versions(config_path: Path) -> list[str]:
    return ModelRegistry(config_path.parent / "registry", "tiny").versions()


def outcome(config_path: Path) -> Outcome:
    (version,) = registry_versions(config_path)
    folder = config_path.parent / "registry" / "tiny" / version
    return Outcome(load_file(folder / WEIGHTS_FILE), json.loads((folder / MODEL_META).read_text(encoding="utf-8")))


def run_dir(config_path: Path) -> Path:
    (folder,) = (config_path.parent / "runs").glob("tiny-*")
    return folder


def checkpoint_at(config_path: Path) -> tuple[str, int] | None:
    runs = config_path.parent / "runs"
    manifests = list(runs.glob(f"tiny-*/{MANIFEST}")) if runs.is_dir() else []
    if not manifests:
        return None
    manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
    return manifest["phase"], manifest["step"]


def assert_same_model(resumed: Outcome, reference: Outcome) -> None:
    assert resumed.weights.keys() == reference.weights.keys()
    for key, value in reference.weights.items():
        assert torch.equal(resumed.weights[key], value), key
    for field in ("build_key", "temperature", "final_loss", "steps", "data_hashes"):
        assert resumed.meta[field] == reference.meta[field], field


@pytest.fixture(scope="module")
def reference(tmp_path_factory, data_dir) -> tuple[Path, Outcome]:
    """One uninterrupted run, shared by every case."""
    config_path = write_config(tmp_path_factory.mktemp("reference"), data_dir)
    done = govtag_train("--config", str(config_path))
    assert done.returncode == 0, done.stderr[-3000:]
    return config_path, outcome(config_path)


#: (where the process dies, the checkpoint it leaves); each restart resumes from the one before.
#: Global optimizer steps 1-4 are phase A, 5-8 phase B; ``step:N`` counts from where the process began.
KILLS = [
    ("step:1", None),  # phase A, before its first checkpoint: nothing to resume from
    ("step:3", ("A", 2)),  # from the start again; phase A after its A-2 checkpoint
    ("commit:1", ("A", 2)),  # then killed writing the B-0 checkpoint: A-2 still holds
    ("step:3", ("B", 0)),  # B-1: phase B before its first checkpoint
    ("step:3", ("B", 2)),  # B-1, B-2, B-3: phase B after a checkpoint
]


def test_a_run_killed_anywhere_resumes_to_the_uninterrupted_model(tmp_path, data_dir, reference):
    config_path = write_config(tmp_path, data_dir)
    left_at = None
    for number, (kill_point, expected) in enumerate(KILLS):
        args = ["--config", str(config_path), *(["--resume"] if number else [])]
        killed = govtag_train(*args, kill_point=kill_point)
        assert killed.returncode == -signal.SIGKILL, (kill_point, killed.stderr[-3000:])
        if number:
            assert resumed_from(left_at) in killed.stdout, (kill_point, killed.stdout)
        left_at = checkpoint_at(config_path)
        assert left_at == expected, kill_point
        if kill_point.startswith("commit"):  # died between the tensor file and checkpoint.json
            assert (run_dir(config_path) / "state-B-000000.safetensors").is_file()
        assert registry_versions(config_path) == []

    resumed = govtag_train("--config", str(config_path), "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed_from(left_at) in resumed.stdout
    assert "warning" not in resumed.stderr
    assert len(registry_versions(config_path)) == 1
    assert_same_model(outcome(config_path), reference[1])
    # what the killed writes left behind is gone: the last checkpoint and phase A's end remain
    assert sorted(p.name for p in run_dir(config_path).iterdir()) == [
        MANIFEST, "state-B-000000.safetensors", "state-B-000002.safetensors"]


def resumed_from(left_at: tuple[str, int] | None) -> str:
    return f"phase {left_at[0]}, step {left_at[1]}" if left_at else "no checkpoint, from the start"


# --- damaged checkpoints: refused with the reason, never unpickled, never a crash -------------------


@pytest.fixture(scope="module")
def network() -> GovtagNetwork:
    return GovtagNetwork.from_base(str(BASE))


def load(folder: Path, network: GovtagNetwork):
    return CheckpointStore(folder).load(network, STEPS, lambda: build_optimizer(network, OptimConfig()))


def edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    change(manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def foreign_tensors(folder: Path) -> None:
    """A well-formed safetensors file, with the right checksum, that is not this network."""
    save_file({"network.other.weight": torch.zeros(2, 2)}, folder / "state-B-000002.safetensors")
    digest = hashlib.sha256((folder / "state-B-000002.safetensors").read_bytes()).hexdigest()
    edit_manifest(folder, lambda m: m["state"].update(sha256=digest))


DAMAGE = {
    "manifest-truncated": (lambda f: truncate(f / MANIFEST), "not readable JSON"),
    "manifest-not-a-mapping": (lambda f: (f / MANIFEST).write_text("[1, 2]"), "not a checkpoint of format"),
    "step-beyond-the-phase": (lambda f: edit_manifest(f, lambda m: m.update(step=99)), "does not fit this run"),
    "unknown-phase": (lambda f: edit_manifest(f, lambda m: m.update(phase="C")), "does not fit this run"),
    "field-missing": (lambda f: edit_manifest(f, lambda m: m.pop("rng")), "malformed"),
    "rng-state-wrong-size": (
        lambda f: edit_manifest(f, lambda m: m["rng"]["python"].__setitem__(1, [1, 2])), "malformed"),
    "tensors-truncated": (lambda f: truncate(f / "state-B-000002.safetensors"), "SHA-256 differs"),
    "tensors-missing": (lambda f: (f / "state-B-000002.safetensors").unlink(), "cannot read"),
    "phase-a-missing": (lambda f: (f / "state-B-000000.safetensors").unlink(), "cannot read"),
    "path-outside-the-run": (lambda f: edit_manifest(f, lambda m: m["state"].update(name="../../gold.jsonl")),
                             "cannot read gold.jsonl"),
    "tensors-of-another-network": (foreign_tensors, "weights do not fit the network"),
    "optimizer-groups-changed": (
        lambda f: edit_manifest(f, lambda m: m["optimizer"]["param_groups"].pop()), "malformed"),
    "optimizer-dropped-after-step-0": (
        lambda f: edit_manifest(f, lambda m: m.update(optimizer=None)), "optimizer state must be present"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_checkpoint_is_refused_with_the_reason(tmp_path, reference, network, damage):
    folder = tmp_path / "run"
    shutil.copytree(run_dir(reference[0]), folder)
    assert load(folder, network).step == 2  # intact, it loads
    harm, message = DAMAGE[damage]
    harm(folder)
    with pytest.raises(CheckpointError, match=message):
        load(folder, network)


class _Bomb:
    """Unpickling this writes a file: proof that something unpickled the checkpoint."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled"))


def test_resume_over_a_damaged_checkpoint_warns_and_trains_from_the_start(tmp_path, data_dir, reference):
    config_path = write_config(tmp_path, data_dir)
    folder = config_path.parent / "runs" / run_dir(reference[0]).name  # same config and data: same run
    shutil.copytree(run_dir(reference[0]), folder)
    truncate(folder / "state-B-000002.safetensors")
    marker = tmp_path / "unpickled"
    (folder / "checkpoint.pt").write_bytes(pickle.dumps(_Bomb(marker)))  # the old format: never loaded

    resumed = govtag_train("--config", str(config_path), "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "not resuming" in resumed.stderr and "SHA-256 differs" in resumed.stderr
    assert not marker.exists()
    assert len(registry_versions(config_path)) == 1
    assert_same_model(outcome(config_path), reference[1])
