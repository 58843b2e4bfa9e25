"""Compile a word list into a trie-shaped regular expression.

A plain alternation of a few hundred words (``司法局|公安局|…``) is tried word by
word at every position of the text; the trie form (``司法(?:局|厅)|公安…``)
branches on each character once, which keeps the lexicon scans linear-time
fast on megabyte inputs.  Longer words are preferred, as with a
longest-first alternation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""


def trie_pattern(words: Iterable[str]) -> str:
    """A regex (no groups) matching any of ``words``, preferring the longest."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _render(trie)


def _render(node: dict) -> str:
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:  # a word may stop here; try the longer words first
        return "(?:" + body + ")?"
    return body
