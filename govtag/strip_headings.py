"""Delete the heading lines of a report, and move its gold annotations with the text.

Many real reports drop their headings; scoring a gold file with its headings
deleted shows how much a tagger leans on them (``govtag evaluate
--strip-headings``, ``govtag crossval --strip-headings``).

What a heading is: the gold files carry no heading flag (ANNOTATION.md, section 3:
a segment has only offsets and a label), so the headings are the ones the
project's segmenter finds on the gold text (:class:`~govtag.segment.SentenceSplitter`):
numbered headings (一、…, （一）…, 1. …) and short unnumbered heading lines
(titles, section names). A heading that fills its line is deleted with the line
and its line break; a numbered title that a paragraph continues on the same line
(（一）依法全面履行政府职能。一是……) is deleted with the spaces after it, and the
paragraph stays.

Gold segments keep the characters that survive, relabelled at their new offsets
(a heading segment disappears); an entity survives only when none of its
characters was deleted, so ``text[start:end]`` is the same span text before and
after.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from govtag.evaluate import AnnotatedDoc
from govtag.segment import SentenceSplitter
from govtag.types import Document


@dataclass(frozen=True)
class OffsetMap:
    """Where the characters of the original text went.

    ``kept[i]`` says whether original character ``i`` survives; ``before[i]`` is
    the number of surviving characters before original offset ``i`` (so an
    original offset maps to ``before[i]`` in the stripped text).
    """

    kept: bytes
    before: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The stripped-text span of the surviving characters of ``[start, end)``; None when none survive.

        The survivors of one span are contiguous in the stripped text even when a
        deletion cut through the span.
        """
        new_start, new_end = self.before[start], self.before[end]
        return (new_start, new_end) if new_start < new_end else None

    def intact(self, start: int, end: int) -> bool:
        """Whether every character of ``[start, end)`` survives."""
        return self.before[end] - self.before[start] == end - start


def _line_ends(text: str) -> list[int]:
    """End offset (after the line break) of each line; str.splitlines breaks where the segmenter does."""
    return list(accumulate(len(line) for line in text.splitlines(keepends=True)))


def heading_ranges(text: str, splitter: SentenceSplitter | None = None) -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges of ``text`` that stripping deletes, in order."""
    splitter = splitter or SentenceSplitter()
    ends = _line_ends(text)
    ranges: list[tuple[int, int]] = []
    for seg in splitter.split(Document("", text)).segments:
        if not seg.is_heading:
            continue
        line = bisect_right(ends, seg.start)
        line_start = ends[line - 1] if line else 0
        line_end = ends[line] if line < len(ends) else len(text)
        rest = seg.end
        while rest < line_end and text[rest].isspace():
            rest += 1
        if rest == line_end:
            ranges.append((line_start, line_end))  # the whole line, with its break
        else:
            ranges.append((seg.start, rest))  # the title only; its paragraph goes on
    return ranges


def strip_headings(text: str, splitter: SentenceSplitter | None = None) -> tuple[str, OffsetMap]:
    """``text`` without its heading lines, and the map from its offsets to the stripped text's."""
    kept = bytearray(b"\x01" * len(text))
    for start, end in heading_ranges(text, splitter):
        kept[start:end] = bytes(end - start)
    before = tuple(accumulate(kept, initial=0))
    stripped = "".join(ch for ch, keep in zip(text, kept) if keep)
    return stripped, OffsetMap(bytes(kept), before)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def strip_gold(doc: AnnotatedDoc, splitter: SentenceSplitter | None = None) -> AnnotatedDoc:
    """The gold document with its heading lines deleted and every offset remapped.

    Segments keep their surviving characters (trimmed of whitespace, as gold
    segments are); heading segments and entities inside deleted text disappear.
    """
    text, offsets = strip_headings(doc.text, splitter)
    segments = []
    for start, end, label in doc.segments:
        span = offsets.span(start, end)
        if span is not None:
            new_start, new_end = _trimmed(text, *span)
            if new_start < new_end:
                segments.append((new_start, new_end, label))
    entities = [
        (offsets.before[start], offsets.before[end], etype)
        for start, end, etype in doc.entities
        if offsets.intact(start, end)
    ]
    return AnnotatedDoc(doc.id, text, segments, entities)
