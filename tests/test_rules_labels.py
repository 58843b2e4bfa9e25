"""The rule labeller: well-formed scores, section and cue behaviour, and the macro-F1 floor on the seeds."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from govtag.evaluate import AnnotatedDoc, label_scores
from govtag.rules.labels import HEADING_CUES, LABELS, SENTENCE_CUES, explain, heading_sections, score_segments
from govtag.segment import SentenceSplitter
from govtag.types import Document, SegmentedDocument

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "gold.jsonl"
SHARED_GOLD = ROOT.parent / "shared" / "data" / "gold" / "gold.jsonl"
MACRO_F1_FLOOR = 0.80


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


SEED_DOCS = _read(SEEDS)


def segment(text: str) -> SegmentedDocument:
    return SentenceSplitter().split(Document("t", text))


def labelled(text: str) -> dict[str, str]:
    """Segment text -> argmax label (segments are unique in these small texts)."""
    doc = segment(text)
    scores = score_segments(doc)
    return {doc.text[s.start : s.end]: max(sc, key=sc.get) for s, sc in zip(doc.segments, scores)}


def predict(record: dict) -> list[tuple[int, int, str]]:
    doc = SentenceSplitter().split(Document(record["id"], record["text"]))
    scores = score_segments(doc)
    return [(s.start, s.end, max(LABELS, key=sc.__getitem__)) for s, sc in zip(doc.segments, scores)]


def char_macro_f1(records: list[dict], predictions: list[list[tuple[int, int, str]]]) -> float:
    """The project's metric (govtag.evaluate): per-character macro-F1, pooled over documents."""
    gold = [
        AnnotatedDoc(r["id"], r["text"], [(s["start"], s["end"], s["label"]) for s in r["segments"]])
        for r in records
    ]
    pred = [AnnotatedDoc(r["id"], r["text"], p) for r, p in zip(records, predictions, strict=True)]
    return label_scores(gold, pred)["macro_f1"]


# --------------------------------------------------------------------------- shape of the output


@pytest.mark.parametrize("record", SEED_DOCS, ids=[r["id"] for r in SEED_DOCS])
def test_scores_are_probabilities(record: dict) -> None:
    doc = SentenceSplitter().split(Document(record["id"], record["text"]))
    scores = score_segments(doc)
    assert len(scores) == len(doc.segments)
    for score in scores:
        assert set(score) == set(LABELS)
        assert all(0.0 <= v <= 1.0 and not math.isnan(v) for v in score.values())
        assert sum(score.values()) == pytest.approx(1.0, abs=1e-9)


def test_empty_document_has_no_scores() -> None:
    assert score_segments(segment("")) == []
    assert explain(segment("  \n ")) == []


@pytest.mark.parametrize("text", ["。", "。。。！！？", "一、", "1.", "各位代表！", "”）", "下载\n打印"])
def test_odd_inputs_do_not_crash(text: str) -> None:
    doc = segment(text)
    scores = score_segments(doc)
    assert len(scores) == len(doc.segments)
    assert all(sum(s.values()) == pytest.approx(1.0) for s in scores)


def test_scores_are_deterministic() -> None:
    record = SEED_DOCS[0]
    doc = SentenceSplitter().split(Document(record["id"], record["text"]))
    assert score_segments(doc) == score_segments(doc)


def test_explain_names_the_cues() -> None:
    doc = segment("二、存在的问题\n执法人员力量不足，有待加强。")
    info = explain(doc)
    assert info[0]["section"] == "problem"
    assert "problem-gap" in info[1]["cues"] and "problem-pending" in info[1]["cues"]
    assert set(info[1]["scores"]) == set(LABELS)


def test_cue_tables_are_well_formed() -> None:
    names = [cue.name for cue in SENTENCE_CUES]
    assert len(names) == len(set(names))
    assert {cue.label for cue in SENTENCE_CUES} == set(LABELS)
    assert {cue.label for cue, _ in HEADING_CUES} == {"achievement", "problem", "plan"}


# --------------------------------------------------------------------------- sections and cues


REPORT = """某某县2021年法治政府建设年度报告
发布时间：2022-01-20　来源：县司法局
2021年，在县委的坚强领导下，我县法治政府建设取得明显成效。现将有关情况报告如下：
一、主要举措和成效
（一）依法全面履行政府职能。深化“放管服”改革，取消行政许可事项12项。全年办理政务服务事项3.2万件。
（二）健全依法决策机制。制定《重大行政决策程序规定》，对5项重大决策开展合法性审查。
二、存在的不足和原因
一是部分单位对法治政府建设重视不够。二是行政执法人员素质有待提高。
三、党政主要负责人履行推进法治建设第一责任人职责情况
县长主持召开政府常务会议专题研究法治政府建设4次。
四、下一年度推进法治政府建设的主要安排
一是持续深化“放管服”改革。二是加强行政执法监督。
某某县人民政府
2022年1月20日
"""


def test_sections_of_a_typical_report() -> None:
    labels = labelled(REPORT)
    assert labels["某某县2021年法治政府建设年度报告"] == "other"
    assert labels["发布时间：2022-01-20　来源：县司法局"] == "other"
    assert labels["2021年，在县委的坚强领导下，我县法治政府建设取得明显成效。"] == "achievement"
    assert labels["现将有关情况报告如下："] == "other"
    assert labels["一、主要举措和成效"] == "achievement"
    assert labels["（一）依法全面履行政府职能。"] == "achievement"
    assert labels["全年办理政务服务事项3.2万件。"] == "achievement"
    assert labels["二、存在的不足和原因"] == "problem"
    assert labels["一是部分单位对法治政府建设重视不够。"] == "problem"
    assert labels["三、党政主要负责人履行推进法治建设第一责任人职责情况"] == "achievement"
    assert labels["四、下一年度推进法治政府建设的主要安排"] == "plan"
    assert labels["一是持续深化“放管服”改革。"] == "plan"
    assert labels["某某县人民政府"] == "other"
    assert labels["2022年1月20日"] == "other"


def test_heading_sections() -> None:
    assert heading_sections("一、工作开展情况") == ["achievement"]
    assert heading_sections("二、存在的问题") == ["problem"]
    assert heading_sections("三、2021年工作思路") == ["plan"]
    assert heading_sections("五、拟提请常务会议审议事项") == ["plan"]
    assert heading_sections("一、2019年和今年以来工作回顾") == ["achievement"]
    assert heading_sections("(十一)法治政府建设中存在的不足", nested=True) == ["problem"]
    # a sub-heading that merely mentions a plan or a task is not a plan section
    assert heading_sections("2、制定年度涉企行政执法检查计划。", nested=True) == []
    assert heading_sections("(二)召开委员会第一次会议,明确工作任务。", nested=True) == []


def test_later_year_makes_an_unnamed_section_plans() -> None:
    text = (
        "一、2025年工作回顾\n过去一年，全市生产总值增长5%。\n"
        "二、2026年重点工作\n稳定粮食生产，新建高标准农田20万亩。\n"
    )
    labels = labelled(text)
    assert labels["过去一年，全市生产总值增长5%。"] == "achievement"
    assert labels["二、2026年重点工作"] == "plan"
    assert labels["稳定粮食生产，新建高标准农田20万亩。"] == "plan"


def test_problem_paragraph_inside_the_work_section_and_its_pledge() -> None:
    text = (
        "一、加强组织领导\n制定出台工作要点，共审查文件80余项。\n"
        "二、创新服务模式\n组建100个法律服务团队。\n"
        "2020年法治政府建设虽取得一定成绩，但也存在不足之处：一是少数部门重视不够；二是法制力量薄弱，能力有待提升。"
        "这些都需要我们在新一年中认真加以改进。\n"
        "一是学贯党政会议新精神。\n深入学习全会精神，继续履行第一责任人职责。\n"
        "二是坚持科学民主决策。\n落实重大行政决策合法性审查制度。\n"
    )
    labels = labelled(text)
    assert labels["组建100个法律服务团队。"] == "achievement"
    assert labels["二是法制力量薄弱，能力有待提升。"] == "problem"
    assert labels["这些都需要我们在新一年中认真加以改进。"] == "plan"
    assert labels["一是学贯党政会议新精神。"] == "plan"
    assert labels["落实重大行政决策合法性审查制度。"] == "plan"


def test_admission_opens_a_problem_run_in_a_work_report() -> None:
    text = (
        "一、2019年工作回顾\n城镇新增就业1352万人。\n"
        "在肯定成绩的同时，我们也清醒看到面临的困难和问题。\n"
        "就业压力显著加大，\n企业特别是中小微企业困难凸显，\n金融等领域风险有所积聚。\n"
        "我们一定要努力改进工作，切实履行职责。\n"
        "二、今年工作总体部署\n要优先稳就业保民生。\n"
    )
    labels = labelled(text)
    assert labels["城镇新增就业1352万人。"] == "achievement"
    assert labels["在肯定成绩的同时，我们也清醒看到面临的困难和问题。"] == "problem"
    assert labels["就业压力显著加大，"] == "problem"
    assert labels["金融等领域风险有所积聚。"] == "problem"
    assert labels["我们一定要努力改进工作，切实履行职责。"] == "plan"
    assert labels["要优先稳就业保民生。"] == "plan"


def test_other_segments() -> None:
    text = (
        "当前位置:首页 > 政务公开 > 法治政府建设年度报告\n字体:【 默认 超大\n分享:\n"
        "各位代表：\n现在，我代表区人民政府向大会作政府工作报告，请予审议。\n"
        "一、2009年工作回顾\n全年新设市场主体1400户。\n"
        "这些成绩的取得，得益于市委、市政府的坚强领导。\n"
        "在此，我代表区人民政府，向广大居民致以崇高的敬意和衷心的感谢！\n"
        "二、2010年主要工作任务\n加快推进总部大厦建设。\n"
        "版权所有:某某区人民政府\n渝ICP备2021006398号-1\n"
    )
    labels = labelled(text)
    for other in (
        "当前位置:首页 > 政务公开 > 法治政府建设年度报告",
        "字体:【 默认 超大",
        "分享:",
        "各位代表：",
        "现在，我代表区人民政府向大会作政府工作报告，请予审议。",
        "这些成绩的取得，得益于市委、市政府的坚强领导。",
        "在此，我代表区人民政府，向广大居民致以崇高的敬意和衷心的感谢！",
        "版权所有:某某区人民政府",
        "渝ICP备2021006398号-1",
    ):
        assert labels[other] == "other", other
    assert labels["全年新设市场主体1400户。"] == "achievement"
    assert labels["加快推进总部大厦建设。"] == "plan"


def test_future_work_inside_the_work_section() -> None:
    text = (
        "一、工作开展情况\n组建综合执法队7个。\n"
        "下一步将结合各街道实际，推动执法权限和资源向基层延伸。\n"
        "共办理行政复议案件16件。\n"
    )
    labels = labelled(text)
    assert labels["下一步将结合各街道实际，推动执法权限和资源向基层延伸。"] == "plan"
    assert labels["共办理行政复议案件16件。"] == "achievement"


def test_problems_being_addressed_are_not_problems() -> None:
    labels = labelled("一、工作开展情况\n重点解决行政执法主体存在的不作为、乱作为和不规范等突出问题，全面推进严格规范公正文明执法。\n")
    assert labels["重点解决行政执法主体存在的不作为、乱作为和不规范等突出问题，全面推进严格规范公正文明执法。"] == "achievement"


# --------------------------------------------------------------------------- the metric


def test_macro_f1_floor_on_the_seeds() -> None:
    predictions = [predict(record) for record in SEED_DOCS]
    assert char_macro_f1(SEED_DOCS, predictions) >= MACRO_F1_FLOOR


@pytest.mark.parametrize("record", SEED_DOCS, ids=[r["id"] for r in SEED_DOCS])
def test_each_seed_is_reasonable(record: dict) -> None:
    assert char_macro_f1([record], [predict(record)]) >= 0.7


def test_macro_f1_floor_on_the_shared_gold() -> None:
    records = _read(SHARED_GOLD)
    assert char_macro_f1(records, [predict(record) for record in records]) >= MACRO_F1_FLOOR
