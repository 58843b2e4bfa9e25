"""Errors that users see. Each carries a message that names the problem."""

from __future__ import annotations


class GovtagError(Exception):
    """Base class: the CLI prints the message and exits non-zero; the service answers 4xx."""

    exit_code = 1


class InputError(GovtagError):
    """The input cannot be read as a report."""

    exit_code = 2


class UnsupportedFormatError(InputError):
    """The file type is not one of txt, html, docx, pdf."""


class DecodeError(InputError):
    """The bytes are not text in any supported encoding."""


class EmptyDocumentError(InputError):
    """The document has no text to tag."""


class LimitExceededError(InputError):
    """The input is larger, or costlier to read, than the configured limits allow."""


class ConfigError(GovtagError):
    """A configuration file or value is invalid."""

    exit_code = 3


class ModelNotFoundError(GovtagError):
    """No model where the configuration points; the message says where it looked."""

    exit_code = 4


class OutputError(GovtagError):
    """An output file or folder cannot be written; the message names it and the reason."""

    exit_code = 5


class GoldFormatError(InputError):
    """A gold or prediction JSONL line is malformed; the message carries the line number."""
