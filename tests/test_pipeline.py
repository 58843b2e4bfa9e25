"""The rules pipeline end to end on the seeds: schema, offsets, floors of the issue."""

from __future__ import annotations

import pytest

from govtag.schema import OutputOptions
from tests.floors import assert_seed_floors
from tests.paths import SEEDS


def assert_offsets(result, text):
    """Every offset indexes ``text``; sentence texts are checked where the output keeps them (not with --no-text)."""
    for item in [*result.sentences, *result.entities]:
        assert 0 <= item.start < item.end <= len(text)
        if item.text is not None:
            assert text[item.start : item.end] == item.text
    for row in result.summary.indicators:
        assert text[row.start : row.end] == row.text


def test_ludian_doc_numbers_and_offsets(rules_pipeline):
    path = SEEDS / "reports" / "ludian-2020.txt"
    result = rules_pipeline.annotate_path(path)
    text = path.read_text(encoding="utf-8")
    assert result.id == "ludian-2020" and result.text == text
    assert_offsets(result, text)
    doc_nos = {e.text for e in result.entities if e.type == "DOC_NO"}
    assert {"鲁政办发〔2019〕63号", "鲁政办发〔2019〕40号", "昭政办发〔2019〕54号"} <= doc_nos
    assert all(e.source == "rules" for e in result.entities)


def test_every_sentence_has_scores_and_heading_path(rules_pipeline):
    text = (SEEDS / "reports" / "ledu-2020.txt").read_text(encoding="utf-8")
    result = rules_pipeline.annotate(text, "ledu")
    for sentence in result.sentences:
        assert sum(sentence.scores.values()) == pytest.approx(1.0, abs=1e-3)
        assert sentence.label == max(sentence.scores, key=sentence.scores.get)
    nested = [s for s in result.sentences if len(s.heading_path) >= 2]
    assert nested, "the report's headings should nest"
    assert nested[0].heading_path[0].startswith("一、")


def test_summary_counts_match_the_lists(rules_pipeline):
    text = (SEEDS / "reports" / "yinzhou-2022.txt").read_text(encoding="utf-8")
    result = rules_pipeline.annotate(text)
    assert sum(result.summary.labels.values()) == len(result.sentences)
    assert sum(result.summary.entities.values()) == len(result.entities)
    nums = [e for e in result.entities if e.type == "NUM"]
    assert len(result.summary.indicators) == len(nums)
    percent = [r for r in result.summary.indicators if r.unit == "%"]
    assert percent and all(0 <= r.value <= 100 for r in percent)


def test_options_filter_without_moving_offsets(rules_pipeline):
    text = (SEEDS / "reports" / "ludian-2020.txt").read_text(encoding="utf-8")
    full = rules_pipeline.annotate(text)
    only = rules_pipeline.annotate(text, options=OutputOptions(labels=["problem"], entity_types=["DOC_NO"],
                                                               include_text=False))
    assert only.text is None and only.text_sha256 == full.text_sha256
    assert {s.label for s in only.sentences} == {"problem"}
    assert all(s.text is None for s in only.sentences)  # --no-text drops the sentence texts too
    assert [(e.start, e.end) for e in only.entities] == [
        (e.start, e.end) for e in full.entities if e.type == "DOC_NO"]
    assert_offsets(only, text)


def test_rules_floors_on_the_seeds(rules_pipeline):
    """The floors the model must later keep (issue: DOC_NO ≥ .95, NUM ≥ .93, POLICY ≥ .97, labels ≥ .80)."""
    assert_seed_floors(rules_pipeline)


def test_full_width_digits_in_a_report(rules_pipeline):
    text = "一、工作开展情况\n全年共办理行政复议案件２２件，办结率达９８．５％。"
    result = rules_pipeline.annotate(text)
    assert_offsets(result, text)
    nums = {e.text: e.normalized for e in result.entities if e.type == "NUM"}
    assert "２２件" in nums and nums["２２件"].value == 22
    assert "９８．５％" in nums and nums["９８．５％"].value == pytest.approx(98.5)
    assert nums["９８．５％"].ratio == pytest.approx(0.985)
