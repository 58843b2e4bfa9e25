"""Export a result as a spaCy ``Doc``: one token per character, entities and labelled sentences.

Every character of the text is its own token (as ``spacy.blank("zh")`` segments
by default), so every offset of the result is a token boundary and nothing is
lost or shifted: ``doc.text == result.text`` and ``doc.ents`` / ``doc.spans``
carry exactly the result's spans.

* ``doc.ents``: the entities (label = ORG, DOC_NO, NUM, POLICY)
* ``doc.sents``: one per sentence and heading, each from its first character to
  the next one's (the line break between two belongs to the first)
* ``doc.spans["sentences"]``: every sentence and heading exactly, label = its label
  (``doc.spans["sentences"].attrs["scores"]`` holds the label scores in order)
* ``doc.cats``: each label's share of the document's sentences (they sum to 1)
* ``doc.user_data``: id, backend, model_version, text_sha256
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, SpanGroup

from govtag.schema import DocumentResult

SENTENCE_SPANS_KEY = "sentences"


@lru_cache(maxsize=1)
def blank_zh() -> Language:
    """A blank Chinese pipeline: character segmentation, no model, nothing downloaded."""
    return spacy.blank("zh")


def to_spacy_doc(result: DocumentResult, text: str | None = None) -> Doc:
    """Build the Doc; ``text`` is needed when the result was made with ``include_text=false``."""
    text = result.text if result.text is not None else text
    if text is None:
        raise ValueError("the result carries no text (include_text=false); pass text=")
    if len(text) != result.chars:
        raise ValueError(f"text has {len(text)} characters, the result was made from {result.chars}")
    nlp = blank_zh()
    doc = Doc(nlp.vocab, words=list(text), spaces=[False] * len(text))
    doc.ents = [_span(doc, e.start, e.end, e.type) for e in result.entities]
    starts = {s.start for s in result.sentences}
    for token in doc:
        token.is_sent_start = token.i == 0 or token.i in starts
    total = len(result.sentences)
    doc.cats = {label: (count / total if total else 0.0) for label, count in result.summary.labels.items()}
    group = SpanGroup(doc, name=SENTENCE_SPANS_KEY, spans=[_span(doc, s.start, s.end, s.label) for s in result.sentences])
    group.attrs["scores"] = [dict(s.scores) for s in result.sentences]
    group.attrs["is_heading"] = [s.is_heading for s in result.sentences]
    doc.spans[SENTENCE_SPANS_KEY] = group
    doc.user_data.update(
        {
            "id": result.id,
            "backend": result.backend,
            "model_version": result.model_version,
            "text_sha256": result.text_sha256,
        }
    )
    return doc


def _span(doc: Doc, start: int, end: int, label: str):  # -> spacy.tokens.Span
    span = doc.char_span(start, end, label=label, alignment_mode="strict")
    if span is None:  # impossible with one token per character, unless the offsets are out of range
        raise ValueError(f"span {start}:{end} ({label}) does not fit the text")
    return span


def to_docbin_bytes(docs: list[Doc]) -> bytes:
    """Serialize Docs with their ents, span groups and user data; read back with ``DocBin().from_bytes``."""
    docbin = DocBin(store_user_data=True)
    for doc in docs:
        docbin.add(doc)
    return docbin.to_bytes()
