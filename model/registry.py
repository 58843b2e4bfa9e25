"""The model registry: versioned model folders and an ``ACTIVE`` pointer.

Layout::

    <registry>/<name>/<version>/    model.safetensors, tokenizer files, govtag_model.json,
                                    config.yaml (resolved training config), model_card.{md,json}
    <registry>/<name>/ACTIVE        the active version (one line)

Versions sort by their timestamp prefix; a folder is a complete model only once
``govtag_model.json`` is written (the trainer writes it last), so a crashed
training run never becomes active.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from govtag.config import ModelConfig
from govtag.errors import ModelNotFoundError

MODEL_META = "govtag_model.json"
CARD_JSON = "model_card.json"
ACTIVE_FILE = "ACTIVE"
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


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
    def __init__(self, root: Path, name: str) -> None:
        self.root = Path(root)
        self.name = name
        self.folder = self.root / name

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if (p / MODEL_META).is_file())

    def active_version(self) -> str | None:
        pointer = self.folder / ACTIVE_FILE
        if pointer.is_file():
            version = pointer.read_text(encoding="utf-8").strip()
            return version or None
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
        path = self.folder / chosen
        if not (path / MODEL_META).is_file():
            raise ModelNotFoundError(f"model version {chosen!r} not found or incomplete: {path}")
        return ModelRef(self.name, chosen, path)

    def new_version(self, tag: str = "") -> tuple[str, Path]:
        """A fresh version id (UTC timestamp [+ tag]) and its folder, created empty."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        version = f"{stamp}-{tag}" if tag else stamp
        if not _VERSION_RE.match(version):
            raise ValueError(f"invalid version tag {tag!r}")
        path = self.folder / version
        path.mkdir(parents=True, exist_ok=False)
        return version, path

    def activate(self, version: str) -> None:
        """Point ACTIVE at a complete version (atomically)."""
        self.get(version)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".ACTIVE.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(version + "\n")
        os.replace(tmp, self.folder / ACTIVE_FILE)


def registry_for(config: ModelConfig) -> ModelRegistry:
    return ModelRegistry(config.registry, config.name)


def active_model_ref(config: ModelConfig) -> ModelRef:
    """The model that the config selects (its pinned version, else the active one)."""
    return registry_for(config).get(config.version)
