"""The contract's metric, on hand-made cases where the right figure is known."""

from __future__ import annotations

import json

import pytest

from govtag.errors import GoldFormatError
from govtag.evaluate import AnnotatedDoc, entity_scores, evaluate, label_scores, read_annotated


def doc(segments, entities=(), text="x" * 20, doc_id="d"):
    return AnnotatedDoc(doc_id, text, list(segments), list(entities))


def test_identical_prediction_scores_one():
    gold = doc([(0, 10, "achievement"), (10, 20, "plan")], [(0, 3, "ORG")])
    report = evaluate([gold], [gold])
    assert report["labels"]["per_label"]["achievement"]["f1"] == 1.0
    assert report["entities"]["micro"]["f1"] == 1.0


def test_label_metric_is_per_character_macro_over_four_labels():
    gold = doc([(0, 10, "achievement"), (10, 20, "plan")])
    pred = doc([(0, 15, "achievement"), (15, 20, "plan")])
    scores = label_scores([gold], [pred])
    ach = scores["per_label"]["achievement"]
    assert ach["precision"] == pytest.approx(10 / 15) and ach["recall"] == 1.0
    plan = scores["per_label"]["plan"]
    assert plan["precision"] == 1.0 and plan["recall"] == pytest.approx(0.5)
    # problem and other have no gold and no prediction: F1 0 each, macro over all four
    expected = (2 * (10 / 15) / (1 + 10 / 15) + 2 * 0.5 / 1.5) / 4
    assert scores["macro_f1"] == pytest.approx(expected)


def test_uncovered_characters_count_as_misses_and_whitespace_is_not_scored():
    gold = doc([(0, 5, "other"), (10, 20, "plan")])  # 5..10 is whitespace: no gold label
    pred = doc([(0, 5, "other"), (5, 10, "plan"), (12, 20, "plan")])
    scores = label_scores([gold], [pred])
    assert scores["per_label"]["plan"]["recall"] == pytest.approx(8 / 10)
    assert scores["per_label"]["plan"]["precision"] == 1.0


def test_entities_need_exact_span_and_type():
    gold = doc([(0, 20, "other")], [(0, 3, "ORG"), (5, 8, "NUM")])
    pred = doc([(0, 20, "other")], [(0, 3, "ORG"), (5, 9, "NUM"), (10, 12, "POLICY")])
    scores = entity_scores([gold], [pred])
    assert scores["per_type"]["ORG"]["f1"] == 1.0
    assert scores["per_type"]["NUM"]["f1"] == 0.0
    assert scores["micro"]["precision"] == pytest.approx(1 / 3)
    assert scores["micro"]["recall"] == pytest.approx(1 / 2)


def test_missing_prediction_is_an_error():
    with pytest.raises(GoldFormatError, match="no prediction for: b"):
        evaluate([doc([], doc_id="a"), doc([], doc_id="b")], [doc([], doc_id="a")])


def test_bad_lines_report_the_line_number(tmp_path):
    path = tmp_path / "gold.jsonl"
    good = {"id": "a", "text": "abc", "segments": [{"start": 0, "end": 3, "label": "plan"}], "entities": []}
    path.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(GoldFormatError, match=r"gold.jsonl:2: invalid JSON"):
        read_annotated(path)
    bad_label = dict(good, segments=[{"start": 0, "end": 3, "label": "future"}])
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad_label) + "\n", encoding="utf-8")
    with pytest.raises(GoldFormatError, match=r":2: unknown label 'future'"):
        read_annotated(path)
