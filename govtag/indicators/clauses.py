"""Clauses of a sentence (docs/indicators.md, section 1): stretches between ，,：:（）() or the sentence's ends.

Punctuation inside “” or 《》 does not end a clause. A short bracket with no figure
in it (村(社区), 离任(任中)) belongs to the name around it. In a list of figures,
、 ends a clause when a figure stands before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_BREAKS = frozenset("，,：:；;。！？!?")
_OPEN, _CLOSE = "（(", "）)"
_QUOTES = {"“": "”", "《": "》"}
_AFTER_FIGURE = re.compile(r"(?:以上|以下|左右|多|余|\s|\u00a0)*$")
_SHORT_BRACKET = re.compile(r"[（(][^\d（()）,，:：]{1,4}[）)]")


def clause_bounds(text: str, start: int, end: int, nums: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The clauses of ``text[start:end]`` as absolute ``(start, end)`` pairs, punctuation left out."""
    num_ends = {e for _, e in nums}
    inside_num = [False] * (end - start)
    for s, e in nums:
        for i in range(max(s, start), min(e, end)):
            inside_num[i - start] = True
    bounds: list[tuple[int, int]] = []
    clause_start, closing, i = start, None, start
    while i < end:
        ch = text[i]
        if closing is not None:
            closing = None if ch == closing else closing
            i += 1
            continue
        if ch in _QUOTES and text.find(_QUOTES[ch], i + 1, end) != -1:
            closing = _QUOTES[ch]
            i += 1
            continue
        if ch in _OPEN:
            short = _SHORT_BRACKET.match(text, i, end)
            if short and i > clause_start:
                i = short.end()
                continue
        is_break = ch in _BREAKS or ch in _OPEN or ch in _CLOSE
        if ch == "、" and not inside_num[i - start]:
            before = text[clause_start:i]
            tail = _AFTER_FIGURE.search(before)
            is_break = tail is not None and (clause_start + tail.start()) in num_ends
        if is_break and not inside_num[i - start]:
            if i > clause_start:
                bounds.append((clause_start, i))
            clause_start = i + 1
        i += 1
    if end > clause_start:
        bounds.append((clause_start, end))
    return bounds
