"""Word reports as people write them: heading styles and automatic numbering, tables.

Every seed report is written here with python-docx in two ways (heading styles
without the markers; heading styles linked to a multilevel list, with numbered
paragraphs), with a table of indicators at the end, read back and tagged with
the rules backend beside the .txt it came from.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import docx
import pytest

from govtag.ingest import load_path
from govtag.ingest.docx import CELL_SEPARATOR
from govtag.segment import match_marker
from govtag.types import LineRole
from tests.render_docs import (
    DOCX_VARIANTS,
    INDICATOR_ROWS,
    SEED_IDS,
    DocxRendering,
    entity_multiset,
    label_agreement,
    number_paragraph,
    render_docx,
    report_structure,
    seed_text,
)

MIN_AGREEMENT = 0.995
ROW_LINES = [CELL_SEPARATOR.join(row) for row in INDICATOR_ROWS]


def title(heading: str) -> str:
    """A heading without its enumeration marker."""
    return heading[match_marker(heading, 0, len(heading))[1] :]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[tuple[str, str], DocxRendering]:
    folder = tmp_path_factory.mktemp("docx")
    return {
        (seed_id, variant): render_docx(seed_text(seed_id), folder / f"{seed_id}-{variant}.docx", variant)
        for seed_id in SEED_IDS
        for variant in DOCX_VARIANTS
    }


@pytest.mark.parametrize("variant", DOCX_VARIANTS)
@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_seed_docx_tags_like_its_text(rendered, rules_pipeline, seed_id, variant):
    text = seed_text(seed_id)
    rendering = rendered[seed_id, variant]
    doc = load_path(rendering.path)
    expected = rules_pipeline.annotate(text, seed_id)
    got = rules_pipeline.annotate_documents([doc])[0]

    assert label_agreement(expected, text, got, doc.text, rendering.skipped) >= MIN_AGREEMENT
    table_start = doc.text.index(ROW_LINES[0])
    in_report = [entity for entity in got.entities if entity.end <= table_start]
    assert entity_multiset(got.model_copy(update={"entities": in_report})) == entity_multiset(expected)
    for entity in got.entities:
        assert doc.text[entity.start : entity.end] == entity.text


@pytest.mark.parametrize("variant", DOCX_VARIANTS)
@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_seed_docx_headings_are_headings(rendered, rules_pipeline, seed_id, variant):
    """A heading paragraph is a heading segment, whether its marker is typed, numbered or gone.

    Titles are compared without their markers: Word numbers 一、 二、 三、 in turn
    where a report's typed markers skip one (yinzhou has no 二、).
    """
    doc = load_path(rendered[seed_id, variant].path)
    result = rules_pipeline.annotate_documents([doc])[0]
    headings = Counter(title(sentence.text) for sentence in result.sentences if sentence.is_heading)
    wanted = Counter(title(line.text) for line in report_structure(seed_text(seed_id)) if line.whole_heading)
    assert wanted and not wanted - headings
    heading_roles = [role for role in doc.line_roles if role.kind == "heading"]
    assert len(heading_roles) == sum(wanted.values())


@pytest.mark.parametrize("variant", DOCX_VARIANTS)
def test_table_rows_are_single_lines_never_headings(rendered, rules_pipeline, variant):
    for seed_id in SEED_IDS:
        doc = load_path(rendered[seed_id, variant].path)
        lines = doc.text.split("\n")
        assert lines[-len(ROW_LINES) :] == ROW_LINES
        result = rules_pipeline.annotate_documents([doc])[0]
        row_starts = {role.start for role in doc.line_roles if role.kind == "table_row"}
        assert len(row_starts) == len(ROW_LINES)
        for sentence in result.sentences:
            if doc.text.rfind("\n", 0, sentence.start) + 1 in row_starts:
                assert not sentence.is_heading
                assert sentence.text in ROW_LINES
        assert ("NUM", "90.20%") in {(entity.type, entity.text) for entity in result.entities}


def test_heading_style_without_marker_is_a_heading_with_its_level(tmp_path, rules_pipeline):
    document = docx.Document()
    document.add_paragraph("工作开展情况", "Heading 1")
    document.add_paragraph("依法全面履行政府职能", "Heading 2")
    document.add_paragraph("全年共办理行政复议案件35件，同比下降12%。")
    document.add_paragraph("存在的问题", "Heading 1")
    document.add_paragraph("执法人员素质有待提高。")
    path = tmp_path / "styles.docx"
    document.save(path)

    doc = load_path(path)
    assert doc.text.split("\n")[0] == "工作开展情况"
    assert doc.line_roles[:2] == (LineRole(0, "heading", 1), LineRole(7, "heading", 2))
    segments = rules_pipeline.segment(doc).segments
    assert [(doc.text[s.start : s.end], s.is_heading, s.level) for s in segments] == [
        ("工作开展情况", True, 1),
        ("依法全面履行政府职能", True, 2),
        ("全年共办理行政复议案件35件，同比下降12%。", False, None),
        ("存在的问题", True, 1),
        ("执法人员素质有待提高。", False, None),
    ]
    assert segments[2].parent == 1 and segments[4].parent == 3


def test_chinese_heading_style_and_styles_based_on_headings(tmp_path, rules_pipeline):
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    chinese = document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    custom = document.styles.add_style("报告小标题", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = document.styles["Heading 3"]
    document.add_paragraph("一、工作开展情况")
    document.add_paragraph("依法全面履行政府职能", chinese)
    document.add_paragraph("深化放管服改革", custom)
    document.add_paragraph("全年办结行政审批事项1200件。")
    path = tmp_path / "chinese.docx"
    document.save(path)

    doc = load_path(path)
    assert [(role.kind, role.level) for role in doc.line_roles] == [("heading", 2), ("heading", 3)]
    headings = [doc.text[s.start : s.end] for s in rules_pipeline.segment(doc).segments if s.is_heading]
    assert headings == ["一、工作开展情况", "依法全面履行政府职能", "深化放管服改革"]


def test_outline_level_marks_a_heading(tmp_path):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    paragraph = document.add_paragraph("加强组织领导")
    paragraph._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))
    document.add_paragraph("区政府常务会议专题研究法治政府建设4次。")
    path = tmp_path / "outline.docx"
    document.save(path)
    assert load_path(path).line_roles == (LineRole(0, "heading", 1),)


def test_numbering_labels_are_written_as_word_shows_them(tmp_path):
    """Counters per level restart below a higher level; formats 一、 （一） 1. ①."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{n}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:suff w:val="nothing"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for n, (fmt, text) in enumerate(
            [
                ("chineseCounting", "%1、"),
                ("chineseCounting", "（%2）"),
                ("decimal", "%3."),
                ("decimalEnclosedCircle", "%4"),
            ]
        )
    )
    numbering.xpath("./w:num")[0].addprevious(
        parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="77">{levels}</w:abstractNum>')
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="77"><w:abstractNumId w:val="77"/></w:num>'))
    for level, text in [(0, "工作情况"), (1, "履职"), (2, "改革"), (2, "监管"), (3, "抽查"), (1, "决策"), (2, "审查"),
                        (0, "存在的问题")] + [(1, f"问题{n}") for n in range(1, 12)]:  # fmt: skip
        number_paragraph(document.add_paragraph(text)._p.get_or_add_pPr(), "77", level)
    document.add_paragraph("没有编号的段落。")
    path = tmp_path / "numbering.docx"
    document.save(path)

    lines = load_path(path).text.split("\n")
    assert lines[:8] == ["一、工作情况", "（一）履职", "1.改革", "2.监管", "①抽查", "（二）决策", "1.审查", "二、存在的问题"]
    assert lines[8:] == [f"（{label}）问题{n}" for n, label in enumerate("一二三四五六七八九十", start=1)] + [
        "（十一）问题11",
        "没有编号的段落。",
    ]


def test_table_row_with_merged_and_multi_paragraph_cells(tmp_path, rules_pipeline):
    document = docx.Document()
    document.add_paragraph("二、主要指标")
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ["指标", "2019年", "2020年"]):
        cell.text = text
    table.cell(1, 0).text = "行政机关负责人"
    table.cell(1, 0).add_paragraph("出庭应诉率")
    table.cell(1, 1).text = "85.00%"
    table.cell(1, 2).text = "90.20%"
    table.cell(2, 0).merge(table.cell(2, 2)).text = "合计"
    document.add_paragraph("三、存在的问题")
    path = tmp_path / "table.docx"
    document.save(path)

    doc = load_path(path)
    assert doc.text.split("\n") == [
        "二、主要指标",
        "指标 | 2019年 | 2020年",
        "行政机关负责人 出庭应诉率 | 85.00% | 90.20%",
        "合计",
        "三、存在的问题",
    ]
    segments = rules_pipeline.segment(doc).segments
    assert [doc.text[s.start : s.end] for s in segments if s.is_heading] == ["二、主要指标", "三、存在的问题"]


def test_empty_docx_is_an_empty_document(tmp_path):
    from govtag.errors import EmptyDocumentError

    path = tmp_path / "empty.docx"
    docx.Document().save(path)
    with pytest.raises(EmptyDocumentError, match="no text"):
        load_path(path)


def write_numbered_heading_docx(path: Path) -> None:
    """Heading 1 linked to a list in its style: the paragraph has no numbering of its own."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.xpath("./w:num")[0].addprevious(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="55"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="chineseCounting"/><w:pStyle w:val="Heading1"/><w:suff w:val="nothing"/>'
            '<w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
        )
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="55"><w:abstractNumId w:val="55"/></w:num>'))
    number_paragraph(document.styles["Heading 1"].element.get_or_add_pPr(), "55", None)
    document.add_paragraph("工作开展情况", "Heading 1")
    document.add_paragraph("全年办结行政复议案件35件。")
    document.add_paragraph("存在的问题", "Heading 1")
    document.save(path)


def test_heading_style_numbering_comes_from_the_style(tmp_path):
    path = tmp_path / "styled-numbering.docx"
    write_numbered_heading_docx(path)
    doc = load_path(path)
    assert doc.text.split("\n") == ["一、工作开展情况", "全年办结行政复议案件35件。", "二、存在的问题"]
    assert [role.start for role in doc.line_roles] == [0, doc.text.index("二、")]
