"""``govtag``: the command-line entry point. Each sub-command lives in its own module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence

from govtag import __version__
from govtag.cli import annotate, crossval, evaluate, indicators, labels, model, pretrain, serve, train, units
from govtag.cli.common import add_output_options, configure_output
from govtag.config import config_search
from govtag.errors import GovtagError, ModelNotFoundError

DESCRIPTION = """Tag Chinese rule-of-law government reports: sentence labels and entities, with exact
character offsets. Run govtag COMMAND --help for the options of a command.

The pipeline config is the first of --config FILE, $GOVTAG_CONFIG, ./configs/govtag.yaml
and the installed default, whose model registry is $GOVTAG_HOME/models, else the models/
folder of the checkout govtag is installed from, else ~/.local/share/govtag/models.
--model PATH|VERSION picks another model. --quiet and --verbose go with every command."""

COMMANDS = (annotate, evaluate, train, crossval, pretrain, model, serve, units, labels, indicators)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govtag", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"govtag {__version__}")
    add_output_options(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    for below in _parsers_below(parser):
        add_output_options(below, suppress=True)
    return parser


def _parsers_below(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every sub-command parser, at any depth, once each."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield child
                yield from _parsers_below(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet and args.verbose:
        parser.error("--quiet and --verbose exclude each other")
    configure_output(args.quiet, args.verbose)
    try:
        return int(args.handler(args) or 0)
    except ModelNotFoundError as exc:
        if not getattr(args, "reads_pipeline_config", False):
            print(f"govtag: error: {exc}", file=sys.stderr)
            return exc.exit_code
        where = "\n".join(f"  {step}" for step in config_search(getattr(args, "config", None), getattr(args, "model", None)))
        print(f"govtag: error: {exc}\nwhere govtag looked for its config:\n{where}", file=sys.stderr)
        return exc.exit_code
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
