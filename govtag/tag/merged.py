"""The merged backend: the model and the rules, each where it is strongest.

Label scores are a weighted mix of the two backends' probabilities; entities of
each type come from the source the config names (rules, model or their union).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govtag import LABELS
from govtag.config import MergeConfig
from govtag.rules.num import find_numbers
from govtag.rules.spans import longest_first
from govtag.tag.base import Tagger
from govtag.tag.steps import Steps, Wanted, run_steps
from govtag.types import EntitySpan, SegmentedDocument, Tagging


class MergedTagger(Tagger):
    name = "merged"

    def __init__(self, rules: Tagger, model: Tagger, config: MergeConfig | None = None) -> None:
        self.rules = rules
        self.model = model
        self.config = config or MergeConfig()

    @property
    def version(self) -> str | None:
        return self.model.version

    def info(self) -> dict[str, Any]:
        return {**self.model.info(), "backend": self.name, "merge": self.config.model_dump()}

    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        return run_steps(self.tag_steps(docs))

    def tag_steps(
        self, docs: Sequence[SegmentedDocument], wanted: Wanted = None, *, entities: bool = True
    ) -> Steps[list[Tagging]]:
        """The rules in one step, then the model's steps (without entities when no type is taken from it)."""
        model_entities = entities and any(source != "rules" for source in self.config.entity_sources.values())
        rule_tags = yield from self.rules.tag_steps(docs, wanted, entities=entities)
        model_tags = yield from self.model.tag_steps(docs, wanted, entities=model_entities)
        return [
            Tagging(
                sentence_scores=[self._mix(r, m) for r, m in zip(rt.sentence_scores, mt.sentence_scores)],
                entities=self._entities(doc.text, rt.entities, mt.entities),
            )
            for doc, rt, mt in zip(docs, rule_tags, model_tags)
        ]

    def _mix(self, rules: dict[str, float], model: dict[str, float]) -> dict[str, float]:
        w = self.config.model_label_weight
        return {label: w * model.get(label, 0.0) + (1 - w) * rules.get(label, 0.0) for label in LABELS}

    def _entities(self, text: str, rules: list[EntitySpan], model: list[EntitySpan]) -> list[EntitySpan]:
        chosen: list[EntitySpan] = []
        for etype, source in self.config.entity_sources.items():
            from_rules = [e for e in rules if e.type == etype]
            from_model = [_with_value(text, e) for e in model if e.type == etype]
            if source == "rules":
                chosen += from_rules
            elif source == "model":
                chosen += from_model
            else:
                taken = list(from_rules)
                taken += [m for m in from_model if not any(_overlaps(m, r) for r in from_rules)]
                chosen += taken
        return longest_first(chosen)


def _overlaps(a: EntitySpan, b: EntitySpan) -> bool:
    return a.start < b.end and b.start < a.end


def _with_value(text: str, span: EntitySpan) -> EntitySpan:
    """Give a model NUM the rules' normalised value when the rules read the same span."""
    if span.type != "NUM" or span.normalized is not None:
        return span
    for found in find_numbers(text[span.start : span.end]):
        if found.start == 0 and found.end == span.end - span.start:
            return EntitySpan(span.start, span.end, "NUM", span.score, span.source, found.normalized)
    return span
