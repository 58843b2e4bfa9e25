"""Ingestion: turn a file, an upload or a string into a :class:`~govtag.types.Document`.

The returned ``Document.text`` is what every downstream offset indexes. Text
decoded from bytes keeps its characters exactly, except that line endings become
``\\n``; text passed in as a string is kept as it is.
"""

from __future__ import annotations

from pathlib import Path

from govtag.errors import EmptyDocumentError, InputError
from govtag.ingest.docx import docx_to_text
from govtag.ingest.formats import (
    SUPPORTED_EXTENSIONS,
    SUPPORTED_FORMATS,
    file_stem_and_extension,
    format_for_path,
    format_for_upload,
    parse_content_type,
    sniff_plain_text,
)
from govtag.ingest.html import html_to_text
from govtag.ingest.pdf import pdf_to_text
from govtag.ingest.text import decode_bytes, normalize_newlines
from govtag.types import Document

__all__ = ["SUPPORTED_EXTENSIONS", "SUPPORTED_FORMATS", "load_bytes", "load_path", "load_text"]

_SNIFF_LENGTH = 64


def load_path(path: str | Path, doc_id: str | None = None) -> Document:
    """Read a report file; the format comes from the extension.

    ``doc_id`` defaults to the file name without its extension.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    fmt = format_for_path(path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    fmt = sniff_plain_text(fmt, data[:_SNIFF_LENGTH])
    return _build(data, fmt, None, doc_id or path.stem, str(path))


def load_bytes(
    data: bytes,
    filename: str | None = None,
    doc_id: str | None = None,
    content_type: str | None = None,
) -> Document:
    """Read an uploaded report.

    The format comes from the file name's extension, else the content type,
    else the first bytes; a charset in ``content_type`` is honoured for text
    and HTML. ``doc_id`` defaults to the file name without its extension.
    """
    mime_type, charset = parse_content_type(content_type)
    fmt = format_for_upload(filename, mime_type, data[:_SNIFF_LENGTH])
    stem = file_stem_and_extension(filename)[0] if filename else ""
    return _build(data, fmt, charset, doc_id or stem or "upload", filename or "<upload>")


def load_text(text: str, doc_id: str = "stdin") -> Document:
    """Wrap text already in memory, unchanged.

    The caller's string is kept exactly (line endings included) because the
    caller may hold offsets into it, as gold files do.
    """
    _require_text(text, "<stdin>")
    return Document(id=doc_id, text=text, source="<stdin>", format="txt")


def _build(data: bytes, fmt: str, charset: str | None, doc_id: str, source: str) -> Document:
    if not data:
        raise EmptyDocumentError(f"{source}: the file is empty")
    try:
        text, encoding = _convert(data, fmt, charset)
    except InputError as exc:
        # The readers do not know the file's name; the user needs it.
        raise type(exc)(f"{source}: {exc}") from exc
    _require_text(text, source)
    return Document(id=doc_id, text=text, source=source, format=fmt, encoding=encoding)


def _convert(data: bytes, fmt: str, charset: str | None) -> tuple[str, str | None]:
    if fmt == "html":
        return html_to_text(data, charset)
    if fmt == "docx":
        return docx_to_text(data), None
    if fmt == "pdf":
        return pdf_to_text(data), None
    text, encoding = decode_bytes(data, charset)
    return normalize_newlines(text), encoding


def _require_text(text: str, source: str) -> None:
    if not text.strip():
        raise EmptyDocumentError(f"{source}: the document has no text")
