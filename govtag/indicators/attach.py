"""Indicators for a tagged document: the rules extractor over its NUM entities, with metric keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govtag.indicator_labels import Span
from govtag.indicators.normalize import metric_key
from govtag.indicators.rules import extract


def indicator_fields(text: str, nums: Sequence[tuple[int, int]],
                     sentences: Sequence[tuple[int, int, str]]) -> dict[tuple[int, int], dict[str, Any]]:
    """``{(start, end): {"metric", "kind", "period", "subject", "key"}}`` for each NUM span, in one pass."""

    def span(value: Span | None) -> dict[str, Any] | None:
        return None if value is None else value.to_dict()

    return {
        (i.num.start, i.num.end): {"metric": span(i.metric), "kind": i.kind, "period": span(i.period),
                                   "subject": span(i.subject), "key": metric_key(i.metric.text if i.metric else None)}
        for i in extract(text, nums, sentences)
    }
