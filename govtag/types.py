"""Internal data passed between the pipeline stages.

These are plain dataclasses; the public, validated output is in :mod:`govtag.schema`.
All offsets are Python string indices into ``text``, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LineRole:
    """What the source format says about the line of ``Document.text`` that starts at ``start``.

    A Word heading (heading style or heading-level numbering) is a heading even when
    its text has no enumeration marker; a table row is never a heading.
    """

    start: int  # offset of the line's first character
    kind: str  # "heading" | "table_row"
    level: int | None = None  # heading depth, 1 = top; None for table rows


@dataclass(frozen=True)
class Document:
    """The text of one report as ingested; every offset downstream indexes ``text``."""

    id: str
    text: str
    source: str | None = None  # path or "<stdin>"
    format: str = "txt"  # txt | html | docx | pdf
    encoding: str | None = None  # detected encoding for byte inputs
    line_roles: tuple[LineRole, ...] = ()  # from the file's structure (docx), in text order
    # What a web page says about itself: "title", "source" (来源, the publishing office), "date" (发布时间).
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """A heading or a sentence."""

    start: int
    end: int
    is_heading: bool = False
    level: int | None = None  # heading depth, 1 = top (一、), None for sentences
    parent: int | None = None  # index of the nearest enclosing heading segment


@dataclass
class SegmentedDocument:
    document: Document
    segments: list[Segment]

    @property
    def text(self) -> str:
        return self.document.text

    def heading_path(self, index: int) -> list[str]:
        """Texts of the enclosing headings, outermost first (excluding the segment itself)."""
        path: list[str] = []
        parent = self.segments[index].parent
        while parent is not None:
            seg = self.segments[parent]
            path.append(self.text[seg.start : seg.end])
            parent = seg.parent
        return path[::-1]


@dataclass(frozen=True)
class Normalized:
    value: float
    unit: str
    approximate: bool = False


@dataclass(frozen=True)
class EntitySpan:
    start: int
    end: int
    type: str
    score: float = 1.0
    source: str = "rules"  # rules | model
    normalized: Normalized | None = None


@dataclass
class Tagging:
    """What a tagger says about one segmented document.

    ``sentence_scores[i]`` holds a probability for each label of ``segments[i]``.
    """

    sentence_scores: list[dict[str, float]]
    entities: list[EntitySpan] = field(default_factory=list)
