"""The Python API, in the style of spaCy and Hugging Face pipelines.

>>> import govtag
>>> nlp = govtag.load(backend="rules")        # or govtag.load() for the default model
>>> result = nlp("一、工作开展情况\\n印发《实施方案》，办理案件12件。")
>>> [(e.type, e.text) for s in result.sentences for e in s.entities]
[('POLICY', '实施方案'), ('NUM', '12件')]

A :class:`Result` is the JSON output's :class:`~govtag.schema.DocumentResult`
(the same fields, the same ``model_dump_json()``) with conveniences: each sentence
carries its entities, and the result converts to pandas frames, a spaCy ``Doc``
and JSON.
"""

from __future__ import annotations

import dataclasses
import os
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import PrivateAttr

from govtag.config import GovtagConfig, choose_model, config_search, load_config
from govtag.errors import ModelNotFoundError
from govtag.ingest import load_path, load_text
from govtag.pipeline import Pipeline
from govtag.schema import DocumentResult, EntityOut, OutputOptions, SentenceOut
from govtag.types import Document

if TYPE_CHECKING:
    import pandas
    from spacy.tokens import Doc

__all__ = ["Govtag", "Result", "Sentence", "load"]

#: What ``nlp(...)`` and ``nlp.pipe(...)`` take: a text, or a file as a ``Path`` (or other path-like).
Input = str | os.PathLike


class Sentence(SentenceOut):
    """A sentence or heading of a :class:`Result`, with the entities that start inside it."""

    _entities: list[EntityOut] = PrivateAttr(default_factory=list)

    @property
    def entities(self) -> list[EntityOut]:
        return self._entities


class Result(DocumentResult):
    """One annotated document: the JSON output's fields, and conversions."""

    sentences: list[Sentence]

    @classmethod
    def of(cls, output: DocumentResult) -> Result:
        result = cls.model_validate(output.model_dump())
        starts = [entity.start for entity in result.entities]
        for sentence in result.sentences:
            inside = result.entities[bisect_left(starts, sentence.start) : bisect_right(starts, sentence.end - 1)]
            sentence._entities = inside
        return result

    def to_json(self, indent: int | None = None) -> str:
        """The JSON output of ``govtag annotate`` for this document."""
        return self.model_dump_json(indent=indent)

    def sentences_frame(self) -> pandas.DataFrame:
        """One row per sentence: the columns of the ``sentences`` table (docs/output.md)."""
        return self._frame("sentences")

    def entities_frame(self) -> pandas.DataFrame:
        """One row per entity: the columns of the ``entities`` table (docs/output.md)."""
        return self._frame("entities")

    def to_spacy(self, text: str | None = None) -> Doc:
        """A spaCy ``Doc`` with ``doc.sents``, ``doc.ents`` and ``doc.cats`` (see :mod:`govtag.spacy_export`).

        ``text`` is needed only when the result was made without its text.
        """
        from govtag.spacy_export import to_spacy_doc

        return to_spacy_doc(self, text)

    def _frame(self, table: str) -> pandas.DataFrame:
        try:
            import pandas
        except ImportError as exc:  # pandas is not a dependency of govtag itself
            raise ImportError("result frames need pandas: pip install pandas") from exc
        from govtag.corpus.tables import SCHEMAS, table_rows

        rows = table_rows(self, self.source.path if self.source else "", self.metadata)[table]
        return pandas.DataFrame(rows, columns=SCHEMAS[table].names)


class Govtag:
    """A loaded tagger: ``nlp(text)`` for one document, ``nlp.pipe(inputs)`` for a stream."""

    def __init__(self, pipeline: Pipeline, options: OutputOptions | None = None) -> None:
        self.pipeline = pipeline
        self.options = options

    @property
    def backend(self) -> str:
        return self.pipeline.backend

    @property
    def model_version(self) -> str | None:
        return self.pipeline.model_version

    def __repr__(self) -> str:
        return f"Govtag(backend={self.backend!r}, model_version={self.model_version!r})"

    def __call__(self, item: Input, id: str | None = None) -> Result:
        """Annotate a text (a ``str``) or a file (a ``Path``); ``id`` names the document
        (default: ``doc`` for a text, the file name without extension for a file)."""
        return next(self._annotate([self._document(item, id, "doc")]))

    def pipe(self, inputs: Iterable[Input], batch_size: int = 8) -> Iterator[Result]:
        """Annotate a stream of texts and files, in order, ``batch_size`` documents per model call.

        A generator: documents are read and tagged as the results are consumed. Texts are
        named ``doc-1``, ``doc-2``, ... by their position; files by their name.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        batch: list[Document] = []
        for position, item in enumerate(inputs, start=1):
            batch.append(self._document(item, None, f"doc-{position}"))
            if len(batch) == batch_size:
                yield from self._annotate(batch)
                batch = []
        if batch:
            yield from self._annotate(batch)

    def _document(self, item: Input, doc_id: str | None, text_id: str) -> Document:
        limits = self.pipeline.config.ingest
        if isinstance(item, str):  # a text passed in has no source path
            return dataclasses.replace(load_text(item, doc_id or text_id, limits), source=None)
        if isinstance(item, os.PathLike):
            return load_path(Path(item), doc_id, limits)
        raise TypeError(f"expected a text (str) or a file path (pathlib.Path), got {type(item).__name__}")

    def _annotate(self, documents: list[Document]) -> Iterator[Result]:
        for output in self.pipeline.annotate_documents(documents, self.options):
            yield Result.of(output)


def load(
    model: str | os.PathLike | None = None,
    *,
    backend: str | None = None,
    config: str | os.PathLike | GovtagConfig | None = None,
    options: OutputOptions | None = None,
) -> Govtag:
    """Load a tagger once; reuse it (loading the model takes seconds).

    ``model``: a version in the registry or a model folder, as ``--model`` takes it
    (default: the config's active version). ``backend``: rules, model or merged
    (default: the config's). ``config``: a pipeline config file or object (default:
    the search of the command line: $GOVTAG_CONFIG, ./configs/govtag.yaml, the
    installed default). ``options``: filters applied to every result.
    """
    chosen = config if isinstance(config, GovtagConfig) else load_config(config)
    explicit = None if isinstance(config, GovtagConfig) else config
    choose_model(chosen, str(model) if model is not None else None)
    try:
        return Govtag(Pipeline(chosen, backend=backend), options)
    except ModelNotFoundError as exc:
        where = "; ".join(config_search(explicit, model)) if not isinstance(config, GovtagConfig) else "the given config"
        raise ModelNotFoundError(f"{exc}\nwhere govtag looked for its config: {where}") from exc
