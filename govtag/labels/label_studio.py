"""Label Studio: the labelling interface, tasks with pre-annotations, and reading its JSON export.

One task per document: ``data.text`` is the text govtag ingested (every offset
indexes it), ``data.id`` the document id and ``data.text_sha256`` the hash that
tells, on import, whether the text came back unchanged. The model's output is
the task's prediction: each sentence a ``Labels`` region of the control
``label``, each entity a ``Labels`` region of the control ``entity``, both on the
``Text`` object ``text``. People correct it in the browser and submit; the JSON
export then carries their annotations beside the prediction.

Offsets are written as Python string indices, which is what Label Studio stores
for imported regions. Regions drawn in the browser may be counted in UTF-16 code
units instead (JavaScript string indices): the reader lets the region's stated
text decide (see :mod:`govtag.labels.validate`).
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from govtag import ENTITY_TYPES, LABELS
from govtag.labels.select import uncertainty
from govtag.labels.validate import LabelledDoc, Region
from govtag.schema import DocumentResult

TEXT_NAME = "text"
CONTROLS: dict[str, str] = {"label": "segment", "entity": "entity"}  # from_name -> the kind of span it labels
REGION_TYPE = "labels"
COLOURS: dict[str, str] = {
    "achievement": "#2ca02c", "problem": "#d62728", "plan": "#1f77b4", "other": "#9e9e9e",
    "ORG": "#ff7f0e", "DOC_NO": "#9467bd", "NUM": "#17becf", "POLICY": "#e377c2",
}
ANNOTATION_CHOICES = ("latest", "first")  # or annotation ids


def labelling_config() -> str:
    """The labelling interface XML for a project that imports :func:`task` output."""
    lines = ["<View>"]
    for control, names in (("label", LABELS), ("entity", ENTITY_TYPES)):
        lines.append(f'  <Labels name="{control}" toName="{TEXT_NAME}" choice="single" showInline="true">')
        lines.extend(f"    <Label value={quoteattr(name)} background={quoteattr(COLOURS[name])}/>" for name in names)
        lines.append("  </Labels>")
    lines.append(f'  <Text name="{TEXT_NAME}" value="${TEXT_NAME}" granularity="symbol"/>')
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def _region(region_id: str, control: str, start: int, end: int, text: str, name: str, score: float) -> dict[str, Any]:
    return {
        "id": region_id,
        "from_name": control,
        "to_name": TEXT_NAME,
        "type": REGION_TYPE,
        "value": {"start": start, "end": end, "text": text, "labels": [name]},
        "score": score,
    }


def task(result: DocumentResult) -> dict[str, Any]:
    """One Label Studio task for a document, with the model's output as its prediction.

    The prediction's ``score`` is 1 minus the document's mean sentence-label entropy,
    so sorting by it in Label Studio's data manager puts the least certain first.
    """
    if result.text is None:
        raise ValueError(f"{result.id}: the result carries no text")
    regions = [
        _region(f"s{i}", "label", s.start, s.end, s.text, s.label, max(s.scores.values()))
        for i, s in enumerate(result.sentences)
    ]
    regions += [
        _region(f"e{i}", "entity", e.start, e.end, e.text, e.type, e.score) for i, e in enumerate(result.entities)
    ]
    return {
        "data": {TEXT_NAME: result.text, "id": result.id, "text_sha256": result.text_sha256},
        "predictions": [{
            "model_version": result.model_version or result.backend,
            "score": round(1.0 - uncertainty(result), 4),
            "result": regions,
        }],
    }


def parse_export(tasks: Any, source: str, choice: str = "latest") -> tuple[list[LabelledDoc], list[str], list[str]]:
    """``(documents, problems, notes)`` from a Label Studio JSON export (a list of tasks).

    ``choice`` picks each task's annotation among those not cancelled: ``latest``
    (last updated), ``first`` (first created), or comma-separated annotation ids
    (a task holding none of them is skipped). A task without such an annotation is
    skipped with a note; predictions are never read. ``problems`` are those of the
    file itself; each document carries its own.
    """
    if not isinstance(tasks, list):
        return [], [f"{source}: not a Label Studio JSON export (expected a list of tasks)"], []
    wanted_ids = _annotation_ids(choice)
    docs: list[LabelledDoc] = []
    problems: list[str] = []
    notes: list[str] = []
    for number, item in enumerate(tasks, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
            problems.append(f"{source}: task #{number}: not a task object with data")
            continue
        data = item["data"]
        where = f"{source}: task {item.get('id', f'#{number}')} ({data.get('id', 'no id')})"
        annotation = _choose(item.get("annotations"), choice, wanted_ids)
        if annotation is None:
            notes.append(f"{where}: no {'such' if wanted_ids else 'submitted'} annotation, skipped")
            continue
        where = f"{where}, annotation {annotation.get('id')}"
        doc = LabelledDoc(where, data.get("id"), data.get(TEXT_NAME), counting="detect",
                          exported_sha256=data.get("text_sha256"))
        doc.problems.extend(f"{where}: {p}" for p in _read_result(annotation.get("result"), doc))
        docs.append(doc)
    return docs, problems, notes


def _annotation_ids(choice: str) -> set[int] | None:
    if choice in ANNOTATION_CHOICES:
        return None
    try:
        return {int(part) for part in choice.split(",") if part.strip()}
    except ValueError:
        raise ValueError(f"annotation choice {choice!r}: expected latest, first or annotation ids") from None


def _choose(annotations: Any, choice: str, wanted_ids: set[int] | None) -> dict[str, Any] | None:
    usable = [a for a in annotations or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if wanted_ids is not None:
        return next((a for a in usable if a.get("id") in wanted_ids), None)
    if not usable:
        return None
    if choice == "first":
        return min(usable, key=lambda a: (str(a.get("created_at") or ""), a.get("id") or 0))
    return max(usable, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))


def _read_result(result: Any, doc: LabelledDoc) -> list[str]:
    """Fill ``doc.regions`` from an annotation's result items; the problems of items that are no span."""
    if not isinstance(result, list):
        return ["the annotation has no result list"]
    problems: list[str] = []
    for number, item in enumerate(result, start=1):
        if not isinstance(item, dict):
            problems.append(f"result item #{number} is not an object")
            continue
        name = f"region {item.get('id', f'#{number}')!r}"
        control, kind_type = item.get("from_name"), item.get("type")
        if control not in CONTROLS or kind_type != REGION_TYPE or item.get("to_name") != TEXT_NAME:
            problems.append(f"{name}: a {kind_type!r} result from {control!r} to {item.get('to_name')!r} "
                            f"is not in the labelling config ({_expected()})")
            continue
        value = item.get("value")
        labels = value.get("labels") if isinstance(value, dict) else None
        if not (isinstance(labels, list) and len(labels) == 1):
            problems.append(f"{name}: expected exactly one label, got {labels!r}")
            continue
        stated = value.get("text")
        doc.regions.append(Region(name, CONTROLS[control], labels[0], value.get("start"), value.get("end"),
                                  stated if isinstance(stated, str) else None))
    return problems


def _expected() -> str:
    return ", ".join(f"{REGION_TYPE} from {control!r} to {TEXT_NAME!r}" for control in CONTROLS)

