"""Converting offsets between Python string indices and UTF-16 code units.

Browser-based labelling tools count in UTF-16 code units (JavaScript string
indices), so after a character outside the Basic Multilingual Plane (an emoji,
a CJK Extension B character such as 𠀀) their offsets run ahead of Python's by
one for each such character. govtag's offsets are always Python indices.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right


class Utf16Offsets:
    """Maps between the Python indices and the UTF-16 offsets of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Python indices of the characters that take two UTF-16 code units
        self._astral = [i for i, char in enumerate(text) if ord(char) > 0xFFFF]
        # the UTF-16 offset just after each of them (the j-th starts j units late)
        self._pair_ends = [index + j + 2 for j, index in enumerate(self._astral)]

    @property
    def differs(self) -> bool:
        """Whether the two conventions disagree anywhere in this text."""
        return bool(self._astral)

    @property
    def utf16_length(self) -> int:
        return len(self.text) + len(self._astral)

    def to_utf16(self, index: int) -> int:
        """The UTF-16 offset of the Python index ``index`` (0..len(text))."""
        return index + bisect_left(self._astral, index)

    def from_utf16(self, offset: int) -> int | None:
        """The Python index at UTF-16 offset ``offset``; None if it is out of range or splits a character."""
        if not 0 <= offset <= self.utf16_length:
            return None
        index = offset - bisect_right(self._pair_ends, offset)  # less one per pair wholly before it
        return index if self.to_utf16(index) == offset else None
