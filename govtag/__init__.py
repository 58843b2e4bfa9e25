"""govtag: tag Chinese rule-of-law government reports.

Data flows one way: ingest -> segment -> tag (rules | model | merged) -> schema.
The public Python API is :func:`govtag.load` (:mod:`govtag.api`); ``nlp = govtag.load()``,
then ``nlp(text)`` or ``nlp.pipe(texts_or_paths)``.
"""

from typing import Any

__version__ = "0.1.0"

from govtag.vocabulary import ENTITY_TYPES, LABELS

__all__ = ["ENTITY_TYPES", "LABELS", "load"]


def __getattr__(name: str) -> Any:
    # govtag.load is imported on first use: the modules it needs import `govtag` for LABELS,
    # and a command line that never loads a model should not pay for them.
    if name == "load":
        from govtag.api import load

        return load
    raise AttributeError(f"module 'govtag' has no attribute {name!r}")
