"""Contract cases (ANNOTATION.md) that the taggers used to get wrong, checked on the rules.

- Titles in 《》 of books, readers, handbooks and study materials are not ``POLICY``.
- A report's statements about itself (its coverage, reporting period, whom to ask)
  and the framing that publishes it (发布时间, 来源) are ``other``, wherever they stand.
- An issuer abbreviation whose first character is also a common word (如, 和, 于, 即)
  keeps that character in a ``DOC_NO``.
"""

from __future__ import annotations

import pytest

from govtag.rules.entities import extract_entities
from govtag.rules.labels import score_segments
from govtag.segment import SentenceSplitter
from govtag.types import Document


def _spans(text: str, etype: str) -> list[str]:
    spans = [span for span in extract_entities(text) if span.type == etype]
    return [text[span.start : span.end] for span in spans]


def _labels(text: str) -> dict[str, str]:
    """Segment text -> most likely rule label (the segments of these texts are unique)."""
    doc = SentenceSplitter().split(Document("t", text))
    scores = score_segments(doc)
    return {text[s.start : s.end]: max(sc, key=sc.get) for s, sc in zip(doc.segments, scores, strict=True)}


# --------------------------------------------------------------------------- POLICY


@pytest.mark.parametrize(
    "title",
    [
        "民法典学习读本",
        "行政执法工作手册",
        "法律法规汇编",
        "领导干部学法用法教材",
        "宪法知识问答",
        "典型案例选编",
        "民法典普法漫画",
        "法治宣传丛书",
        "习近平法治思想学习纲要",
        "民法典学习读本（2021年版）",
    ],
)
def test_study_material_titles_are_not_policies(title: str) -> None:
    text = f"编印《{title}》500册，发放到各乡镇。"
    assert _spans(text, "POLICY") == []


def test_documents_among_study_materials_stay_policies() -> None:
    text = (
        "印发《法治政府建设实施方案》《行政执法公示办法（试行）》《突发事件应急预案》，"
        "编印《行政执法工作手册》《法律法规汇编》，转发《关于印发〈行政执法手册〉的通知》。"
    )
    assert _spans(text, "POLICY") == [
        "法治政府建设实施方案",
        "行政执法公示办法（试行）",
        "突发事件应急预案",
        "关于印发〈行政执法手册〉的通知",
    ]


# --------------------------------------------------------------------------- other


REPORT = (
    "某县2020年法治政府建设年度报告\n"
    "2020年，我县法治政府建设各项工作取得了新的进展。\n"
    "根据有关要求，现将我县2020年度法治政府建设工作情况报告如下：\n"
    "一、主要工作\n"
    "全年办理行政复议案件31件。\n"
    "本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。\n"
    "本年度报告由总体情况、主要工作、存在的问题和下一步打算等部分组成。\n"
    "二、存在的问题\n"
    "执法队伍专业化水平不高。\n"
    "三、下一步工作打算\n"
    "将继续深化综合执法改革。\n"
    "本报告电子版可在县政府门户网站下载。\n"
    "如对本报告有任何疑问，请与县司法局联系（联系电话：0513-12345678）。\n"
    "联系人：张某，联系电话：0513-12345678。\n"
    "信息来源：县司法局  发布日期：2021-01-15\n"
    "发布时间：2021-01-15 10:30  来源：县司法局\n"
)


@pytest.mark.parametrize(
    "segment",
    [
        "根据有关要求，现将我县2020年度法治政府建设工作情况报告如下：",
        "本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。",
        "本年度报告由总体情况、主要工作、存在的问题和下一步打算等部分组成。",
        "本报告电子版可在县政府门户网站下载。",
        "如对本报告有任何疑问，请与县司法局联系（联系电话：0513-12345678）。",
        "联系人：张某，联系电话：0513-12345678。",
        "信息来源：县司法局  发布日期：2021-01-15",
        "发布时间：2021-01-15 10:30  来源：县司法局",
    ],
)
def test_what_a_report_says_about_itself_is_other(segment: str) -> None:
    assert _labels(REPORT)[segment] == "other"


def test_the_report_body_around_them_keeps_its_labels() -> None:
    labels = _labels(REPORT)
    assert labels["2020年，我县法治政府建设各项工作取得了新的进展。"] == "achievement"
    assert labels["全年办理行政复议案件31件。"] == "achievement"
    assert labels["执法队伍专业化水平不高。"] == "problem"
    assert labels["将继续深化综合执法改革。"] == "plan"


def test_work_in_the_reporting_period_and_other_sources_are_not_other() -> None:
    text = (
        "一、主要工作\n"
        "本报告期内，共受理行政复议申请31件。\n"
        "资金来源：县财政安排专项经费200万元。\n"
    )
    labels = _labels(text)
    assert labels["本报告期内，共受理行政复议申请31件。"] == "achievement"
    assert labels["资金来源：县财政安排专项经费200万元。"] == "achievement"


# --------------------------------------------------------------------------- DOC_NO


@pytest.mark.parametrize(
    ("text", "doc_no"),
    [
        ("如东县人民政府印发《关于加强法治政府建设的实施意见》（如政发〔2021〕12号）。", "如政发〔2021〕12号"),
        ("县政府出台如政发〔2021〕12号文件。", "如政发〔2021〕12号"),
        ("和平区政府印发和政办〔2020〕3号文件。", "和政办〔2020〕3号"),
        ("区政府以和政办〔2020〕3号文件印发方案。", "和政办〔2020〕3号"),
        ("于都县印发于府发〔2020〕3号文件。", "于府发〔2020〕3号"),
        ("即墨区出台即政发〔2020〕3号文件。", "即政发〔2020〕3号"),
    ],
)
def test_issuer_initial_that_is_a_common_word_stays(text: str, doc_no: str) -> None:
    assert _spans(text, "DOC_NO") == [doc_no]


@pytest.mark.parametrize(
    ("text", "doc_no"),
    [
        ("依据鲁政办发〔2019〕63号文件执行。", "鲁政办发〔2019〕63号"),
        ("印发乐司〔2020〕76号文件。", "乐司〔2020〕76号"),
        ("按照厅字〔2019〕28号要求。", "厅字〔2019〕28号"),
        ("落实国发〔2019〕5号的要求。", "国发〔2019〕5号"),
        ("和乐治委办(2020)9号一并印发。", "乐治委办(2020)9号"),
    ],
)
def test_lead_in_words_are_still_dropped(text: str, doc_no: str) -> None:
    assert _spans(text, "DOC_NO") == [doc_no]
