"""Label smoothing along a document: neighbouring sentences of one paragraph tend to
share a label.

Per-segment label probabilities are treated as the emissions of a chain whose
transition matrix is *sticky* (a segment keeps the previous segment's label with
probability ``stay``); forward-backward gives each segment's posterior. The
stickiness follows the layout: strong inside a paragraph, weaker across a line
break, none at a heading (headings carry their own evidence) and none out of
``other`` (menus and salutations do not spread). Both the rules and the model
backends use it, so a sentence that says little by itself takes its paragraph's
label whichever backend scored it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from govtag import LABELS
from govtag.types import SegmentedDocument

STAY_SAME_LINE = 0.75
STAY_NEW_LINE = 0.55
STAY_AT_HEADING = 0.25  # uniform: headings carry their own prior
STAY_OTHER = 0.25  # uniform: "other" segments (menus, salutations) do not spread

_LINE_BREAKS = "\n\r\u2028\u2029"


def new_paragraphs(doc: SegmentedDocument) -> list[bool]:
    """Whether each segment starts a new line (the first segment always does)."""
    segs = doc.segments
    return [
        i == 0 or any(c in doc.text[segs[i - 1].end : s.start] for c in _LINE_BREAKS)
        for i, s in enumerate(segs)
    ]


def layout_stays(doc: SegmentedDocument) -> list[float]:
    """The stickiness between each segment and the one before it (the first gets 0)."""
    segs = doc.segments
    fresh = new_paragraphs(doc)
    out = [0.0]
    for i in range(1, len(segs)):
        if segs[i - 1].is_heading or segs[i].is_heading:
            out.append(STAY_AT_HEADING)
        else:
            out.append(STAY_NEW_LINE if fresh[i] else STAY_SAME_LINE)
    return out


@lru_cache(maxsize=16)
def _transition(stay: float) -> tuple[tuple[float, ...], ...]:
    k = len(LABELS)
    rows = []
    for a in range(k):
        s = STAY_OTHER if LABELS[a] == "other" else stay
        rows.append(tuple(s if a == b else (1 - s) / (k - 1) for b in range(k)))
    return tuple(rows)


def forward_backward(emissions: Sequence[Sequence[float]], stays: Sequence[float]) -> list[list[float]]:
    """Posterior label probabilities of a chain with the given emissions and stickiness."""
    n, k = len(emissions), len(LABELS)
    if n == 0:
        return []
    trans = [_transition(s) for s in stays]
    fwd = []
    alpha = list(emissions[0])
    z = sum(alpha) or 1.0
    fwd.append([a / z for a in alpha])
    for i in range(1, n):
        t, prev = trans[i], fwd[-1]
        alpha = [emissions[i][b] * sum(prev[a] * t[a][b] for a in range(k)) for b in range(k)]
        z = sum(alpha) or 1.0
        fwd.append([a / z for a in alpha])
    bwd = [[1.0] * k for _ in range(n)]
    for i in range(n - 2, -1, -1):
        t, nxt = trans[i + 1], bwd[i + 1]
        beta = [sum(t[a][b] * emissions[i + 1][b] * nxt[b] for b in range(k)) for a in range(k)]
        z = sum(beta) or 1.0
        bwd[i] = [b / z for b in beta]
    post = []
    for i in range(n):
        p = [fwd[i][a] * bwd[i][a] for a in range(k)]
        z = sum(p) or 1.0
        post.append([x / z for x in p])
    return post


def smooth_scores(doc: SegmentedDocument, scores: Sequence[dict[str, float]]) -> list[dict[str, float]]:
    """``scores`` (one label distribution per segment) smoothed along ``doc``'s layout."""
    emissions = [[s.get(label, 0.0) for label in LABELS] for s in scores]
    post = forward_backward(emissions, layout_stays(doc))
    return [dict(zip(LABELS, p, strict=True)) for p in post]
