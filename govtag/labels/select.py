"""Choosing which documents to send for labelling.

``uncertain`` ranks documents by the model's mean sentence-label entropy: for each
sentence, the entropy of its four label scores divided by log 4 (0 = certain of
one label, 1 = all four equally likely), averaged over the document's sentences.
A document whose sentences the model cannot tell apart is where a person's
labels teach it most. ``random`` is the control: the same number, drawn with a
seed so that a comparison can be repeated.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Literal

from govtag import LABELS
from govtag.schema import DocumentResult

How = Literal["uncertain", "random"]
HOW: tuple[str, ...] = ("uncertain", "random")


def sentence_entropy(scores: dict[str, float]) -> float:
    """Normalised entropy (0..1) of one sentence's label scores; the scores are renormalised first."""
    values = [max(float(scores.get(label, 0.0)), 0.0) for label in LABELS]
    total = sum(values)
    if total <= 0:
        return 1.0  # no opinion at all
    entropy = -sum(v / total * math.log(v / total) for v in values if v > 0)
    return entropy / math.log(len(LABELS))


def uncertainty(result: DocumentResult) -> float:
    """The mean sentence-label entropy of a document (0..1); 0 for a document without sentences."""
    if not result.sentences:
        return 0.0
    return sum(sentence_entropy(s.scores) for s in result.sentences) / len(result.sentences)


def select(results: Sequence[DocumentResult], how: How, count: int, seed: int = 0) -> list[DocumentResult]:
    """``count`` of ``results`` (all of them if there are fewer), in their input order.

    ``uncertain``: the highest :func:`uncertainty`, ties broken by document id.
    ``random``: a sample drawn with ``random.Random(seed)``.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if how == "uncertain":
        ranked = sorted(range(len(results)), key=lambda i: (-uncertainty(results[i]), results[i].id))
        chosen = set(ranked[:count])
    elif how == "random":
        chosen = set(random.Random(seed).sample(range(len(results)), min(count, len(results))))
    else:
        raise ValueError(f"unknown selection {how!r} (expected one of {', '.join(HOW)})")
    return [result for i, result in enumerate(results) if i in chosen]
