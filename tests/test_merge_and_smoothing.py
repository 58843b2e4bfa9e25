"""The merged backend's combination rules and the layout smoothing, on fixed inputs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from govtag import LABELS
from govtag.config import MergeConfig
from govtag.segment import SentenceSplitter
from govtag.smoothing import layout_stays, smooth_scores
from govtag.tag.base import Tagger
from govtag.tag.merged import MergedTagger
from govtag.types import Document, EntitySpan, SegmentedDocument, Tagging

TEXT = "区司法局会同市政府办公室开展培训12次。\n下一步将继续。"


class Fixed(Tagger):
    """A tagger that returns the same scores and spans for every document."""

    def __init__(self, name: str, scores: dict[str, float], spans: list[EntitySpan]) -> None:
        self.name, self.scores, self.spans = name, scores, spans

    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        return [Tagging([dict(self.scores) for _ in d.segments], list(self.spans)) for d in docs]


def _doc(text: str = TEXT) -> SegmentedDocument:
    return SentenceSplitter().split(Document("d", text))


RULES = Fixed("rules", {"achievement": 1.0, "problem": 0.0, "plan": 0.0, "other": 0.0},
              [EntitySpan(0, 4, "ORG"), EntitySpan(16, 19, "NUM")])
MODEL = Fixed("model", {"achievement": 0.0, "problem": 0.0, "plan": 1.0, "other": 0.0},
              [EntitySpan(2, 6, "ORG", 0.9, "model"), EntitySpan(6, 12, "ORG", 0.8, "model"),
               EntitySpan(16, 18, "NUM", 0.9, "model")])


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.8, 1.0])
def test_label_scores_are_the_configured_mixture(weight):
    merged = MergedTagger(RULES, MODEL, MergeConfig(model_label_weight=weight))
    for scores in merged.tag(_doc()).sentence_scores:
        assert scores["plan"] == pytest.approx(weight)
        assert scores["achievement"] == pytest.approx(1 - weight)


@pytest.mark.parametrize(
    "org_source, expected",
    [
        ("rules", {(0, 4, "rules")}),
        ("model", {(2, 6, "model"), (6, 12, "model")}),
        # rules first; the model's spans only where they overlap no rule span
        ("union", {(0, 4, "rules"), (6, 12, "model")}),
    ],
)
def test_org_source(org_source, expected):
    config = MergeConfig(entity_sources={"ORG": org_source, "DOC_NO": "rules", "NUM": "rules", "POLICY": "rules"})
    entities = MergedTagger(RULES, MODEL, config).tag(_doc()).entities
    assert {(e.start, e.end, e.source) for e in entities if e.type == "ORG"} == expected
    assert [(e.start, e.end, e.source) for e in entities if e.type == "NUM"] == [(16, 19, "rules")]


def test_stays_follow_the_layout():
    doc = _doc("一、工作开展情况\n开展培训。印发方案。\n下一步将继续。")
    assert [s.is_heading for s in doc.segments] == [True, False, False, False]
    stays = layout_stays(doc)
    assert stays[1] < stays[3] < stays[2]  # after a heading < across a line break < inside a line


def test_smoothing_pulls_an_unsure_sentence_to_its_neighbours():
    doc = _doc("开展培训。印发方案。召开会议。")
    sure = {"achievement": 0.9, "problem": 0.03, "plan": 0.04, "other": 0.03}
    unsure = {"achievement": 0.3, "problem": 0.05, "plan": 0.6, "other": 0.05}
    smoothed = smooth_scores(doc, [sure, unsure, sure])
    assert max(LABELS, key=smoothed[1].get) == "achievement"
    assert all(sum(s.values()) == pytest.approx(1.0) for s in smoothed)
    # a confident sentence keeps its own label
    confident = {"achievement": 0.02, "problem": 0.02, "plan": 0.94, "other": 0.02}
    assert max(LABELS, key=smooth_scores(doc, [sure, confident, sure])[1].get) == "plan"
