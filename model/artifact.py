"""Read and write a model folder: network weights, tokenizer, and ``govtag_model.json``.

Every file appears atomically (written under a temporary name, flushed, renamed), and
``govtag_model.json`` — the completeness marker, which also carries the integrity
manifest of :mod:`govtag.model.verify` — is renamed into place last.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from transformers import AutoTokenizer

from govtag.config import VerificationConfig
from govtag.errors import ModelNotFoundError
from govtag.model.encoding import EncodingSettings
from govtag.model.network import ENCODER_CONFIG_DIR, WEIGHTS_FILE, GovtagNetwork, write_json
from govtag.model.predictor import Predictor
from govtag.model.registry import MODEL_META
from govtag.model.runtime import apply_runtime, resolve_runtime
from govtag.model.verify import (
    BUILTIN_CANARIES,
    INTEGRITY_KEY,
    ModelVerificationError,
    checksums,
    record_canaries,
    verify_canaries,
    verify_files,
)

TOKENIZER_DIR = "tokenizer"
#: 2: govtag_model.json carries checksums and canaries; folders without them are refused.
FORMAT_VERSION = 2
_VERIFIED_PARTS = (WEIGHTS_FILE, ENCODER_CONFIG_DIR, TOKENIZER_DIR)


def load_tokenizer(name_or_path: str | Path):
    """A fast tokenizer (offsets are required); refuse a slow one with a clear message."""
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    if not tokenizer.is_fast:
        raise ValueError(f"{name_or_path}: a fast tokenizer is required for character offsets")
    return tokenizer


def save_model(
    folder: Path, predictor: Predictor, meta: dict[str, Any], canary_items: Sequence[tuple[str, str]] = ()
) -> None:
    """Write weights and tokenizer, then ``govtag_model.json`` with their checksums and canaries.

    ``canary_items`` (e.g. a few held-out training sentences) are recorded along with
    :data:`~govtag.model.verify.BUILTIN_CANARIES`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".staging-"))
    try:
        predictor.network.save(staging)
        predictor.tokenizer.save_pretrained(staging / TOKENIZER_DIR)
        for part in _VERIFIED_PARTS:
            _fsync_tree(staging / part)
            os.replace(staging / part, folder / part)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    integrity = {
        "files": checksums(folder, _VERIFIED_PARTS),
        "canaries": record_canaries(predictor, [*BUILTIN_CANARIES, *canary_items]),
    }
    write_json(folder / MODEL_META, {"format": FORMAT_VERSION, **meta, INTEGRITY_KEY: integrity})


def _fsync_tree(path: Path) -> None:
    for file in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
        with file.open("rb") as handle:
            os.fsync(handle.fileno())


def read_meta(folder: Path) -> dict[str, Any]:
    path = folder / MODEL_META
    if not path.is_file():
        raise ModelNotFoundError(f"not a govtag model folder (no {MODEL_META}): {folder}")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelVerificationError(f"{path} is not valid JSON ({exc}); rebuild the model") from exc
    if not isinstance(meta, dict):
        raise ModelVerificationError(f"{path} is not a JSON object; rebuild the model")
    return meta


def load_predictor(
    folder: Path,
    device: str = "cpu",
    batch_size: int = 32,
    verification: VerificationConfig | None = None,
    runtime: str = "torch",
) -> tuple[Predictor, dict[str, Any]]:
    """Load a model folder after checking its files, and return it only if its canaries agree.

    Raises :class:`~govtag.model.verify.ModelVerificationError` (a ModelNotFoundError)
    naming the file or canary that failed.
    """
    meta = read_meta(folder)
    verify_files(folder, meta)
    try:
        network = GovtagNetwork.load(folder, device=device)
        tokenizer = load_tokenizer(folder / TOKENIZER_DIR)
        settings = EncodingSettings(**meta["encoding"])
    except SafetensorError as exc:
        raise ModelNotFoundError(f"cannot load the model in {folder}: {folder / WEIGHTS_FILE}: {exc}") from exc
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise ModelNotFoundError(f"cannot load the model in {folder}: {exc}") from exc
    predictor = Predictor(network, tokenizer, settings, meta.get("temperature", 1.0), batch_size, device)
    verify_canaries(predictor, meta, folder, verification or VerificationConfig())
    predictor.network = apply_runtime(predictor.network, runtime)  # verified as built, then converted
    predictor.runtime = resolve_runtime(runtime)
    return predictor, meta
