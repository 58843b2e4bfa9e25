"""Extract the text layer of a PDF report as paragraphs. Scanned PDFs (images only) are refused.

Each page's text runs come with their position (pypdf's text visitor); runs on
one baseline make a visual line, running headers, footers and page numbers are
dropped, and the lines are rejoined into paragraphs (:mod:`govtag.ingest.layout`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError

from govtag.config import IngestConfig
from govtag.errors import InputError, LimitExceededError
from govtag.ingest.layout import VisualLine, drop_page_furniture, paragraphs, text_width, tidy_lines
from govtag.ingest.text import normalize_newlines

_NO_TEXT = "PDF has no text layer (scanned?); OCR is not supported"
# Two runs whose baselines are this close (in ems) are on one line.
_SAME_LINE_EM = 0.5
# A horizontal gap this wide (in ems) between two runs of one line is a space.
_SPACE_GAP_EM = 0.25
# Where a run's text holds a line break, the next part is this many ems lower (its position is unknown).
_LINE_PITCH_EM = 1.2


def pdf_to_text(data: bytes, limits: IngestConfig) -> str:
    """The report's paragraphs, one per line, without the pages' running headers, footers and numbers."""
    try:
        with apply_configuration(**_stream_limits(limits)):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                reader.decrypt("")  # many PDFs are encrypted with an empty user password
            pages = _page_lines(reader, limits)
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
    text = tidy_lines("\n".join(paragraphs(drop_page_furniture(pages))))
    if not text.strip():
        raise InputError(_NO_TEXT)
    return text


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


def _page_lines(reader: PdfReader, limits: IngestConfig) -> list[list[VisualLine]]:
    """Each page's visual lines; the page count and the text's total size are bounded."""
    count = len(reader.pages)
    if count > limits.max_pdf_pages:
        raise LimitExceededError(f"the PDF has {count} pages; the limit is {limits.max_pdf_pages}")
    pages: list[list[VisualLine]] = []
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
        runs, text = _runs(page)
        chars += len(text)
        if chars > limits.max_chars:
            raise LimitExceededError(
                f"the PDF's text is longer than {limits.max_chars} characters (ingest.max_chars)"
            )
        pages.append(_lines(runs))
    if not any(line.text.strip() for page in pages for line in page):
        raise InputError(_NO_TEXT)
    return pages


@dataclass(frozen=True)
class _Run:
    """A piece of text shown at one position, in page units."""

    text: str
    x0: float
    x1: float
    y: float
    size: float
    upright: bool


def _runs(page: PageObject) -> tuple[list[_Run], str]:
    """The page's text runs in content order, and the page's text as pypdf extracts it."""
    runs: list[_Run] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], _font: object, font_size: float) -> None:
        if not text.strip():
            return
        a, b, c, d, x, y = _multiply(tm, cm)
        size = abs(font_size) * math.hypot(c, d)
        width_scale = abs(font_size) * math.hypot(a, b)
        if size <= 0 or width_scale <= 0:
            return
        upright = a > 0 and d > 0 and abs(b) < 1e-3 * a and abs(c) < 1e-3 * d
        for number, part in enumerate(normalize_newlines(text).split("\n")):
            if part.strip():
                line_y = y - number * _LINE_PITCH_EM * size
                width = text_width(part, width_scale)
                runs.append(_Run(part, x, x + width, line_y, size, upright))

    text = page.extract_text(visitor_text=visit)
    return runs, text


def _multiply(tm: Sequence[float], cm: Sequence[float]) -> tuple[float, float, float, float, float, float]:
    """The text matrix in page space: ``tm × cm``."""
    a1, b1, c1, d1, e1, f1 = (float(value) for value in tm)
    a2, b2, c2, d2, e2, f2 = (float(value) for value in cm)
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _lines(runs: list[_Run]) -> list[VisualLine]:
    """Consecutive upright runs on one baseline make a line, read left to right."""
    groups: list[list[_Run]] = []
    for run in runs:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and run.upright
            and last.upright
            and abs(run.y - last.y) <= _SAME_LINE_EM * max(run.size, last.size)
        ):
            groups[-1].append(run)
        else:
            groups.append([run])
    return [_line(sorted(group, key=lambda run: run.x0)) for group in groups]


def _line(runs: list[_Run]) -> VisualLine:
    text = runs[0].text
    for before, run in zip(runs, runs[1:]):
        gap = run.x0 - before.x1
        spaced = text[-1:].isspace() or run.text[:1].isspace()
        text += (" " if gap > _SPACE_GAP_EM * run.size and not spaced else "") + run.text
    first = runs[0]
    return VisualLine(
        text=text,
        x0=first.x0,
        x1=max(run.x1 for run in runs),
        y=first.y,
        size=max(run.size for run in runs),
        upright=first.upright,
    )
