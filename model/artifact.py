"""Read and write a model folder: network weights, tokenizer, and ``govtag_model.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers import AutoTokenizer

from govtag.errors import ModelNotFoundError
from govtag.model.encoding import EncodingSettings
from govtag.model.network import GovtagNetwork, write_json
from govtag.model.predictor import Predictor
from govtag.model.registry import MODEL_META

TOKENIZER_DIR = "tokenizer"
FORMAT_VERSION = 1


def load_tokenizer(name_or_path: str | Path):
    """A fast tokenizer (offsets are required); refuse a slow one with a clear message."""
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    if not tokenizer.is_fast:
        raise ValueError(f"{name_or_path}: a fast tokenizer is required for character offsets")
    return tokenizer


def save_model(folder: Path, network: GovtagNetwork, tokenizer, meta: dict[str, Any]) -> None:
    """Write everything; ``govtag_model.json`` goes last, marking the folder complete."""
    network.save(folder)
    tokenizer.save_pretrained(folder / TOKENIZER_DIR)
    write_json(folder / MODEL_META, {"format": FORMAT_VERSION, **meta})


def read_meta(folder: Path) -> dict[str, Any]:
    path = folder / MODEL_META
    if not path.is_file():
        raise ModelNotFoundError(f"not a govtag model folder (no {MODEL_META}): {folder}")
    return json.loads(path.read_text(encoding="utf-8"))


def load_predictor(folder: Path, device: str = "cpu", batch_size: int = 32) -> tuple[Predictor, dict[str, Any]]:
    meta = read_meta(folder)
    try:
        network = GovtagNetwork.load(folder, device=device)
        tokenizer = load_tokenizer(folder / TOKENIZER_DIR)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelNotFoundError(f"cannot load the model in {folder}: {exc}") from exc
    settings = EncodingSettings(**meta["encoding"])
    predictor = Predictor(network, tokenizer, settings, meta.get("temperature", 1.0), batch_size, device)
    return predictor, meta
