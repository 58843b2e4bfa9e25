"""Segmentation: offsets, coverage, headings and their tree, and the awkward inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govtag.segment import SentenceSplitter, match_marker
from govtag.types import Document, SegmentedDocument

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "gold.jsonl"
WHITESPACE_EXTRA = "\u200b\u200c\u200d\u2060\ufeff"


def _seed_docs() -> list[dict]:
    with SEEDS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


SEED_DOCS = _seed_docs()


def split(text: str, max_chars: int = 300) -> SegmentedDocument:
    return SentenceSplitter(max_chars=max_chars).split(Document("t", text))


def texts(doc: SegmentedDocument) -> list[str]:
    return [doc.text[s.start : s.end] for s in doc.segments]


def headings(doc: SegmentedDocument) -> list[tuple[str, int | None]]:
    return [(doc.text[s.start : s.end], s.level) for s in doc.segments if s.is_heading]


def assert_well_formed(doc: SegmentedDocument) -> None:
    """Offsets in order, non-overlapping, trimmed; every non-space character covered exactly once."""
    text = doc.text
    previous_end = 0
    covered = [0] * len(text)
    for index, seg in enumerate(doc.segments):
        assert 0 <= seg.start < seg.end <= len(text)
        assert seg.start >= previous_end, f"segment {index} overlaps or is out of order"
        previous_end = seg.end
        piece = text[seg.start : seg.end]
        assert piece == text[seg.start : seg.end]
        assert not piece[0].isspace() and not piece[-1].isspace(), repr(piece)
        for i in range(seg.start, seg.end):
            covered[i] += 1
        if seg.parent is not None:
            assert 0 <= seg.parent < index
            assert doc.segments[seg.parent].is_heading
        assert (seg.level is not None) == seg.is_heading
    for i, ch in enumerate(text):
        if not ch.isspace() and ch not in WHITESPACE_EXTRA:
            assert covered[i] == 1, f"character {i} {ch!r} covered {covered[i]} times"


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("record", SEED_DOCS, ids=[r["id"] for r in SEED_DOCS])
def test_seed_offsets_and_coverage(record: dict) -> None:
    doc = SentenceSplitter().split(Document(record["id"], record["text"]))
    assert doc.text == record["text"]  # the text is never modified
    assert doc.segments
    assert_well_formed(doc)


@pytest.mark.parametrize("record", SEED_DOCS, ids=[r["id"] for r in SEED_DOCS])
def test_seed_segments_do_not_straddle_gold_labels(record: dict) -> None:
    """A predicted segment should not mix two differently labelled gold segments."""
    gold = [None] * len(record["text"])
    for seg in record["segments"]:
        for i in range(seg["start"], seg["end"]):
            gold[i] = seg["label"]
    doc = SentenceSplitter().split(Document(record["id"], record["text"]))
    straddling = [
        s for s in doc.segments if len({gold[i] for i in range(s.start, s.end) if gold[i] is not None}) > 1
    ]
    assert straddling == []


def test_seed_boundaries_mostly_agree_with_gold() -> None:
    same = total = 0
    for record in SEED_DOCS:
        doc = SentenceSplitter().split(Document(record["id"], record["text"]))
        predicted = {(s.start, s.end) for s in doc.segments}
        gold = {(s["start"], s["end"]) for s in record["segments"]}
        same += len(predicted & gold)
        total += len(gold)
    assert same / total > 0.9


def test_seed_heading_tree_ledu() -> None:
    record = next(r for r in SEED_DOCS if r["id"] == "ledu-2020")
    doc = SentenceSplitter().split(Document(record["id"], record["text"]))
    by_text = {doc.text[s.start : s.end]: (i, s) for i, s in enumerate(doc.segments)}

    top_index, top = by_text["一、工作开展情况"]
    assert top.is_heading and top.level == 1 and top.parent is None
    _, sub = by_text["(一)依法全面履行政府职能"]
    assert sub.is_heading and sub.level == 2 and sub.parent == top_index
    second_index, second = by_text["(二)健全依法行政制度,完善组织保障和落实机制"]
    assert second.level == 2 and second.parent == top_index
    item_index, item = by_text["1.健全领导体制和工作机制。"]  # heading phrase split from its paragraph
    assert item.is_heading and item.level == 3 and item.parent == second_index
    _, broken = by_text["七)不断加强宣传教育,着力强化依法行政意识"]  # lost opening bracket
    assert broken.is_heading and broken.level == 2 and broken.parent == top_index
    for title in ("二、存在的问题", "三、2021年工作思路"):
        assert by_text[title][1].level == 1 and by_text[title][1].parent is None

    # the sentence after "1.健全领导体制和工作机制。" on the same line
    sentence_index = item_index + 1
    sentence = doc.segments[sentence_index]
    assert not sentence.is_heading and sentence.parent == item_index
    assert doc.heading_path(sentence_index) == [
        "一、工作开展情况",
        "(二)健全依法行政制度,完善组织保障和落实机制",
        "1.健全领导体制和工作机制。",
    ]


def test_seed_inline_enumeration_is_a_sentence() -> None:
    record = next(r for r in SEED_DOCS if r["id"] == "zhonglou-2020")
    doc = SentenceSplitter().split(Document(record["id"], record["text"]))
    segs = {doc.text[s.start : s.end]: s for s in doc.segments}
    assert "一是制定工作方案。" in segs
    assert not segs["一是制定工作方案。"].is_heading


# --------------------------------------------------------------------------- punctuation


def test_ascii_and_full_width_terminators() -> None:
    doc = split("第一句!第二句?第三句;第四句。第五句！第六句？第七句；第八句")
    assert texts(doc) == ["第一句!", "第二句?", "第三句;", "第四句。", "第五句！", "第六句？", "第七句；", "第八句"]


def test_repeated_terminators_and_ellipsis() -> None:
    doc = split("真的吗？！当然。。后来……又开始了...结束")
    assert texts(doc) == ["真的吗？！", "当然。。", "后来……", "又开始了...", "结束"]


def test_closing_quotes_and_brackets_stay_with_the_sentence() -> None:
    doc = split("他强调：“要依法行政。”会议要求各单位落实（详见附件。）下一步继续推进。")
    assert texts(doc) == ["他强调：“要依法行政。”", "会议要求各单位落实（详见附件。）", "下一步继续推进。"]


def test_quoted_speech_is_not_split_inside() -> None:
    doc = split("他说：“我们要努力。大家一起干！”随后散会。")
    assert texts(doc) == ["他说：“我们要努力。大家一起干！”", "随后散会。"]


def test_unbalanced_quote_does_not_swallow_the_line() -> None:
    doc = split("开展“谁执法谁普法活动。印发方案。")
    assert texts(doc) == ["开展“谁执法谁普法活动。", "印发方案。"]


def test_full_width_spaces_and_nbsp_are_trimmed() -> None:
    text = "\u3000\u3000一、总体情况\n\u3000\u3000今年以来，工作顺利。\u3000\xa0\n\u2002 \u2002\n"
    doc = split(text)
    assert texts(doc) == ["一、总体情况", "今年以来，工作顺利。"]
    assert_well_formed(doc)


def test_missing_final_punctuation_and_line_breaks() -> None:
    doc = split("今年完成任务\n明年继续努力\r\n加强监督")
    assert texts(doc) == ["今年完成任务", "明年继续努力", "加强监督"]


def test_line_break_ends_a_segment_even_mid_sentence() -> None:
    doc = split("坚持生命至上，\n改革疾病预防控制体制。")
    assert texts(doc) == ["坚持生命至上，", "改革疾病预防控制体制。"]


# --------------------------------------------------------------------------- headings


def test_enumeration_families_and_levels() -> None:
    text = (
        "一、工作开展情况\n"
        "（一）依法全面履行政府职能\n"
        "1、深化改革。取消事项12项。\n"
        "（1）网上办理\n"
        "办理事项3797项。\n"
        "2.推进综合执法。\n"
        "(二)健全制度\n"
        "二、存在的问题\n"
        "一是重视不够。二是力量薄弱。\n"
    )
    doc = split(text)
    assert headings(doc) == [
        ("一、工作开展情况", 1),
        ("（一）依法全面履行政府职能", 2),
        ("1、深化改革。", 3),
        ("（1）网上办理", 4),
        ("2.推进综合执法。", 3),
        ("(二)健全制度", 2),
        ("二、存在的问题", 1),
    ]
    segs = doc.segments
    parent_text = {doc.text[s.start : s.end]: doc.text[segs[s.parent].start : segs[s.parent].end] for s in segs if s.parent is not None}
    assert parent_text["取消事项12项。"] == "1、深化改革。"
    assert parent_text["办理事项3797项。"] == "（1）网上办理"
    assert parent_text["2.推进综合执法。"] == "（一）依法全面履行政府职能"
    assert parent_text["(二)健全制度"] == "一、工作开展情况"
    assert parent_text["一是重视不够。"] == "二、存在的问题"
    assert "一是重视不够。" in texts(doc) and "二是力量薄弱。" in texts(doc)
    assert not any(s.is_heading for s in segs if doc.text[s.start : s.end].startswith(("一是", "二是")))
    assert_well_formed(doc)


def test_levels_follow_order_of_first_appearance() -> None:
    doc = split("（一）总体情况\n1.机构改革\n完成改革。\n（二）存在问题\n")
    assert headings(doc) == [("（一）总体情况", 1), ("1.机构改革", 2), ("（二）存在问题", 1)]


def test_heading_phrase_is_split_from_its_paragraph() -> None:
    doc = split("(一)健全机构,完善工作机制。根据省、市要求,成立委员会。")
    assert texts(doc) == ["(一)健全机构,完善工作机制。", "根据省、市要求,成立委员会。"]
    assert doc.segments[0].is_heading and not doc.segments[1].is_heading
    assert doc.segments[1].parent == 0


def test_long_enumerated_paragraph_is_not_a_heading() -> None:
    body = "按照省、市法治政府建设的安排部署及我县实施方案，进一步谋划和落实法治政府建设各项任务，完善考核评价机制并加强督查"
    doc = split(f"（一）{body}；重视能力提升。")
    assert not doc.segments[0].is_heading


def test_markers_and_non_markers() -> None:
    assert match_marker("一、总体情况", 0, 6)[0] == "cn"
    assert match_marker("（一）总体", 0, 5)[0] == "paren_cn"
    assert match_marker("(一)总体", 0, 5)[0] == "paren_cn"
    assert match_marker("1.总体", 0, 4)[0] == "num"
    assert match_marker("1．总体", 0, 4)[0] == "num"
    assert match_marker("（1）总体", 0, 5)[0] == "paren_num"
    assert match_marker("①总体", 0, 3)[0] == "circled"
    assert match_marker("第一部分 总体情况", 0, 9)[0] == "part"
    for text in ("一是总体", "2020年工作", "5.15宣传月", "12348热线"):
        assert match_marker(text, 0, len(text))[0] is None, text


def test_unnumbered_title_is_a_heading_but_broken_fragments_are_not() -> None:
    doc = split("政府信息公开\n2022年度法治政府建设报告\n今年以来，工作有序开展。\n")
    assert headings(doc)[0][0] == "2022年度法治政府建设报告"
    fragment = split("营商环境明显改善，共建“一带一路”扎实推进。推动\n区域全面经济伙伴关系协定\n（RCEP）生效实施。")
    assert not any(s.is_heading for s in fragment.segments)


def test_heading_path_of_a_sentence() -> None:
    doc = split("一、工作开展情况\n（一）履行职能\n取消事项12项。\n二、下一步打算\n加强监督。")
    index = texts(doc).index("取消事项12项。")
    assert doc.heading_path(index) == ["一、工作开展情况", "（一）履行职能"]
    last = texts(doc).index("加强监督。")
    assert doc.heading_path(last) == ["二、下一步打算"]
    assert doc.heading_path(0) == []


# --------------------------------------------------------------------------- degenerate input


def test_long_line_without_terminator_is_split_and_kept() -> None:
    unit = "推进法治政府建设，完善行政执法程序、加强监督 "
    text = (unit * 300)[:5000]
    doc = split(text, max_chars=300)
    assert len(doc.segments) > 1
    assert all(s.end - s.start <= 300 for s in doc.segments)
    assert_well_formed(doc)
    assert "".join(texts(doc)).replace(" ", "") == text.replace(" ", "")


def test_long_run_without_any_break_point_is_hard_split() -> None:
    text = "法" * 1000
    doc = split(text, max_chars=120)
    assert [s.end - s.start for s in doc.segments] == [120] * 8 + [40]
    assert_well_formed(doc)


def test_long_split_prefers_points_outside_titles() -> None:
    text = "印发" + "《关于进一步加强行政执法监督，规范执法行为，全面推进严格规范公正文明执法的实施意见》" + "，" + "要求各单位认真落实" * 5
    doc = split(text, max_chars=60)
    assert_well_formed(doc)
    first = texts(doc)[0]
    assert first.count("《") == first.count("》")


def test_long_split_does_not_cut_a_number() -> None:
    text = "法" * 95 + "1234567890" + "法" * 50
    doc = split(text, max_chars=100)
    assert texts(doc)[0] == "法" * 95
    assert_well_formed(doc)


def test_long_sentence_with_terminator_is_limited_too() -> None:
    text = "，".join(["完善行政执法程序"] * 80) + "。"
    doc = split(text, max_chars=100)
    assert all(s.end - s.start <= 100 for s in doc.segments)
    assert_well_formed(doc)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\u3000\u3000\n", "\xa0\t\r\n"])
def test_empty_or_whitespace_gives_no_segments(text: str) -> None:
    assert split(text).segments == []


@pytest.mark.parametrize("text", ["。", "。。。！！？", "；;；\n！", "……", "”）。", "（）", "、、、", "1.", "一、"])
def test_punctuation_only_does_not_crash(text: str) -> None:
    doc = split(text)
    assert_well_formed(doc)


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SentenceSplitter(max_chars=1)


def test_default_max_chars() -> None:
    assert SentenceSplitter().max_chars == 300
