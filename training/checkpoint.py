"""Training checkpoints without pickle: safetensors for tensors, JSON for everything else.

A run folder holds at most one checkpoint, made of

``checkpoint.json``
    phase, step, the loss history, the optimizer's param groups and non-tensor
    state, Python's and NumPy's RNG state, and the name and SHA-256 of each
    tensor file it uses. It is written last and atomically, so it is the commit
    point: a run killed while writing a checkpoint leaves the previous one intact.
``state-<phase>-<step>.safetensors``
    the network weights, the optimizer's tensors (AdamW moments and step
    counts) and torch's RNG state at that step.

A phase-B checkpoint also names the state file of step B-0, which holds the
network as phase A left it (``TrainResult.phase_a_weights`` after a resume).

Loading never unpickles anything. Whatever cannot be read back exactly (bad
JSON, a missing or altered tensor file, tensors that do not fit the network)
raises :class:`CheckpointError` with the reason.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as dump_tensors

from govtag.atomic import write_atomically
from govtag.errors import GovtagError

FORMAT = 1
MANIFEST = "checkpoint.json"
PHASES = ("A", "B")
_NETWORK = "network."
_OPTIMIZER = "optimizer."
_TORCH_RNG = "rng.torch"


class CheckpointError(GovtagError):
    """A checkpoint that cannot be resumed from exactly; the message says why."""


@dataclass(frozen=True)
class _FileRef:
    name: str
    sha256: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "sha256": self.sha256}


@dataclass
class Checkpoint:
    """Everything needed to continue a run at ``phase``/``step`` as if it had never stopped."""

    phase: str
    step: int
    network: dict[str, torch.Tensor]
    optimizer: dict[str, Any] | None  # torch's ``Optimizer.state_dict()`` layout; None at step 0 of a phase
    losses: list[float]
    phase_a_network: dict[str, torch.Tensor] | None  # phase B only
    _torch_rng: torch.Tensor
    _python_rng: tuple[Any, ...]
    _numpy_rng: tuple[Any, ...]

    def restore(self, network: torch.nn.Module) -> None:
        """Put the weights into ``network`` and the random generators back where they were."""
        network.load_state_dict(self.network)
        torch.set_rng_state(self._torch_rng)
        random.setstate(self._python_rng)
        np.random.set_state(self._numpy_rng)


class CheckpointStore:
    """The checkpoint of one run folder: :meth:`save` replaces it, :meth:`load` reads it back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest = folder / MANIFEST
        self._phase_a: _FileRef | None = None

    def save(
        self,
        phase: str,
        step: int,
        network: torch.nn.Module,
        optimizer: torch.optim.Optimizer | None,
        losses: list[float],
    ) -> None:
        """Replace the run's checkpoint by the state after ``step`` steps of ``phase``."""
        tensors = {_NETWORK + key: value for key, value in network.state_dict().items()}
        tensors[_TORCH_RNG] = torch.get_rng_state()
        optimizer_json = None
        if optimizer is not None:
            optimizer_tensors, optimizer_json = _split_optimizer(optimizer.state_dict())
            tensors.update(optimizer_tensors)
        # safetensors refuses shared or strided storage: give every tensor its own contiguous copy
        blob = dump_tensors({key: value.detach().clone().contiguous() for key, value in tensors.items()})
        state = _FileRef(f"state-{phase}-{step:06d}.safetensors", hashlib.sha256(blob).hexdigest())
        write_atomically(self.folder / state.name, blob)
        if phase == "B" and step == 0:
            self._phase_a = state
        python_version, python_internal, python_gauss = random.getstate()
        numpy_name, numpy_keys, numpy_pos, numpy_has_gauss, numpy_cached = np.random.get_state()
        manifest = {
            "format": FORMAT,
            "phase": phase,
            "step": step,
            "state": state.as_json(),
            "phase_a": self._phase_a.as_json() if phase == "B" and self._phase_a else None,
            "optimizer": optimizer_json,
            "losses": losses,
            "rng": {
                "python": [python_version, list(python_internal), python_gauss],
                "numpy": [numpy_name, numpy_keys.tolist(), int(numpy_pos), int(numpy_has_gauss),
                          float(numpy_cached)],
            },
        }
        write_atomically(self.manifest, json.dumps(manifest) + "\n")
        keep = {state.name, self._phase_a.name} if phase == "B" and self._phase_a else {state.name}
        self._remove_stale(keep)

    def load(
        self,
        network: torch.nn.Module,
        steps: dict[str, int],
        make_optimizer: Callable[[], torch.optim.Optimizer],
    ) -> Checkpoint | None:
        """The checkpoint, or None when there is none.

        It must fit ``network`` (same weight names, shapes and dtypes), the run's
        phase lengths ``steps`` and an optimizer from ``make_optimizer``, so that
        an unusable checkpoint is refused here rather than crashing the run later.
        """
        if not self.manifest.is_file():
            return None
        try:
            manifest = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{self.manifest}: not readable JSON ({exc})") from exc
        try:
            checkpoint = self._parse(manifest, network.state_dict(), steps)
            if checkpoint.optimizer is not None:
                _check_optimizer(make_optimizer(), checkpoint.optimizer)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
            raise CheckpointError(f"{self.manifest}: malformed ({type(exc).__name__}: {exc})") from exc
        if checkpoint.phase == "B":
            self._phase_a = _FileRef(**manifest["phase_a"])
        return checkpoint

    def _parse(self, manifest: Any, expected: dict[str, torch.Tensor], steps: dict[str, int]) -> Checkpoint:
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise CheckpointError(f"{self.manifest}: not a checkpoint of format {FORMAT}")
        phase, step = manifest["phase"], manifest["step"]
        if phase not in PHASES or type(step) is not int or not 0 <= step <= steps[phase]:
            raise CheckpointError(f"{self.manifest}: phase {phase!r} step {step!r} does not fit this run "
                                  f"({steps['A']} steps in phase A, {steps['B']} in phase B)")
        tensors = self._read(_FileRef(**manifest["state"]))
        network = _network_part(tensors, expected, self.manifest)
        phase_a_network = None
        if phase == "B":
            if manifest["phase_a"] is None:
                raise CheckpointError(f"{self.manifest}: a phase-B checkpoint without the phase-A weights")
            phase_a_network = _network_part(self._read(_FileRef(**manifest["phase_a"])), expected, self.manifest)
        if (step > 0) != (manifest["optimizer"] is not None):
            raise CheckpointError(f"{self.manifest}: optimizer state must be present exactly after step 0")
        optimizer = None
        if manifest["optimizer"] is not None:
            optimizer = _join_optimizer(tensors, manifest["optimizer"])
        if _TORCH_RNG not in tensors:
            raise CheckpointError(f"{self.manifest}: no torch RNG state in {manifest['state']['name']}")
        torch_rng, python_rng, numpy_rng = _rng_states(tensors[_TORCH_RNG], manifest["rng"])
        losses = [float(value) for value in manifest["losses"]]
        return Checkpoint(phase, step, network, optimizer, losses, phase_a_network, torch_rng, python_rng, numpy_rng)

    def _read(self, ref: _FileRef) -> dict[str, torch.Tensor]:
        path = self.folder / Path(ref.name).name  # a bare name: never read outside the run folder
        try:
            blob = path.read_bytes()
        except OSError as exc:
            raise CheckpointError(f"{self.manifest}: cannot read {path.name} ({exc.strerror or exc})") from exc
        if hashlib.sha256(blob).hexdigest() != ref.sha256:
            raise CheckpointError(f"{self.manifest}: {path.name} is not the file the checkpoint wrote "
                                  f"(SHA-256 differs: truncated or altered)")
        try:
            return load_tensors(blob)
        except SafetensorError as exc:
            raise CheckpointError(f"{self.manifest}: {path.name} is not a safetensors file ({exc})") from exc

    def _remove_stale(self, keep: set[str]) -> None:
        """Drop superseded state files and the temporary files of writes a kill interrupted."""
        for path in self.folder.glob("state-*.safetensors"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
        for path in self.folder.glob(".*.tmp"):
            path.unlink(missing_ok=True)


def _network_part(tensors: dict[str, torch.Tensor], expected: dict[str, torch.Tensor],
                  manifest: Path) -> dict[str, torch.Tensor]:
    network = {key[len(_NETWORK):]: value for key, value in tensors.items() if key.startswith(_NETWORK)}
    if network.keys() != expected.keys():
        missing = sorted(expected.keys() - network.keys())[:3]
        unexpected = sorted(network.keys() - expected.keys())[:3]
        raise CheckpointError(f"{manifest}: weights do not fit the network (missing {missing}, "
                              f"unexpected {unexpected})")
    for key, value in network.items():
        if value.shape != expected[key].shape or value.dtype != expected[key].dtype:
            raise CheckpointError(f"{manifest}: {key} is {value.dtype} {tuple(value.shape)}, the network "
                                  f"has {expected[key].dtype} {tuple(expected[key].shape)}")
    return network


def _rng_states(torch_state: torch.Tensor, saved: dict[str, Any]) -> tuple[torch.Tensor, tuple, tuple]:
    """The three generator states, each tried on a throw-away generator (raises if one is not a state)."""
    version, internal, gauss = saved["python"]
    python_state = (version, tuple(internal), gauss)
    random.Random().setstate(python_state)
    name, keys, pos, has_gauss, cached = saved["numpy"]
    numpy_state = (name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached)
    np.random.RandomState().set_state(numpy_state)
    torch.Generator().set_state(torch_state)
    return torch_state, python_state, numpy_state


def _check_optimizer(optimizer: torch.optim.Optimizer, state_dict: dict[str, Any]) -> None:
    """Load into a throw-away optimizer: raises when the groups or the moment shapes do not fit."""
    optimizer.load_state_dict(state_dict)
    for param, entry in optimizer.state.items():
        for name, value in entry.items():
            if isinstance(value, torch.Tensor) and value.dim() and value.shape != param.shape:
                raise ValueError(f"optimizer {name} is {tuple(value.shape)} for a {tuple(param.shape)} parameter")


def _split_optimizer(state_dict: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors under ``optimizer.<param>.<name>``; the rest (param groups, scalars) as JSON."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param, entry in state_dict["state"].items():
        for name, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{_OPTIMIZER}{param}.{name}"] = value
            else:
                scalars.setdefault(str(param), {})[name] = value
    return tensors, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def _join_optimizer(tensors: dict[str, torch.Tensor], saved: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith(_OPTIMIZER):
            param, name = key[len(_OPTIMIZER):].split(".", 1)
            state.setdefault(int(param), {})[name] = value
    for param, entry in saved["scalars"].items():
        state.setdefault(int(param), {}).update(entry)
    # JSON has no tuples; torch's optimizers keep list-like hyperparameters (betas) as tuples
    groups = [
        {key: tuple(value) if isinstance(value, list) and key != "params" else value for key, value in group.items()}
        for group in saved["param_groups"]
    ]
    return {"state": state, "param_groups": groups}
