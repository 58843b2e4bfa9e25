"""doccano: sequence-labelling JSON Lines, written for import and read from its export.

One document a line: ``text``, ``label`` (``[[start, end, NAME], ...]``), and the
extra keys ``doc_id``, ``text_sha256`` and ``model_version``, which doccano keeps
as the example's metadata and writes back at the top level of its export (beside
its own integer ``id``). Each sentence is a span named by its label
(``achievement``, ``problem``, ``plan``, ``other``), each entity a span named by
its type, so the project must allow overlapping spans. The JSON export of a
project with relations (``entities``: ``{label, start_offset, end_offset}``) is
read too.

doccano counts offsets in UTF-16 code units, the browser's string indices (unless
the project counts grapheme clusters, which govtag does not read): spans are
written that way and converted back on import. For a text without characters
outside the Basic Multilingual Plane the two counts are the same.
"""

from __future__ import annotations

from typing import Any

from govtag.labels.offsets import Utf16Offsets
from govtag.labels.validate import NAMES, LabelledDoc, Region
from govtag.schema import DocumentResult


def record(result: DocumentResult) -> dict[str, Any]:
    """One doccano line for a document, pre-annotated with the model's sentence labels and entities."""
    if result.text is None:
        raise ValueError(f"{result.id}: the result carries no text")
    utf16 = Utf16Offsets(result.text)
    spans = [(s.start, s.end, s.label) for s in result.sentences] + [(e.start, e.end, e.type) for e in result.entities]
    return {
        "text": result.text,
        "label": [[utf16.to_utf16(start), utf16.to_utf16(end), name] for start, end, name in sorted(spans)],
        "doc_id": result.id,
        "text_sha256": result.text_sha256,
        "model_version": result.model_version or result.backend,
    }


def parse_record(item: Any, where: str) -> LabelledDoc:
    """A document from one line of a doccano export (or of :func:`record` output)."""
    if not isinstance(item, dict):
        return LabelledDoc(where, None, None, problems=[f"{where}: not a JSON object"])
    doc_id = item.get("doc_id", item.get("id"))
    doc = LabelledDoc(where, doc_id if isinstance(doc_id, str) else None, item.get("text"), counting="utf16",
                      exported_sha256=item.get("text_sha256"))
    if "label" in item:
        spans, problem = _tupled(item["label"])
    elif "entities" in item:
        spans, problem = _dicts(item["entities"])
    else:
        spans, problem = [], "no label (or entities) list"
    if problem:
        doc.problems.append(f"{where}: {problem}")
    for number, (start, end, name) in enumerate(spans, start=1):
        # sentence labels and entity types share doccano's one list of labels
        kind = next((kind for kind, names in NAMES.items() if name in names), None)
        if kind is None:
            known = ", ".join(n for names in NAMES.values() for n in names)
            doc.problems.append(f"{where}: label #{number}: unknown label {name!r} (expected one of {known})")
        else:
            doc.regions.append(Region(f"label #{number}", kind, name, start, end))
    return doc


def _tupled(spans: Any) -> tuple[list[tuple[Any, Any, Any]], str]:
    if not isinstance(spans, list) or not all(isinstance(s, list) and len(s) == 3 for s in spans):
        return [], "label must be a list of [start, end, NAME]"
    return [(s[0], s[1], s[2]) for s in spans], ""


def _dicts(spans: Any) -> tuple[list[tuple[Any, Any, Any]], str]:
    if not isinstance(spans, list) or not all(isinstance(s, dict) for s in spans):
        return [], "entities must be a list of {label, start_offset, end_offset}"
    return [(s.get("start_offset"), s.get("end_offset"), s.get("label")) for s in spans], ""
