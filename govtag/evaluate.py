"""The metric of the labelling contract.

- Labels: per-character macro-F1 over the four labels. Every character covered
  by a gold segment is scored: its gold label against the label of the
  predicted segment covering it (no predicted segment counts as a miss).
  Per-character accuracy is the share of those characters labelled right.
- Entities: exact-span (start, end, type) precision, recall and F1 per type,
  and micro-averaged over all types.

Counts are pooled over all documents of the gold file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govtag import ENTITY_TYPES, LABELS
from govtag.errors import GoldFormatError
from govtag.jsonl import iter_jsonl


@dataclass
class AnnotatedDoc:
    """A gold or predicted document: labelled segments and typed spans."""

    id: str
    text: str
    segments: list[tuple[int, int, str]]
    entities: list[tuple[int, int, str]] = field(default_factory=list)


def _spans(items: Any, key: str, allowed: Sequence[str], where: str) -> list[tuple[int, int, str]]:
    if not isinstance(items, list):
        raise GoldFormatError(f"{where}: expected a list")
    spans = []
    for item in items:
        try:
            start, end, value = int(item["start"]), int(item["end"]), item[key]
        except (TypeError, KeyError, ValueError) as exc:
            raise GoldFormatError(f"{where}: each item needs start, end and {key}") from exc
        if value not in allowed:
            raise GoldFormatError(f"{where}: unknown {key} {value!r} (expected one of {', '.join(allowed)})")
        if not 0 <= start <= end:
            raise GoldFormatError(f"{where}: bad offsets {start}..{end}")
        spans.append((start, end, value))
    return spans


def parse_annotated(record: Any, where: str) -> AnnotatedDoc:
    """Read one gold line, or one line of govtag's own output (``sentences`` instead of ``segments``)."""
    if not isinstance(record, dict) or "id" not in record:
        raise GoldFormatError(f"{where}: expected an object with an id")
    if "segments" in record:
        segments = _spans(record["segments"], "label", LABELS, where)
    elif "sentences" in record:
        segments = _spans(record["sentences"], "label", LABELS, where)
    else:
        raise GoldFormatError(f"{where}: no segments (or sentences)")
    entities = _spans(record.get("entities", []), "type", ENTITY_TYPES, where)
    text = record.get("text") or ""
    for start, end, _ in segments + entities:
        if text and end > len(text):
            raise GoldFormatError(f"{where}: offset {end} beyond the text ({len(text)} chars)")
    return AnnotatedDoc(str(record["id"]), text, segments, entities)


def read_annotated(path: str | Path) -> list[AnnotatedDoc]:
    """Read a JSON Lines file of annotated documents; errors carry the line number.

    A document id given twice is an error naming both lines: it would be counted twice.
    """
    return read_gold_files([path])


def read_gold_files(paths: Iterable[str | Path]) -> list[AnnotatedDoc]:
    """The documents of several JSON Lines files, in order; an id in two places is a
    GoldFormatError naming both (``path:line``), a file without documents one naming it."""
    docs: list[AnnotatedDoc] = []
    seen: dict[str, str] = {}
    for path in map(Path, paths):
        count = len(docs)
        for where, record in iter_jsonl(path, GoldFormatError):
            doc = parse_annotated(record, where)
            if doc.id in seen:
                raise GoldFormatError(f"{where}: the document id {doc.id!r} is also at {seen[doc.id]}")
            seen[doc.id] = where
            docs.append(doc)
        if len(docs) == count:
            raise GoldFormatError(f"{path}: no documents")
    return docs


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": n_gold, "predicted": n_pred}


def _char_labels(segments: Iterable[tuple[int, int, str]], length: int) -> list[str | None]:
    labels: list[str | None] = [None] * length
    for start, end, label in segments:
        for i in range(start, min(end, length)):
            labels[i] = label
    return labels


def label_scores(gold: Sequence[AnnotatedDoc], pred: Sequence[AnnotatedDoc]) -> dict[str, Any]:
    """Per-character P/R/F1 for each label, their macro-F1 and the per-character accuracy, pooled over documents."""
    tp = dict.fromkeys(LABELS, 0)
    n_pred = dict.fromkeys(LABELS, 0)
    n_gold = dict.fromkeys(LABELS, 0)
    for g, p in zip(gold, pred, strict=True):
        length = max([end for _, end, _ in g.segments] + [len(g.text)])
        gold_chars = _char_labels(g.segments, length)
        pred_chars = _char_labels(p.segments, length)
        for gold_label, pred_label in zip(gold_chars, pred_chars):
            if gold_label is None:
                continue
            n_gold[gold_label] += 1
            if pred_label is not None:
                n_pred[pred_label] += 1
                if pred_label == gold_label:
                    tp[gold_label] += 1
    per_label = {label: _prf(tp[label], n_pred[label], n_gold[label]) for label in LABELS}
    macro = sum(per_label[label]["f1"] for label in LABELS) / len(LABELS)
    scored = sum(n_gold.values())
    accuracy = sum(tp.values()) / scored if scored else 0.0
    return {"per_label": per_label, "macro_f1": macro, "accuracy": accuracy}


def entity_scores(gold: Sequence[AnnotatedDoc], pred: Sequence[AnnotatedDoc]) -> dict[str, Any]:
    """Exact-span P/R/F1 per entity type and micro-averaged, pooled over documents."""
    counts = {t: [0, 0, 0] for t in ENTITY_TYPES}  # tp, predicted, gold
    for g, p in zip(gold, pred, strict=True):
        gold_spans, pred_spans = set(g.entities), set(p.entities)
        for etype in ENTITY_TYPES:
            gs = {s for s in gold_spans if s[2] == etype}
            ps = {s for s in pred_spans if s[2] == etype}
            counts[etype][0] += len(gs & ps)
            counts[etype][1] += len(ps)
            counts[etype][2] += len(gs)
    per_type = {t: _prf(*counts[t]) for t in ENTITY_TYPES}
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {"per_type": per_type, "micro": _prf(*total)}


def align(gold: Sequence[AnnotatedDoc], pred: Sequence[AnnotatedDoc]) -> list[AnnotatedDoc]:
    """Order predictions like the gold, by id; a missing prediction is an error."""
    by_id = {doc.id: doc for doc in pred}
    missing = [doc.id for doc in gold if doc.id not in by_id]
    if missing:
        raise GoldFormatError(f"no prediction for: {', '.join(missing)}")
    for doc in gold:
        if by_id[doc.id].text and doc.text and by_id[doc.id].text != doc.text:
            raise GoldFormatError(f"{doc.id}: the prediction was made on a different text")
    return [by_id[doc.id] for doc in gold]


def evaluate(gold: Sequence[AnnotatedDoc], pred: Sequence[AnnotatedDoc]) -> dict[str, Any]:
    pred = align(gold, pred)
    return {
        "documents": [doc.id for doc in gold],
        "labels": label_scores(gold, pred),
        "entities": entity_scores(gold, pred),
    }


def per_document(gold: Sequence[AnnotatedDoc], pred: Sequence[AnnotatedDoc]) -> dict[str, dict[str, float]]:
    """Label macro-F1 and entity micro-F1 of each document on its own."""
    pred = align(gold, pred)
    return {
        g.id: {"label_macro_f1": (r := evaluate([g], [p]))["labels"]["macro_f1"],
               "entity_micro_f1": r["entities"]["micro"]["f1"]}
        for g, p in zip(gold, pred, strict=True)
    }


def format_table(report: dict[str, Any]) -> str:
    """A plain-text table of a report from :func:`evaluate` (and its ``per_document``
    scores, when present)."""
    lines = [f"{'':<14}{'P':>8}{'R':>8}{'F1':>8}{'gold':>9}{'pred':>9}"]

    def row(name: str, m: dict[str, float]) -> str:
        return (
            f"{name:<14}{m['precision']:>8.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}"
            f"{m['support']:>9}{m['predicted']:>9}"
        )

    lines.append("labels (per character)")
    for label in LABELS:
        lines.append(row(label, report["labels"]["per_label"][label]))
    lines.append(f"{'macro-F1':<14}{'':>16}{report['labels']['macro_f1']:>8.3f}")
    lines.append(f"{'accuracy':<14}{'':>16}{report['labels']['accuracy']:>8.3f}")
    lines.append("entities (exact span)")
    for etype in ENTITY_TYPES:
        lines.append(row(etype, report["entities"]["per_type"][etype]))
    lines.append(row("micro", report["entities"]["micro"]))
    if report.get("per_document"):
        lines.append(f"{'per document':<30}{'label macro-F1':>16}{'entity micro-F1':>17}")
        for doc_id, scores in report["per_document"].items():
            lines.append(f"{doc_id:<30}{scores['label_macro_f1']:>16.3f}{scores['entity_micro_f1']:>17.3f}")
    return "\n".join(lines)


def result_to_annotated(result: Any) -> AnnotatedDoc:
    """Turn a :class:`~govtag.schema.DocumentResult` into the scored form."""
    return AnnotatedDoc(
        id=result.id,
        text=result.text or "",
        segments=[(s.start, s.end, s.label) for s in result.sentences],
        entities=[(e.start, e.end, e.type) for e in result.entities],
    )
