"""The SHA-256 digests that identify texts and files across runs (outputs, resume, data hashes, model checksums)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def text_sha256(text: str) -> str:
    """The hash that identifies a document's text in every output (and for ``--resume``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """A file's hash, read in blocks (model weights are large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
