"""The tagger interface that the rules, model and merged backends implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from govtag.tag.steps import Steps, Wanted
from govtag.types import SegmentedDocument, Tagging


class Tagger(ABC):
    """Labels every segment of a document and finds its entities.

    Taggers work on batches so that a model backend can fill its batches across
    documents (the service micro-batches requests through this method).
    """

    #: backend name reported in the output: ``rules``, ``model`` or ``merged``
    name: str = ""

    @property
    def version(self) -> str | None:
        """Model version, when the tagger has one."""
        return None

    def info(self) -> dict[str, Any]:
        """What ``GET /v1/model`` and ``govtag model info`` report about this tagger."""
        return {"backend": self.name, "version": self.version}

    @abstractmethod
    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        """Return one :class:`Tagging` per document, in order."""

    def tag_steps(
        self, docs: Sequence[SegmentedDocument], wanted: Wanted = None, *, entities: bool = True
    ) -> Steps[list[Tagging]]:
        """:meth:`tag_batch` in steps the service can interleave and abandon (:mod:`govtag.tag.steps`).

        The default is one step; taggers with long computations (the model) override it.
        ``entities=False`` says the caller will not use the entities, so a tagger may skip
        finding them (the merged tagger asks this of the model when every type comes from the rules).
        """
        yield from ()
        return self.tag_batch(docs)

    def tag(self, doc: SegmentedDocument) -> Tagging:
        return self.tag_batch([doc])[0]
