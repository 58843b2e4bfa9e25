"""Hooks for the schemathesis CLI run (``SCHEMATHESIS_HOOKS``): what an uploaded report looks like.

JSON Schema can say that the upload's ``file`` part is a ``text/plain`` or
``text/html`` file (the schema's ``encoding``), not that it must hold some
decodable text. These strategies generate such files, so that positive requests
are ones the server should accept. Binary formats (docx, pdf) are left to the
upload tests, which build real files.
"""

from __future__ import annotations

import html

import schemathesis
from hypothesis import strategies as st

from govtag.ingest.html import is_chrome_line

# printable text in any script (no control characters but the line break), with something to tag
_TEXT = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), st.just("\n")),
    min_size=1,
    max_size=400,
).filter(lambda text: text.strip())

schemathesis.openapi.media_type("text/plain", _TEXT.map(lambda text: text.encode()))
# a page whose every line is site chrome (a © line, 【打印本页】) has no report text: the reader drops it (422)
_PAGE_TEXT = _TEXT.filter(lambda text: not all(is_chrome_line(line) for line in text.splitlines() if line.strip()))
schemathesis.openapi.media_type(
    "text/html",
    _PAGE_TEXT.map(lambda text: f"<html><body><p>{html.escape(text)}</p></body></html>".encode()),
)
