"""Extract the text layer of a PDF report. Scanned PDFs (images only) are refused."""

from __future__ import annotations

import io

from pypdf import PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError

from govtag.config import IngestConfig
from govtag.errors import InputError, LimitExceededError
from govtag.ingest.text import normalize_newlines


def pdf_to_text(data: bytes, limits: IngestConfig) -> str:
    """The pages' text, in order, joined with a newline."""
    try:
        with apply_configuration(**_stream_limits(limits)):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                reader.decrypt("")  # many PDFs are encrypted with an empty user password
            pages = _page_texts(reader, limits)
    except LimitExceededError:
        raise
    except LimitReachedError as exc:
        raise LimitExceededError(
            f"a PDF stream exceeds the reading limits ({exc}); see ingest.max_member_bytes"
        ) from exc
    except FileNotDecryptedError as exc:
        raise InputError("PDF is password-protected") from exc
    # pypdf raises its own errors but also ValueError, KeyError, TypeError and
    # others on damaged files; all of them mean the same thing to the user.
    except Exception as exc:
        raise InputError(f"not a readable PDF file ({type(exc).__name__}: {exc})") from exc
    if not any(page.strip() for page in pages):
        raise InputError("PDF has no text layer (scanned?); OCR is not supported")
    return "\n".join(normalize_newlines(page).rstrip("\n") for page in pages)


def _stream_limits(limits: IngestConfig) -> dict[str, int]:
    """pypdf's own decompression limits, set from ours (its defaults are 75 MB per stream)."""
    per_stream = limits.max_member_bytes
    return {
        "maximum_declared_stream_length": per_stream,
        "array_based_stream_maximum_output_length": per_stream,
        "zlib_maximum_output_length": per_stream,
        "lzw_maximum_output_length": per_stream,
        "run_length_maximum_output_length": per_stream,
        "brotli_maximum_output_length": per_stream,
        "jbig2_maximum_output_length": per_stream,
        "image_maximum_buffer_size": per_stream,
        "stream_decoding_work_maximum_length": limits.max_total_bytes,
    }


def _page_texts(reader: PdfReader, limits: IngestConfig) -> list[str]:
    """Each page's text; the page count and the text's total size are bounded."""
    count = len(reader.pages)
    if count > limits.max_pdf_pages:
        raise LimitExceededError(f"the PDF has {count} pages; the limit is {limits.max_pdf_pages}")
    pages: list[str] = []
    chars = decoded = 0
    for number, page in enumerate(reader.pages, start=1):
        # extract_text() swallows pypdf's LimitReachedError and returns an empty
        # page; decoding the content stream first lets the limit surface.
        contents = page.get_contents()
        decoded += len(contents.get_data()) if contents is not None else 0
        if decoded > limits.max_total_bytes:
            raise LimitExceededError(
                f"the PDF's content streams decompress to more than {limits.max_total_bytes} bytes by page {number} "
                "(ingest.max_total_bytes)"
            )
        text = page.extract_text()
        chars += len(text)
        if chars > limits.max_chars:
            raise LimitExceededError(
                f"the PDF's text is longer than {limits.max_chars} characters (ingest.max_chars)"
            )
        pages.append(text)
    return pages
