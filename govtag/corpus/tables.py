"""The corpus tables: one row per document, per sentence, per entity and per ``NUM`` indicator.

These are what pandas, DuckDB, Polars and Spark read (``docs/output.md``
describes every column). Rows are plain dicts built from the core schema
(:class:`~govtag.schema.DocumentResult`), so every table agrees with the JSON
output; the Arrow schemas fix the column types, so that an empty part file and
a full one can be read together.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from typing import Any

import pyarrow as pa

from govtag import ENTITY_TYPES, LABELS
from govtag.schema import DocumentResult, TextSpan

TABLES = ("documents", "sentences", "entities", "indicators")

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema(
        [
            ("doc_id", pa.string()),
            ("source", pa.string()),
            ("metadata", pa.string()),  # the input's extra fields, as a JSON object
            ("chars", pa.int64()),
            ("text_sha256", pa.string()),
            ("backend", pa.string()),
            ("model_version", pa.string()),
            ("sentences", pa.int64()),
            *[(f"n_{label}", pa.int64()) for label in LABELS],
            *[(f"n_{etype}", pa.int64()) for etype in ENTITY_TYPES],
        ]
    ),
    "sentences": pa.schema(
        [
            ("doc_id", pa.string()),
            ("index", pa.int64()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", pa.string()),
            ("label", pa.string()),
            *[(f"score_{label}", pa.float64()) for label in LABELS],
            ("heading_path", pa.list_(pa.string())),
            ("is_heading", pa.bool_()),
        ]
    ),
    "entities": pa.schema(
        [
            ("doc_id", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", pa.string()),
            ("type", pa.string()),
            ("score", pa.float64()),
            ("source", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("approximate", pa.bool_()),
            ("sentence_index", pa.int64()),
            ("sentence_label", pa.string()),
        ]
    ),
    "indicators": pa.schema(
        [
            ("doc_id", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", pa.string()),
            ("metric", pa.string()),
            ("metric_key", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("kind", pa.string()),
            ("period", pa.string()),
            ("subject", pa.string()),
            ("sentence_index", pa.int64()),
            ("sentence_label", pa.string()),
        ]
    ),
}


def table_rows(result: DocumentResult, source: str, metadata: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows one document adds to each table."""
    document = {
        "doc_id": result.id,
        "source": source,
        "metadata": json.dumps(metadata, ensure_ascii=False, sort_keys=True),
        "chars": result.chars,
        "text_sha256": result.text_sha256,
        "backend": result.backend,
        "model_version": result.model_version,
        "sentences": len(result.sentences),
        **{f"n_{label}": result.summary.labels.get(label, 0) for label in LABELS},
        **{f"n_{etype}": result.summary.entities.get(etype, 0) for etype in ENTITY_TYPES},
    }
    sentences = [
        {
            "doc_id": result.id,
            "index": index,
            "start": sentence.start,
            "end": sentence.end,
            "text": sentence.text,
            "label": sentence.label,
            **{f"score_{label}": sentence.scores.get(label, 0.0) for label in LABELS},
            "heading_path": sentence.heading_path,
            "is_heading": sentence.is_heading,
        }
        for index, sentence in enumerate(result.sentences)
    ]
    starts = [sentence.start for sentence in result.sentences]
    entities = []
    for entity in result.entities:
        index = bisect_right(starts, entity.start) - 1
        inside = index >= 0 and entity.start < result.sentences[index].end
        normalized = entity.normalized
        entities.append(
            {
                "doc_id": result.id,
                "start": entity.start,
                "end": entity.end,
                "text": entity.text,
                "type": entity.type,
                "score": entity.score,
                "source": entity.source,
                "value": normalized.value if normalized else None,
                "unit": normalized.unit if normalized else None,
                "approximate": normalized.approximate if normalized else None,
                "sentence_index": index if inside else None,
                "sentence_label": result.sentences[index].label if inside else None,
            }
        )
    indicators = [
        {
            "doc_id": result.id,
            "start": row["start"],
            "end": row["end"],
            "text": row["text"],
            "metric": _span_text(entity.indicator.metric),
            "metric_key": entity.indicator.key,
            "value": row["value"],
            "unit": row["unit"],
            "kind": entity.indicator.kind,
            "period": _span_text(entity.indicator.period),
            "subject": _span_text(entity.indicator.subject),
            "sentence_index": row["sentence_index"],
            "sentence_label": row["sentence_label"],
        }
        for entity, row in zip(result.entities, entities, strict=True)
        if entity.indicator is not None
    ]
    return {"documents": [document], "sentences": sentences, "entities": entities, "indicators": indicators}


def _span_text(span: TextSpan | None) -> str | None:
    return None if span is None else span.text


def to_arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMAS[table])
