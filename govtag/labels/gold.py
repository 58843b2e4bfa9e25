"""The project's own gold JSON Lines (ANNOTATION.md, section 3), read for checking like a tool's export."""

from __future__ import annotations

from typing import Any

from govtag.labels.validate import Kind, LabelledDoc, Region

_KEYS: dict[Kind, tuple[str, str]] = {"segment": ("segments", "label"), "entity": ("entities", "type")}


def parse_record(item: Any, where: str) -> LabelledDoc:
    """A document from one gold line; an entity's optional ``text`` is checked against the document."""
    if not isinstance(item, dict):
        return LabelledDoc(where, None, None, problems=[f"{where}: not a JSON object"])
    doc = LabelledDoc(where, item.get("id"), item.get("text"))
    for kind, (key, name_key) in _KEYS.items():
        spans = item.get(key, [] if kind == "entity" else None)
        if not isinstance(spans, list) or not all(isinstance(s, dict) for s in spans):
            doc.problems.append(f"{where}: {key} must be a list of {{start, end, {name_key}}}")
            continue
        for number, span in enumerate(spans, start=1):
            stated = span.get("text")
            doc.regions.append(Region(f"{key} #{number}", kind, span.get(name_key), span.get("start"),
                                      span.get("end"), stated if isinstance(stated, str) else None))
    return doc
