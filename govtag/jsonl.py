"""Reading JSON Lines files with errors that name the file and the line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from govtag.errors import InputError


def iter_jsonl(path: Path, error: type[InputError] = InputError) -> Iterator[tuple[str, Any]]:
    """``(where, record)`` for each non-blank line; ``where`` is ``path:line`` for messages.

    A missing file, bytes that are not UTF-8, or a line that is not JSON raise ``error``.
    """
    for where, record, problem in iter_jsonl_lenient(path, error):
        if problem is not None:
            raise error(problem)
        yield where, record


def iter_jsonl_lenient(
    path: Path, error: type[InputError] = InputError
) -> Iterator[tuple[str, Any, str | None]]:
    """``(where, record, problem)`` per non-blank line: a line that is not JSON is reported, not fatal.

    ``problem`` names the line and the reason (``record`` is None then). A
    missing file or bytes that are not UTF-8 still raise ``error``: nothing
    after them can be trusted.
    """
    if not path.is_file():
        raise error(f"file not found: {path}")
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    yield where, json.loads(line), None
                except json.JSONDecodeError as exc:
                    yield where, None, f"{where}: invalid JSON: {exc.msg}"
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason})") from exc
