"""jieba's dictionary read in place, and jieba's part-of-speech cut on top of it.

The rules look up two-character words (:mod:`govtag.rules.places`) and cut
short institution names into tagged words (:mod:`govtag.rules.org`).  jieba
itself first turns its 350,000-line dictionary into two Python tables -- the
prefix table (0.6 s from its cache) and, on ``import jieba.posseg``, the word
-> tag table (0.5 s) -- which would make the first ORG search of a process take
about a second while the search itself takes milliseconds.  Here the dictionary's
lines are kept as one sorted list and found by bisection (about 0.1 s to
load), and jieba's own DAG and route code runs on it, so :func:`pos_cut`
returns exactly what ``jieba.posseg.lcut(text, HMM=False)`` returns.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import NamedTuple

import jieba


class Token(NamedTuple):
    """A word and its part-of-speech tag, as ``jieba.posseg.pair`` holds them."""

    word: str
    flag: str


class Dictionary:
    """jieba's dictionary file (``word frequency tag`` lines): each word's frequency and tag."""

    def __init__(self, text: str) -> None:
        self._text = text
        # A space sorts before every character of a word, so the lines of a word
        # and of the words it begins are contiguous, in word order.
        self._lines = sorted(text.splitlines())
        # jieba's total counts every line, a word listed twice included.
        self.total = sum(map(int, text.split()[1::3]))

    def entry(self, word: str) -> tuple[int, str] | None:
        """(frequency, tag) of ``word``, or None when the dictionary does not list it."""
        key = word + " "
        index = bisect.bisect_left(self._lines, key)
        if index == len(self._lines) or not self._lines[index].startswith(key):
            return None
        line = self._lines[index]
        if index + 1 < len(self._lines) and self._lines[index + 1].startswith(key):
            line = self._last_line(key)  # listed twice (B超): the last line wins, as in jieba
        _, frequency, tag = line.split(" ")
        return int(frequency), tag

    def begins_word(self, fragment: str) -> bool:
        """Whether some word starts with ``fragment`` (a word, or a prefix of one)."""
        if " " in fragment:
            return False
        index = bisect.bisect_left(self._lines, fragment)
        return index < len(self._lines) and self._lines[index].startswith(fragment)

    def _last_line(self, key: str) -> str:
        start = self._text.rfind("\n" + key) + 1
        end = self._text.find("\n", start)
        return self._text[start : end if end >= 0 else len(self._text)]


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """jieba's default dictionary, read once."""
    with jieba.get_dict_file() as handle:
        return Dictionary(handle.read().decode("utf-8"))


# The rules ask for the same few thousand words over and over; a bisection
# costs about ten times a cache hit.
@lru_cache(maxsize=1 << 16)
def word_entry(word: str) -> tuple[int, str] | None:
    """(frequency, tag) of ``word`` in jieba's default dictionary, or None."""
    return dictionary().entry(word)


@lru_cache(maxsize=1 << 16)
def begins_word(fragment: str) -> bool:
    """Whether a word of jieba's default dictionary starts with ``fragment``."""
    return dictionary().begins_word(fragment)


class _Frequencies:
    """jieba's prefix table (``Tokenizer.FREQ``) answered from the default dictionary.

    As in jieba: a word's frequency, 0 for a prefix of a word that is not a
    word itself, absent for anything else.
    """

    def __contains__(self, fragment: str) -> bool:
        return begins_word(fragment)

    def __getitem__(self, fragment: str) -> int:
        frequency = self.get(fragment)
        if frequency is None:
            raise KeyError(fragment)
        return frequency

    def get(self, fragment: str, default: int | None = None) -> int | None:
        entry = word_entry(fragment)
        if entry is not None:
            return entry[0]
        return 0 if begins_word(fragment) else default


class _Tokenizer(jieba.Tokenizer):
    """jieba's tokenizer, its word graph and best route, reading the default dictionary in place."""

    def __init__(self) -> None:
        super().__init__()
        self.FREQ = _Frequencies()
        self.total = dictionary().total
        self.initialized = True  # nothing left for jieba to load


@lru_cache(maxsize=1)
def _tokenizer() -> _Tokenizer:
    return _Tokenizer()


# jieba.posseg's character classes.
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&._]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_NUMBER = re.compile(r"[.0-9]+")
_LATIN = re.compile("[a-zA-Z0-9]+")
_LATIN_CHAR = re.compile("^[a-zA-Z0-9]$")


def pos_cut(text: str) -> list[Token]:
    """``text`` cut into tagged words, as ``jieba.posseg.lcut(text, HMM=False)`` cuts it."""
    tokens: list[Token] = []
    for block in _HAN.split(text):
        if _HAN.match(block):
            tokens += _cut_block(block)
            continue
        for part in _SKIP.split(block):
            if _SKIP.match(part):
                tokens.append(Token(part, "x"))
                continue
            for char in part:  # jieba tests the whole part for Latin letters, not the character
                flag = "m" if _NUMBER.match(char) else "eng" if _LATIN.match(part) else "x"
                tokens.append(Token(char, flag))
    return tokens


def _cut_block(block: str) -> list[Token]:
    """A run of word characters cut along jieba's best route; Latin letters and digits run together."""
    tokenizer = _tokenizer()
    route: dict[int, tuple[float, int]] = {}
    tokenizer.calc(block, tokenizer.get_DAG(block), route)
    tokens: list[Token] = []
    latin = ""
    start = 0
    while start < len(block):
        end = route[start][1] + 1
        word = block[start:end]
        start = end
        if _LATIN_CHAR.match(word):
            latin += word
            continue
        if latin:
            tokens.append(Token(latin, "eng"))
            latin = ""
        entry = word_entry(word)
        tokens.append(Token(word, entry[1] if entry else "x"))
    if latin:
        tokens.append(Token(latin, "eng"))
    return tokens
