"""The rules-only backend: heading structure and cue phrases for labels, rule extractors for entities."""

from __future__ import annotations

from collections.abc import Sequence

from govtag.rules.entities import extract_entities
from govtag.rules.labels import score_segments
from govtag.tag.base import Tagger
from govtag.types import SegmentedDocument, Tagging


class RulesTagger(Tagger):
    name = "rules"

    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        return [
            Tagging(sentence_scores=score_segments(doc), entities=extract_entities(doc.text))
            for doc in docs
        ]
