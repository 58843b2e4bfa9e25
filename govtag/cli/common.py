"""Options and helpers shared by several sub-commands."""

from __future__ import annotations

import argparse

from govtag.atomic import write_atomically
from govtag.tag import BACKENDS

__all__ = ["add_backend_option", "add_config_option", "write_atomically"]


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="pipeline config (default: $GOVTAG_CONFIG or ./configs/govtag.yaml)")


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, help="tagger backend (default: the config's, merged)")
