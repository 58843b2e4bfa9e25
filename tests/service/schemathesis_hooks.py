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

# printable text in any script (no control characters but the line break), with something to tag
_TEXT = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), st.just("\n")),
    min_size=1,
    max_size=400,
).filter(lambda text: text.strip())

schemathesis.openapi.media_type("text/plain", _TEXT.map(lambda text: text.encode()))
schemathesis.openapi.media_type(
    "text/html",
    _TEXT.map(lambda text: f"<html><body><p>{html.escape(text)}</p></body></html>".encode()),
)
