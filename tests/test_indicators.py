"""The indicator extractor, its metric keys, its scores and where its output shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from govtag.cli.main import main
from govtag.evaluate import read_annotated
from govtag.indicator_labels import Indicator, Span, read_indicators
from govtag.indicators.clauses import clause_bounds
from govtag.indicators.evaluate import crossval, evaluate, tally
from govtag.indicators.normalize import metric_key
from govtag.indicators.rules import RuleSettings, extract

ROOT = Path(__file__).resolve().parent.parent
SEED_GOLD, SEED_INDICATORS = ROOT / "seeds" / "gold.jsonl", ROOT / "seeds" / "indicators.jsonl"
NUM = re.compile(r"\d+(?:\.\d+)?(?:万元|%|件|个|名|人次|项)")


def _one(sentence: str, label: str = "achievement") -> list[Indicator]:
    nums = [(m.start(), m.end()) for m in NUM.finditer(sentence)]
    return extract(sentence, nums, [(0, len(sentence), label)])


def _fields(found: list[Indicator]) -> list[tuple[str | None, str]]:
    return [(i.metric.text if i.metric else None, i.kind) for i in found]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("受理行政复议案件22件。", [("受理行政复议案件", "count")]),  # 3.1 B
        ("共收到17件行政诉讼案件。", [("行政诉讼案件", "count")]),  # 3.1 A: the noun after the figure
        ("出庭率90.20%。", [("出庭率", "rate")]),
        ("企业和群众办事所需提供材料减少32%。", [("企业和群众办事所需提供材料", "change")]),
        ("网上办理事项增加到3797项。", [("网上办理事项", "count")]),  # a new level is not a change
        ("拟调入2名能胜任行政复议工作岗位的人员。", [("能胜任行政复议工作岗位的人员", "target")]),
        ("优秀案卷数208件占比33%。", [("优秀案卷数", "count"), ("优秀案卷数", "rate")]),  # 3.1 D: borrowed
        ("其中政务事项57项。", [("政务事项", "count")]),  # 其中 is left out
    ],
)
def test_contract_examples(sentence: str, expected: list[tuple[str | None, str]]) -> None:
    found = _one(sentence)
    assert _fields(found) == expected
    for indicator in found:
        for span in (indicator.metric, indicator.period, indicator.subject):
            assert span is None or sentence[span.start : span.end] == span.text


def test_period_and_subject_from_the_sentence() -> None:
    sentence = "2019年,全区各类调解组织化解矛盾纠纷3668件。"
    (found,) = _one(sentence)
    assert (found.metric.text, found.period.text, found.subject.text) == ("化解矛盾纠纷", "2019年", "全区各类调解组织")


def test_clauses_keep_quoted_names_whole() -> None:
    text = "实现政务服务“只跑一次,只找一人”事项269项,办结12件。"
    bounds = clause_bounds(text, 0, len(text), [])
    assert [text[s:e] for s, e in bounds] == ["实现政务服务“只跑一次,只找一人”事项269项", "办结12件", ]


def test_settings_change_plan_figures() -> None:
    sentence = "行政复议案件办结率达到98%。"
    assert _one(sentence, "plan")[0].kind == "rate"
    nums = [(m.start(), m.end()) for m in NUM.finditer(sentence)]
    planned = extract(sentence, nums, [(0, len(sentence), "plan")], RuleSettings(plan_targets="level"))
    assert planned[0].kind == "target"


def test_every_num_gets_one_indicator_outside_segments_too() -> None:
    text = "前言3件。办结5件。"
    found = extract(text, [(2, 4), (7, 9)], [(5, 10, "achievement")])
    assert [i.num.text for i in found] == ["3件", "5件"]
    assert found[0].metric is None and found[1].metric.text == "办结"


def test_metric_keys_match_one_indicator_across_reports() -> None:
    assert {metric_key(n) for n in ("行政机关负责人出庭应诉率", "负责人出庭应诉率", "出庭应诉率", "出庭率")} == {"出庭应诉率"}
    assert metric_key("“一网通办率”") == "一网通办率"
    assert metric_key("受理行政复议案件") != metric_key("行政复议案件")
    assert metric_key(None) is None


def test_metric_key_sample_is_respected() -> None:
    """The labelled pairs of seeds/indicators/metric_key_pairs.tsv: judged-same pairs share a key, the others do not."""
    rows = [line.rstrip("\n").split("\t") for line in (ROOT / "seeds" / "indicators" / "metric_key_pairs.tsv").read_text("utf-8")
            .splitlines() if line.strip() and not line.startswith("#")]
    assert rows
    for a, b, judgement, _ in rows:
        assert (metric_key(a) == metric_key(b)) == (judgement == "same"), (a, b)


def test_scores_count_null_and_overlap() -> None:
    num = Span(10, 12, "3件")
    gold = [Indicator(num, "count", Span(0, 4, "abcd")), Indicator(Span(20, 22, "4件"), "rate")]
    pred = [Indicator(num, "count", Span(2, 4, "cd")), Indicator(Span(20, 22, "4件"), "count")]
    scores = tally(gold, pred).scores()
    assert scores["metric_f1"] == pytest.approx(0.5)  # the null/null pair is right, the cut span is not
    assert scores["metric_overlap_f1"] == pytest.approx(1.0)
    assert scores["kind_acc"] == pytest.approx(0.5)


def test_seed_scores_and_crossval() -> None:
    docs = read_annotated(SEED_GOLD)
    gold = read_indicators(SEED_INDICATORS, docs)
    report = evaluate(docs, gold)
    assert report["pooled"]["nums"] == sum(len(v) for v in gold.values())
    assert report["pooled"]["metric_f1"] >= 0.9 and report["pooled"]["kind_acc"] >= 0.95
    loro = crossval(docs, gold)
    assert set(loro["chosen"]) == {d.id for d in docs}
    assert loro["pooled"]["metric_f1"] >= 0.9


def test_cli_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scores.json"
    assert main(["indicators", "evaluate", "--gold-entities", str(SEED_GOLD), "--gold-indicators",
                 str(SEED_INDICATORS), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| pooled |" in printed and "metric exact F1" in printed
    assert json.loads(out.read_text("utf-8"))["pooled"]["nums"] == 268


def test_results_carry_indicators() -> None:
    from govtag.corpus.tables import table_rows
    from govtag.pipeline import Pipeline
    from govtag.render import to_markdown

    text = "一、工作情况\n2019年,全区共受理行政复议案件22件,行政机关负责人出庭应诉率达到90.20%。"
    result = Pipeline(backend="rules").annotate(text)
    nums = [e for e in result.entities if e.type == "NUM"]
    assert nums and all(e.indicator is not None for e in nums)
    rate = next(e for e in nums if e.text == "90.20%")
    metric = rate.indicator.metric
    assert text[metric.start : metric.end] == metric.text == "行政机关负责人出庭应诉率"
    assert (rate.indicator.kind, rate.indicator.key) == ("rate", "出庭应诉率")
    rows = table_rows(result, "inline", {})["indicators"]
    assert [(r["metric_key"], r["kind"]) for r in rows if r["text"] == "90.20%"] == [("出庭应诉率", "rate")]
    assert "| 行政机关负责人出庭应诉率 | 90.2 | % | rate |" in to_markdown(result)
    row = next(r for r in result.summary.indicators if r.text == "90.20%")
    assert text[row.sentence_start :].startswith(row.sentence)
