"""Extract the text layer of a PDF report. Scanned PDFs (images only) are refused."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from govtag.errors import InputError
from govtag.ingest.text import normalize_newlines


def pdf_to_text(data: bytes) -> str:
    """The pages' text, in order, joined with a newline."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # many PDFs are encrypted with an empty user password
        pages = [page.extract_text() for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise InputError("PDF is password-protected") from exc
    # pypdf raises its own errors but also ValueError, KeyError, TypeError and
    # others on damaged files; all of them mean the same thing to the user.
    except Exception as exc:
        raise InputError(f"not a readable PDF file ({type(exc).__name__}: {exc})") from exc
    if not any(page.strip() for page in pages):
        raise InputError("PDF has no text layer (scanned?); OCR is not supported")
    return "\n".join(normalize_newlines(page).rstrip("\n") for page in pages)
