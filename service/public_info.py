"""What the service tells clients about its model: names and versions, never server file paths.

A tagger's ``info()`` and a load error carry paths (the base model a run started
from, the registry folder); a client needs only their names, and paths tell an
attacker how the server is laid out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# an absolute path, or a relative one that starts with ./ ../ or ~/
_PATH_IN_TEXT = re.compile(r"(?:(?<![\w.:/~-])/|(?<![\w/])\.{1,2}/|(?<![\w/])~/)[^\s'\"(),;]*")


def is_local_path(value: str) -> bool:
    """``/a/b``, ``./b``, ``../b``, ``~/b``, or a relative path with a slash that exists here
    (a hub id like ``org/model`` does not)."""
    if not value or "\n" in value:
        return False
    if value.startswith(("/", "./", "../", "~/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", value):
        return True
    return ("/" in value or "\\" in value) and Path(value).exists()


def path_name(value: str) -> str:
    """The last component of a path (its folder or file name)."""
    return Path(value.rstrip("/\\")).name or value


def public_value(value: Any) -> Any:
    """``value`` with every string that is a local path replaced by its last component."""
    if isinstance(value, str):
        return path_name(value) if is_local_path(value) else value
    if isinstance(value, dict):
        return {key: public_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [public_value(item) for item in value]
    return value


def public_message(message: str) -> str:
    """A message with each path in it shortened to its last component."""
    return _PATH_IN_TEXT.sub(lambda match: path_name(match.group()), message)
