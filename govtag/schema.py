"""The output schema: the same in the CLI, the service and the Python API.

A :class:`DocumentResult` is built from a segmented document and a tagger's
:class:`~govtag.types.Tagging` by :func:`build_result`; nothing else creates one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import Field

from govtag.digest import text_sha256
from govtag.indicators.attach import indicator_fields
from govtag.strict import StrictModel
from govtag.types import Normalized, SegmentedDocument, Tagging
from govtag.vocabulary import ENTITY_TYPES, LABELS, Backend, EntityType, Label


class NormalizedValue(StrictModel):
    """A NUM's value as written, multipliers applied (30万元 -> 300000, 元); 58.75% -> 58.75, %."""

    value: float
    unit: str
    approximate: bool = False
    ratio: float | None = None  # percentages and per-mille figures as a fraction: 58.75% -> 0.5875


#: Units whose figures are also given as a fraction (``NormalizedValue.ratio``), and the figure per 1.
RATIO_UNITS = {"%": 100, "‰": 1000}


class SourceOut(StrictModel):
    """Where a document came from."""

    path: str | None = None  # the file as given, "<stdin>", an upload's file name; None for text passed in
    format: Literal["txt", "html", "docx", "pdf"]
    encoding: str | None = None  # the detected encoding of a text or web-page file


class TextSpan(StrictModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class IndicatorOut(StrictModel):
    """What a NUM measures (docs/indicators.md): spans of its sentence, its kind and the metric's key."""

    metric: TextSpan | None
    kind: Literal["count", "rate", "change", "target"]
    period: TextSpan | None
    subject: TextSpan | None
    key: str | None


class EntityOut(StrictModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    type: EntityType
    score: float = Field(ge=0.0, le=1.0)
    source: Literal["rules", "model"]
    normalized: NormalizedValue | None = None
    indicator: IndicatorOut | None = None


class SentenceOut(StrictModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str | None  # None when the output leaves the text out (include_text=False, --no-text)
    label: Label
    scores: dict[Label, float]
    heading_path: list[str]
    is_heading: bool


class Indicator(StrictModel):
    """One row of the indicator table: a NUM entity with its value and context label."""

    text: str
    value: float
    unit: str
    approximate: bool
    start: int
    end: int
    label: Label
    sentence: str | None  # None when the output leaves the text out
    sentence_start: int | None = None
    metric: str | None = None
    key: str | None = None
    kind: Literal["count", "rate", "change", "target"] | None = None


class Summary(StrictModel):
    labels: dict[Label, int]
    entities: dict[EntityType, int]
    indicators: list[Indicator]


class DocumentResult(StrictModel):
    id: str
    text: str | None = None
    text_sha256: str
    chars: int
    backend: Backend
    model_version: str | None = None
    source: SourceOut | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)  # what the input says about itself: title, source, date
    sentences: list[SentenceOut]
    entities: list[EntityOut]
    summary: Summary


class OutputOptions(StrictModel):
    """What to keep in a result. Filters never change offsets."""

    labels: list[Label] | None = None  # keep only sentences with these labels
    entity_types: list[EntityType] | None = None  # keep only these entity types
    include_text: bool = True  # False: only text_sha256 is returned


def _label_of(scores: dict[str, float]) -> str:
    return max(LABELS, key=lambda label: scores.get(label, 0.0))


def build_result(
    doc: SegmentedDocument,
    tagging: Tagging,
    backend: str,
    model_version: str | None = None,
    options: OutputOptions | None = None,
) -> DocumentResult:
    """Assemble the validated output for one document."""
    options = options or OutputOptions()
    text = doc.text
    sentences: list[SentenceOut] = []
    for index, (segment, scores) in enumerate(zip(doc.segments, tagging.sentence_scores, strict=True)):
        sentences.append(
            SentenceOut(
                start=segment.start,
                end=segment.end,
                text=text[segment.start : segment.end],
                label=_label_of(scores),
                scores={label: round(float(scores.get(label, 0.0)), 4) for label in LABELS},
                heading_path=doc.heading_path(index),
                is_heading=segment.is_heading,
            )
        )
    entities = [
        EntityOut(
            start=span.start,
            end=span.end,
            text=text[span.start : span.end],
            type=span.type,
            score=round(float(span.score), 4),
            source=span.source,
            normalized=_normalized(span.normalized) if span.normalized else None,
        )
        for span in sorted(tagging.entities, key=lambda s: (s.start, s.end))
    ]
    found = indicator_fields(text, [(e.start, e.end) for e in entities if e.type == "NUM"],
                             [(s.start, s.end, s.label) for s in sentences])
    entities = [e.model_copy(update={"indicator": IndicatorOut(**found[(e.start, e.end)])}) if e.type == "NUM" else e
                for e in entities]
    result = DocumentResult(
        id=doc.document.id,
        text=text,
        text_sha256=text_sha256(text),
        chars=len(text),
        backend=backend,
        model_version=model_version,
        source=SourceOut(path=doc.document.source, format=doc.document.format, encoding=doc.document.encoding),
        metadata=dict(doc.document.metadata),
        sentences=sentences,
        entities=entities,
        summary=_summarize(sentences, entities),
    )
    return apply_options(result, options)


def _normalized(normalized: Normalized) -> NormalizedValue:
    """The output form: a percentage keeps its figure as written, with the fraction beside it."""
    scale = RATIO_UNITS.get(normalized.unit)
    value = round(normalized.value * scale, 10) if scale else normalized.value
    ratio = normalized.value if scale else None
    return NormalizedValue(value=value, unit=normalized.unit, approximate=normalized.approximate, ratio=ratio)


def apply_options(result: DocumentResult, options: OutputOptions) -> DocumentResult:
    """Keep what the options ask for; the summary is recomputed from what is kept."""
    if options == OutputOptions():
        return result
    sentences, entities = result.sentences, result.entities
    if options.labels is not None:
        sentences = [s for s in sentences if s.label in options.labels]
    if options.entity_types is not None:
        entities = [e for e in entities if e.type in options.entity_types]
    summary = _summarize(sentences, entities)
    if not options.include_text:
        sentences = [s.model_copy(update={"text": None}) for s in sentences]
        summary.indicators = [row.model_copy(update={"sentence": None}) for row in summary.indicators]
    return result.model_copy(
        update={
            "text": result.text if options.include_text else None,
            "sentences": sentences,
            "entities": entities,
            "summary": summary,
        }
    )


def _summarize(sentences: list[SentenceOut], entities: list[EntityOut]) -> Summary:
    label_counts = Counter(s.label for s in sentences)
    type_counts = Counter(e.type for e in entities)
    indicators: list[Indicator] = []
    sentence_index = 0
    for entity in entities:
        if entity.type != "NUM" or entity.normalized is None:
            continue
        while sentence_index < len(sentences) and sentences[sentence_index].end <= entity.start:
            sentence_index += 1
        sentence = sentences[sentence_index] if sentence_index < len(sentences) else None
        if sentence is None or sentence.start > entity.start:
            continue  # the sentence holding it was filtered out
        indicator = entity.indicator
        indicators.append(
            Indicator(
                text=entity.text,
                value=entity.normalized.value,
                unit=entity.normalized.unit,
                approximate=entity.normalized.approximate,
                start=entity.start,
                end=entity.end,
                label=sentence.label,
                sentence=sentence.text,
                sentence_start=sentence.start,
                metric=indicator.metric.text if indicator and indicator.metric else None,
                key=indicator.key if indicator else None,
                kind=indicator.kind if indicator else None,
            )
        )
    return Summary(
        labels={label: label_counts.get(label, 0) for label in LABELS},
        entities={etype: type_counts.get(etype, 0) for etype in ENTITY_TYPES},
        indicators=indicators,
    )
