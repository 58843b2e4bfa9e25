"""The model registry: versioned model folders and an ``ACTIVE`` pointer.

Layout::

    <registry>/<name>/<version>/    model.safetensors, tokenizer files, govtag_model.json,
                                    config.yaml (resolved training config), model_card.{md,json}
    <registry>/<name>/ACTIVE        the active version (one line)

Versions sort by their timestamp prefix; a folder is a complete model only once
``govtag_model.json`` is written (the trainer writes it last), so a crashed
training run never becomes active. A version becomes active only after it passes
:mod:`govtag.model.verify` (checksums and canaries); version names are single
folder names (:func:`govtag.config.version_problem`), never paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from govtag.atomic import write_atomically
from govtag.config import ModelConfig, VerificationConfig, version_problem
from govtag.errors import ModelNotFoundError

MODEL_META = "govtag_model.json"
CARD_JSON = "model_card.json"
ACTIVE_FILE = "ACTIVE"


class InvalidVersionError(ModelNotFoundError):
    """A version name that is not a plain registry folder name (e.g. ``../../x``)."""


def check_version(version: str, where: str = "model version") -> str:
    """``version`` unchanged, or InvalidVersionError saying what is wrong with it."""
    problem = version_problem(version)
    if problem:
        raise InvalidVersionError(f"invalid {where} {version!r}: {problem}")
    return version


@dataclass(frozen=True)
class ModelRef:
    """A complete model folder in the registry."""

    name: str
    version: str
    path: Path

    def card(self) -> dict[str, Any]:
        card_path = self.path / CARD_JSON
        if not card_path.is_file():
            return {"name": self.name, "version": self.version}
        return json.loads(card_path.read_text(encoding="utf-8"))


class ModelRegistry:
    def __init__(self, root: Path, name: str, verification: VerificationConfig | None = None) -> None:
        self.root = Path(root)
        self.name = name
        self.folder = self.root / name
        self.verification = verification or VerificationConfig()

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if (p / MODEL_META).is_file())

    def active_version(self) -> str | None:
        pointer = self.folder / ACTIVE_FILE
        if pointer.is_file():
            version = pointer.read_text(encoding="utf-8").strip()
            return version or None  # as written; get() refuses a name that is not a plain version
        versions = self.versions()
        return versions[-1] if versions else None

    def get(self, version: str | None = None) -> ModelRef:
        """The given version, or the active one; ModelNotFoundError says where it looked."""
        chosen = version or self.active_version()
        if chosen is None:
            raise ModelNotFoundError(
                f"no trained model {self.name!r} in the registry {self.root} "
                f"(looked for {self.folder}/<version>/{MODEL_META}). Build the default one with "
                f"`govtag train --config configs/train-default.yaml`, or point model.registry in "
                f"configs/govtag.yaml at a registry that has one; `--backend rules` needs no model."
            )
        path = self.folder / check_version(chosen)
        if not (path / MODEL_META).is_file():
            raise ModelNotFoundError(f"model version {chosen!r} not found or incomplete: {path}")
        return ModelRef(self.name, chosen, path)

    def new_version(self, tag: str = "") -> tuple[str, Path]:
        """A fresh version id (UTC timestamp [+ tag]) and its folder, created empty."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        version = f"{stamp}-{tag}" if tag else stamp
        if version_problem(version):
            raise ValueError(f"invalid version tag {tag!r}")
        path = self.folder / version
        path.mkdir(parents=True, exist_ok=False)
        return version, path

    def verify(self, version: str) -> ModelRef:
        """Load the version and run its checks; ModelVerificationError names what failed."""
        from govtag.model.artifact import load_predictor

        ref = self.get(check_version(version))
        load_predictor(ref.path, verification=self.verification)
        return ref

    def activate(self, version: str) -> None:
        """Point ACTIVE at a complete version that passes verification (atomically).

        A version that fails leaves ACTIVE as it was.
        """
        self.verify(version)
        write_atomically(self.folder / ACTIVE_FILE, version + "\n", make_parents=False)


def registry_for(config: ModelConfig) -> ModelRegistry:
    return ModelRegistry(config.registry, config.name, config.verification)


def active_model_ref(config: ModelConfig) -> ModelRef:
    """The model that the config selects (its pinned version, else the active one)."""
    return registry_for(config).get(config.version)
