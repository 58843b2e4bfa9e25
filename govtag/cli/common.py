"""Options and helpers shared by several sub-commands.

Every command takes its options after its own name (``govtag model info --config X``);
options of a command group (``govtag model --config X info``) are accepted too. An
option a parser shares with the parsers below it is added to those with
``default=SUPPRESS``, so that a value given higher up is not reset by a lower level.
"""

from __future__ import annotations

import argparse
import logging
import os
import warnings

from govtag.atomic import write_atomically
from govtag.config import GovtagConfig, choose_model, load_config
from govtag.tag import BACKENDS

__all__ = [
    "add_backend_option",
    "add_config_option",
    "add_model_option",
    "add_output_options",
    "configure_output",
    "pipeline_config",
    "write_atomically",
]

CONFIG_HELP = (
    "pipeline config file (default: $GOVTAG_CONFIG, else ./configs/govtag.yaml, else the installed default; "
    "see the README)"
)
MODEL_HELP = (
    "the model to use: a version in the registry, or a model folder (a version's folder, a model's folder "
    "of versions, or a registry); default: the config's active version"
)


def _default(suppress: bool, value: object = None) -> object:
    return argparse.SUPPRESS if suppress else value


def add_config_option(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    """``--config``: the pipeline config (a missing model's error then lists the config search)."""
    parser.add_argument("--config", metavar="FILE", default=_default(suppress), help=CONFIG_HELP)
    parser.set_defaults(reads_pipeline_config=True)


def add_model_option(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    parser.add_argument("--model", metavar="PATH|VERSION", default=_default(suppress), help=MODEL_HELP)


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, help="tagger backend (default: the config's, merged)")


def add_output_options(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    """``--quiet`` and ``--verbose``, on every parser of the command line."""
    parser.add_argument("-q", "--quiet", action="store_true", default=_default(suppress, False),
                        help="print errors and results only: no progress, no notes")
    parser.add_argument("-v", "--verbose", action="store_true", default=_default(suppress, False),
                        help="also print what happens on the way (log messages of govtag and its libraries)")


def pipeline_config(args: argparse.Namespace) -> GovtagConfig:
    """The pipeline config that ``--config`` and ``--model`` select."""
    return choose_model(load_config(getattr(args, "config", None)), getattr(args, "model", None))


#: Libraries whose load reports and notices are not for the user of a command line.
_NOISY_LOGGERS = ("transformers", "huggingface_hub", "datasets", "torch", "jieba", "urllib3", "filelock")


def configure_output(quiet: bool, verbose: bool) -> None:
    """Set how much a command prints besides its results.

    Normal runs show govtag's warnings and real warnings of the libraries, but not their
    load reports, info messages or progress bars (``transformers`` prints a report
    for every model load); ``--verbose`` shows everything, ``--quiet`` only errors.
    """
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="govtag: %(levelname)s: %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    if verbose:
        return
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if quiet:
        warnings.simplefilter("ignore")


def help_text(docstring: str | None) -> str:
    """A command module's docstring as a user reads it in ``--help``: without the reST ``markup``."""
    return (docstring or "").replace("``", "")
