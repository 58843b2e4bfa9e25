"""Lone UTF-16 surrogates: valid in a JSON string escape (``"\\ud800"``), not valid Unicode text.

Python's JSON parser turns such an escape into a ``str`` that cannot be encoded
as UTF-8, so it would only fail deep inside the pipeline or while writing the
answer. The service refuses it where the text comes in.
"""

from __future__ import annotations

import json
import re
from typing import Any

from govtag.service.errors import Unprocessable

_SURROGATE = re.compile("[\ud800-\udfff]")


def check_no_surrogates(value: str, field: str) -> None:
    """A 422 naming the field and position of the first lone surrogate in ``value``."""
    found = _SURROGATE.search(value)
    if found is not None:
        raise Unprocessable(
            f"{field}: character {found.start()} is a lone UTF-16 surrogate (U+{ord(found.group()):04X}), "
            "which is not valid Unicode; send the text as valid UTF-8 (escape pairs like \\ud83d\\ude00 are fine)",
            code="invalid_unicode",
        )


def parse_json_allowing_surrogates(body: bytes) -> Any | None:
    """``body`` parsed by Python's JSON parser, which (unlike pydantic's) keeps lone surrogate escapes;
    None when it is not JSON for that parser either (bad UTF-8, NaN or Infinity, a syntax error)."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except ValueError:  # also UnicodeDecodeError and JSONDecodeError
        return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
