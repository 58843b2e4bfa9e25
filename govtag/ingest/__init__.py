"""Ingestion: turn a file, an upload or a string into a :class:`~govtag.types.Document`.

The returned ``Document.text`` is what every downstream offset indexes. Text
decoded from bytes keeps its characters exactly, except that line endings become
``\\n``; text passed in as a string is kept as it is.
"""

from __future__ import annotations

from pathlib import Path

from govtag.config import IngestConfig
from govtag.errors import EmptyDocumentError, InputError, LimitExceededError
from govtag.ingest.docx import read_docx
from govtag.ingest.formats import (
    SUPPORTED_EXTENSIONS,
    SUPPORTED_FORMATS,
    file_stem_and_extension,
    format_for_path,
    format_for_upload,
    parse_content_type,
    sniff_plain_text,
)
from govtag.ingest.html import read_html
from govtag.ingest.layout import Extracted
from govtag.ingest.pdf import pdf_to_text
from govtag.ingest.text import decode_bytes, normalize_newlines
from govtag.types import Document

__all__ = ["SUPPORTED_EXTENSIONS", "SUPPORTED_FORMATS", "load_bytes", "load_path", "load_text"]

_SNIFF_LENGTH = 64
_DEFAULT_LIMITS = IngestConfig()


def load_path(path: str | Path, doc_id: str | None = None, limits: IngestConfig = _DEFAULT_LIMITS) -> Document:
    """Read a report file; the format comes from the extension.

    ``doc_id`` defaults to the file name without its extension. A file over
    ``limits.max_file_bytes`` is refused before it is read.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    fmt = format_for_path(path.name)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise LimitExceededError(
                f"{path}: the file has {size} bytes; the limit is {limits.max_file_bytes} (ingest.max_file_bytes)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    fmt = sniff_plain_text(fmt, data[:_SNIFF_LENGTH])
    return _build(data, fmt, None, doc_id or path.stem, str(path), limits)


def load_bytes(
    data: bytes,
    filename: str | None = None,
    doc_id: str | None = None,
    content_type: str | None = None,
    limits: IngestConfig = _DEFAULT_LIMITS,
) -> Document:
    """Read an uploaded report.

    The format comes from the file name's extension, else the content type,
    else the first bytes; a charset in ``content_type`` is honoured for text
    and HTML. ``doc_id`` defaults to the file name without its extension.
    """
    source = filename or "<upload>"
    if len(data) > limits.max_file_bytes:
        raise LimitExceededError(
            f"{source}: the file has {len(data)} bytes; the limit is {limits.max_file_bytes} (ingest.max_file_bytes)"
        )
    mime_type, charset = parse_content_type(content_type)
    fmt = format_for_upload(filename, mime_type, data[:_SNIFF_LENGTH])
    stem = file_stem_and_extension(filename)[0] if filename else ""
    return _build(data, fmt, charset, doc_id or stem or "upload", source, limits)


def load_text(text: str, doc_id: str = "stdin", limits: IngestConfig = _DEFAULT_LIMITS) -> Document:
    """Wrap text already in memory, unchanged.

    The caller's string is kept exactly (line endings included) because the
    caller may hold offsets into it, as gold files do.
    """
    _require_text(text, "<stdin>", limits)
    return Document(id=doc_id, text=text, source="<stdin>", format="txt")


def _build(data: bytes, fmt: str, charset: str | None, doc_id: str, source: str, limits: IngestConfig) -> Document:
    if not data:
        raise EmptyDocumentError(f"{source}: the file is empty")
    try:
        extracted = _convert(data, fmt, charset, limits)
    except InputError as exc:
        # The readers do not know the file's name; the user needs it.
        raise type(exc)(f"{source}: {exc}") from exc
    _require_text(extracted.text, source, limits)
    return Document(
        id=doc_id,
        text=extracted.text,
        source=source,
        format=fmt,
        encoding=extracted.encoding,
        line_roles=extracted.line_roles,
        metadata=extracted.metadata,
    )


def _convert(data: bytes, fmt: str, charset: str | None, limits: IngestConfig) -> Extracted:
    if fmt == "html":
        return read_html(data, charset)
    if fmt == "docx":
        return read_docx(data, limits)
    if fmt == "pdf":
        return Extracted(pdf_to_text(data, limits))
    text, encoding = decode_bytes(data, charset)
    return Extracted(normalize_newlines(text), encoding=encoding)


def _require_text(text: str, source: str, limits: IngestConfig) -> None:
    if not text.strip():
        raise EmptyDocumentError(f"{source}: the document has no text")
    if len(text) > limits.max_chars:
        raise LimitExceededError(
            f"{source}: the document has {len(text)} characters; the limit is {limits.max_chars} "
            "(ingest.max_chars; split the file or raise the limit)"
        )
