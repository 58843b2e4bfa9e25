"""Which reader handles an input: by file extension, content type, or the first bytes."""

from __future__ import annotations

from pathlib import PureWindowsPath

from govtag.errors import UnsupportedFormatError

SUPPORTED_FORMATS: tuple[str, ...] = ("txt", "html", "docx", "pdf")

SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "txt",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}

_CONTENT_TYPES: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/pdf": "pdf",
}

# Sent for any file the client cannot type; it says nothing about the format.
_UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream"})

_SUPPORTED_LIST = ", ".join(sorted(SUPPORTED_EXTENSIONS))


def file_stem_and_extension(filename: str) -> tuple[str, str]:
    """Base name without extension, and the lower-case extension (``""`` if none).

    Upload names may carry a client path with either separator.
    """
    name = PureWindowsPath(filename)
    return name.stem, name.suffix.lower()


def format_for_path(filename: str) -> str:
    """The format of a file on disk, from its extension."""
    extension = file_stem_and_extension(filename)[1]
    fmt = SUPPORTED_EXTENSIONS.get(extension)
    if fmt is None:
        raise UnsupportedFormatError(_unsupported_extension(extension))
    return fmt


def format_for_upload(filename: str | None, mime_type: str, head: bytes) -> str:
    """The format of uploaded bytes: extension first, then content type, then the bytes.

    With nothing to go on, the upload is read as plain text (decoding then
    rejects binary data).
    """
    extension = file_stem_and_extension(filename)[1] if filename else ""
    fmt = SUPPORTED_EXTENSIONS.get(extension) or _format_for_mime(mime_type)
    if fmt is not None:
        return sniff_plain_text(fmt, head)
    sniffed = _sniff(head)
    if sniffed is not None:
        return sniffed
    if extension:
        raise UnsupportedFormatError(_unsupported_extension(extension))
    if mime_type not in _UNTYPED:
        raise UnsupportedFormatError(
            f"unsupported content type '{mime_type}'; supported files: {_SUPPORTED_LIST}"
        )
    return "txt"


def parse_content_type(content_type: str | None) -> tuple[str, str | None]:
    """Split ``text/html; charset=GBK`` into the lower-case MIME type and the charset."""
    if not content_type:
        return "", None
    mime_type, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime_type.strip().lower(), charset


def sniff_plain_text(fmt: str, head: bytes) -> str:
    """A web page or PDF saved with a text extension or type is read as what it is."""
    if fmt == "txt":
        return _sniff(head) or fmt
    return fmt


def _sniff(head: bytes) -> str | None:
    """``html`` or ``pdf`` when the first bytes say so, else ``None``."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:16].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    if start.startswith(b"%pdf-"):
        return "pdf"
    return None


def _format_for_mime(mime_type: str) -> str | None:
    if mime_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[mime_type]
    return "txt" if mime_type.startswith("text/") else None


def _unsupported_extension(extension: str) -> str:
    what = f"file type '{extension}'" if extension else "file without an extension"
    return f"unsupported {what}; supported files: {_SUPPORTED_LIST}"
