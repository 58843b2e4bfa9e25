"""Extract the text of a Word (.docx) report: one paragraph per line, tables in place."""

from __future__ import annotations

from collections.abc import Iterator

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from govtag.config import IngestConfig
from govtag.errors import InputError, LimitExceededError
from govtag.ingest.archive import bounded_zip
from govtag.ingest.layout import tidy_lines
from govtag.ingest.text import normalize_newlines


def docx_to_text(data: bytes, limits: IngestConfig) -> str:
    """Paragraphs in body order, table cell paragraphs included, one per line."""
    try:
        document = docx.Document(bounded_zip(data, limits))
        lines = list(_lines(document.iter_inner_content()))
    except LimitExceededError:
        raise
    # python-docx raises zipfile, lxml, KeyError and ValueError errors, among
    # others, on damaged files; all of them mean the same thing to the user.
    except Exception as exc:
        raise InputError(
            f"not a readable .docx file ({type(exc).__name__}: {exc}); "
            "old binary .doc files are not supported"
        ) from exc
    return tidy_lines(normalize_newlines("\n".join(lines)))


def _lines(blocks: Iterator[Paragraph | Table]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text
        else:
            yield from _table_lines(block)


def _table_lines(table: Table) -> Iterator[str]:
    # row.cells repeats a merged cell once per grid column and row it spans;
    # its text is emitted once. The set holds the lxml elements themselves:
    # lxml returns the same proxy for a node only while one is referenced.
    seen: set[object] = set()
    for row in table.rows:
        for cell in row.cells:
            if cell._tc not in seen:
                seen.add(cell._tc)
                yield from _lines(cell.iter_inner_content())
