"""Options and helpers shared by several sub-commands."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from govtag.tag import BACKENDS


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="pipeline config (default: $GOVTAG_CONFIG or ./configs/govtag.yaml)")


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, help="tagger backend (default: the config's, merged)")


def write_atomically(path: Path, content: str) -> None:
    """Write through a temporary file and rename, so an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
