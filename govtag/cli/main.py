"""``govtag``: the command-line entry point. Each sub-command lives in its own module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from govtag import __version__
from govtag.cli import annotate, crossval, evaluate, labels, model, pretrain, serve, train, units
from govtag.errors import GovtagError

COMMANDS = (annotate, evaluate, train, crossval, pretrain, model, serve, units, labels)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govtag", description=__doc__)
    parser.add_argument("--version", action="version", version=f"govtag {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except GovtagError as exc:
        print(f"govtag: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("govtag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`govtag annotate ... | head`): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
