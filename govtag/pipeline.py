"""The public Python API: ingest -> segment -> tag -> schema.

>>> from govtag.pipeline import Pipeline
>>> result = Pipeline(backend="rules").annotate("一、工作开展情况\\n印发《实施方案》。")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from govtag.config import GovtagConfig, load_config
from govtag.ingest import load_path, load_text
from govtag.schema import DocumentResult, OutputOptions, build_result
from govtag.segment import SentenceSplitter
from govtag.tag import create_tagger
from govtag.tag.base import Tagger
from govtag.tag.steps import Steps, Wanted, run_steps
from govtag.types import Document, SegmentedDocument


class Pipeline:
    """Annotates documents with one tagger; reuse one instance (model loading is slow)."""

    def __init__(
        self,
        config: GovtagConfig | None = None,
        backend: str | None = None,
        tagger: Tagger | None = None,
    ) -> None:
        self.config = config or load_config()
        self.backend = backend or self.config.backend
        self.splitter = SentenceSplitter.from_config(self.config.segmentation)
        self.tagger = tagger or create_tagger(self.backend, self.config)

    @property
    def model_version(self) -> str | None:
        return self.tagger.version

    def segment(self, document: Document) -> SegmentedDocument:
        return self.splitter.split(document)

    def annotate_documents(
        self, documents: Sequence[Document], options: OutputOptions | None = None
    ) -> list[DocumentResult]:
        return run_steps(self.annotate_steps(documents, options))

    def annotate_steps(
        self, documents: Sequence[Document], options: OutputOptions | None = None, wanted: Wanted = None
    ) -> Steps[list[DocumentResult]]:
        """:meth:`annotate_documents` in steps (see :mod:`govtag.tag.steps`); the service runs these."""
        segmented = [self.segment(doc) for doc in documents]
        taggings = yield from self.tagger.tag_steps(segmented, wanted)
        return [
            build_result(doc, tagging, self.tagger.name, self.tagger.version, options)
            for doc, tagging in zip(segmented, taggings, strict=True)
        ]

    def annotate(
        self, text: str, doc_id: str = "doc", options: OutputOptions | None = None
    ) -> DocumentResult:
        return self.annotate_documents([load_text(text, doc_id, self.config.ingest)], options)[0]

    def annotate_path(self, path: str | Path, options: OutputOptions | None = None) -> DocumentResult:
        return self.annotate_documents([load_path(path, limits=self.config.ingest)], options)[0]
