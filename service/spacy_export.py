"""The spaCy export of the service's ``format=spacy`` answers: :mod:`govtag.spacy_export`."""

from govtag.spacy_export import SENTENCE_SPANS_KEY, blank_zh, to_docbin_bytes, to_spacy_doc

__all__ = ["SENTENCE_SPANS_KEY", "blank_zh", "to_docbin_bytes", "to_spacy_doc"]
