"""Read a zip archive (a .docx) without trusting what it says about itself.

A zip bomb declares small sizes, or honest huge ones, and decompresses to
gigabytes. Every member's declared size is checked against the limits before
anything is decompressed, and the bytes actually produced are counted while
reading, so a member that lies about its size is stopped at the limit, not at
the end of the machine's memory.
"""

from __future__ import annotations

import io
import zipfile

from govtag.config import IngestConfig
from govtag.errors import LimitExceededError

_CHUNK = 1024 * 1024


def bounded_zip(data: bytes, limits: IngestConfig) -> io.BytesIO:
    """A copy of the archive, members stored uncompressed, once every size is within the limits.

    Raises :class:`LimitExceededError` naming the member and the limit;
    ``zipfile.BadZipFile`` (and friends) for a damaged archive.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = [info for info in source.infolist() if not info.is_dir()]
        _check_declared(members, limits)
        out = io.BytesIO()
        total = 0
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            for info in members:
                content = _read_member(source, info, limits, total)
                total += len(content)
                copy.writestr(info.filename, content)
    out.seek(0)
    return out


def _check_declared(members: list[zipfile.ZipInfo], limits: IngestConfig) -> None:
    if len(members) > limits.max_members:
        raise LimitExceededError(
            f"the archive has {len(members)} members; the limit is {limits.max_members}"
        )
    for info in members:
        if info.file_size > limits.max_member_bytes:
            raise LimitExceededError(
                f"archive member {info.filename!r} decompresses to {info.file_size} bytes; "
                f"the limit is {limits.max_member_bytes} (ingest.max_member_bytes)"
            )
    declared = sum(info.file_size for info in members)
    if declared > limits.max_total_bytes:
        raise LimitExceededError(
            f"the archive decompresses to {declared} bytes; the limit is {limits.max_total_bytes} "
            "(ingest.max_total_bytes)"
        )


def _read_member(source: zipfile.ZipFile, info: zipfile.ZipInfo, limits: IngestConfig, total: int) -> bytes:
    """The member's bytes, counted as they are decompressed (the declared size may lie)."""
    chunks: list[bytes] = []
    size = 0
    with source.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            if size > limits.max_member_bytes:
                raise LimitExceededError(
                    f"archive member {info.filename!r} decompresses to more than {limits.max_member_bytes} "
                    f"bytes (it declares {info.file_size}); the limit is ingest.max_member_bytes"
                )
            if total + size > limits.max_total_bytes:
                raise LimitExceededError(
                    f"the archive decompresses to more than {limits.max_total_bytes} bytes; "
                    "the limit is ingest.max_total_bytes"
                )
            chunks.append(chunk)
    return b"".join(chunks)
