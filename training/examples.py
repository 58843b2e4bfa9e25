"""Training examples from the three sources: gold reports, weak labels, labelled NER data.

Every example is one segment as the pipeline cuts it (so training sees what
inference sees): its text, its heading path, an optional sentence label and
optional entity spans, each with the weight of its source.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from govtag import LABELS
from govtag.errors import InputError
from govtag.evaluate import AnnotatedDoc, read_gold_files
from govtag.jsonl import iter_jsonl
from govtag.model.tagger import context_of
from govtag.rules.entities import extract_entities
from govtag.rules.labels import score_segments
from govtag.rules.spans import longest_first
from govtag.segment import SentenceSplitter
from govtag.types import Document, EntitySpan, SegmentedDocument


@dataclass
class TrainExample:
    text: str
    context: str
    label: str | None  # None: no sentence supervision
    label_weight: float
    entities: list[tuple[int, int, str]] | None  # None: no token supervision
    entity_weight: float
    source: str  # gold | weak | ner
    doc_id: str
    confidence: float = 1.0  # weak sources: the rule labeller's score
    meta: dict = field(default_factory=dict)

    def to_row(self) -> dict:
        row = asdict(self)
        row["label"] = row["label"] or ""
        row["has_entities"] = self.entities is not None
        spans = self.entities or []
        del row["entities"]
        row["ent_starts"] = [s for s, _, _ in spans]
        row["ent_ends"] = [e for _, e, _ in spans]
        row["ent_types"] = [t for _, _, t in spans]
        row["meta"] = json.dumps(self.meta)
        return row


def _majority_label(labels: list[str | None]) -> str | None:
    counts = Counter(label for label in labels if label is not None)
    return counts.most_common(1)[0][0] if counts else None


def _entities_within(start: int, end: int, spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    return [(s - start, e - start, t) for s, e, t in spans if s >= start and e <= end]


def gold_examples(doc: AnnotatedDoc, splitter: SentenceSplitter, weight: float) -> list[TrainExample]:
    """Cut a gold report as the pipeline does; each segment takes the gold label of most of its characters."""
    char_labels: list[str | None] = [None] * len(doc.text)
    for start, end, label in doc.segments:
        for i in range(start, min(end, len(doc.text))):
            char_labels[i] = label
    segmented = splitter.split(Document(doc.id, doc.text))
    examples = []
    for index, seg in enumerate(segmented.segments):
        label = _majority_label(char_labels[seg.start : seg.end])
        if label is None:
            continue
        examples.append(
            TrainExample(
                text=doc.text[seg.start : seg.end],
                context=context_of(segmented, index),
                label=label,
                label_weight=weight,
                entities=_entities_within(seg.start, seg.end, doc.entities),
                entity_weight=weight,
                source="gold",
                doc_id=doc.id,
            )
        )
    return examples


def load_gold(paths: Iterable[Path]) -> list[AnnotatedDoc]:
    """The gold documents of all ``paths``; an id in two files is an error naming both places."""
    return read_gold_files(paths)


def iter_corpus(path: Path, exclude_ids: set[str]) -> Iterator[Document]:
    """Reports of a JSONL corpus (``id``, ``text``), skipping the ids that are gold elsewhere."""
    for where, record in iter_jsonl(path):
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise InputError(f"{where}: expected an object with a string id")
        text = record.get("text")
        if record["id"] in exclude_ids or not isinstance(text, str) or not text.strip():
            continue
        yield Document(record["id"], text)


def weak_examples(
    documents: Iterable[Document],
    splitter: SentenceSplitter,
    max_sentences: int,
    min_confidence: float,
    label_weight: float,
    entity_weight: float,
    seed: int,
) -> list[TrainExample]:
    """Weak labels: the rule labeller's label (with its confidence) and the rule extractors' spans.

    The cap is split evenly over the four labels so that rare labels (problem,
    other) are not drowned by achievement and plan sentences.
    """
    by_label: dict[str, list[TrainExample]] = defaultdict(list)
    for document in documents:
        segmented: SegmentedDocument = splitter.split(document)
        scores = score_segments(segmented)
        spans = [(e.start, e.end, e.type) for e in extract_entities(document.text)]
        for index, (seg, score) in enumerate(zip(segmented.segments, scores)):
            label = max(LABELS, key=lambda name: score[name])
            confidence = float(score[label])
            if confidence < min_confidence:
                continue
            by_label[label].append(
                TrainExample(
                    text=document.text[seg.start : seg.end],
                    context=context_of(segmented, index),
                    label=label,
                    label_weight=label_weight * confidence,
                    entities=_entities_within(seg.start, seg.end, spans),
                    entity_weight=entity_weight,
                    source="weak",
                    doc_id=document.id,
                    confidence=confidence,
                )
            )
    rng = random.Random(seed)
    chosen: list[TrainExample] = []
    quota = max_sentences // len(LABELS)
    leftover: list[TrainExample] = []
    for label in LABELS:
        pool = by_label.get(label, [])
        rng.shuffle(pool)
        chosen += pool[:quota]
        leftover += pool[quota:]
    rng.shuffle(leftover)
    chosen += leftover[: max(0, max_sentences - len(chosen))]
    return chosen


def ner_examples(ner_root: Path, sources: list[str], limit: int, weight: float, seed: int) -> list[TrainExample]:
    """ORG spans from labelled NER data, completed with the rules' DOC_NO/NUM/POLICY spans (no labels)."""
    from govtag.training.ner_data import load_org_examples

    examples = []
    for item in load_org_examples(ner_root, sources=sources, limit=limit, seed=seed):
        orgs = [EntitySpan(s, e, t, source="rules") for s, e, t in item.entities]
        others = [span for span in extract_entities(item.text) if span.type != "ORG"]
        merged = longest_first(orgs + others)
        examples.append(
            TrainExample(
                text=item.text,
                context="",
                label=None,
                label_weight=0.0,
                entities=[(s.start, s.end, s.type) for s in merged],
                entity_weight=weight,
                source="ner",
                doc_id=f"{item.source}",
            )
        )
    return examples
