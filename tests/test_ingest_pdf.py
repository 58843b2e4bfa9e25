"""PDF reports as people publish them: paragraphs rejoined, page furniture dropped.

Every seed report is typeset here with reportlab (a CID font, two page designs),
read back, and tagged with the rules backend beside the .txt it came from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govtag.ingest import load_path
from govtag.ingest.layout import VisualLine, drop_page_furniture, paragraphs
from tests.render_docs import (
    FONT,
    LAYOUTS,
    SEED_IDS,
    entity_multiset,
    label_agreement,
    render_pdf,
    report_lines,
    report_title,
    seed_text,
)

MIN_AGREEMENT = 0.995


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("pdf")
    paths = {}
    for seed_id in SEED_IDS:
        for name, layout in LAYOUTS.items():
            path = folder / f"{seed_id}-{name}.pdf"
            render_pdf(seed_text(seed_id), path, layout)
            paths[seed_id, name] = path
    return paths


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_seed_pdf_tags_like_its_text(rendered, rules_pipeline, seed_id, layout):
    text = seed_text(seed_id)
    pdf = load_path(rendered[seed_id, layout])
    assert pdf.format == "pdf"
    assert pdf.id == f"{seed_id}-{layout}"
    expected = rules_pipeline.annotate(text, seed_id)
    got = rules_pipeline.annotate_documents([pdf])[0]

    assert label_agreement(expected, text, got, pdf.text) >= MIN_AGREEMENT
    assert entity_multiset(got) == entity_multiset(expected)
    assert len(got.sentences) == len(expected.sentences)
    for entity in got.entities:
        assert pdf.text[entity.start : entity.end] == entity.text
    for sentence in got.sentences:
        assert pdf.text[sentence.start : sentence.end] == sentence.text


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_seed_pdf_paragraphs_are_the_report_lines(rendered, seed_id, layout):
    """One line per paragraph: no running header, no page number, no wrapped line left."""
    text = load_path(rendered[seed_id, layout]).text
    lines = text.split("\n")
    expected = report_lines(seed_text(seed_id))
    assert [" ".join(line.split()) for line in lines] == [" ".join(line.split()) for line in expected]
    assert "— 2 —" not in text and "第2页" not in text


def test_running_header_dropped_but_the_same_title_in_the_body_kept(rendered):
    text = seed_text("rongchang-2019")
    title = report_title(text)
    assert title in report_lines(text)  # the header repeats a line of the report
    lines = load_path(rendered["rongchang-2019", "header_footer"]).text.split("\n")
    assert lines.count(title) == 1


def draw_pages(path: Path, pages: list[list[tuple[float, float, str]]], size: float = 12) -> None:
    """Draw text at given positions (x, y from the bottom left), one list per page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = canvas.Canvas(str(path))
    for page in pages:
        pdf.setFont(FONT, size)
        for x, y, text in page:
            pdf.drawString(x, y, text)
        pdf.showPage()
    pdf.save()


SECTIONS = ["一、工作开展情况", "二、存在的问题", "三、下一步工作打算"]


def body(n: int) -> tuple[str, str]:
    """Two lines of one paragraph, different on every page."""
    return f"（一）依法全面履行政府职能。全年共办理行政复议案件{n}5件，", f"同比下降1{n}%，行政机关负责人出庭应诉率达到90.20%。"


@pytest.mark.parametrize(
    "footer",
    ["— {n} —", "- {n} -", "第{n}页", "第 {n} 页 共 3 页", "{n}/3", "{n}", "Page {n} of 3"],
)
def test_page_numbers_dropped(tmp_path, footer):
    pages = [
        [(72, 780, section), (96, 760, body(n)[0]), (72, 740, body(n)[1]), (290, 40, footer.format(n=n))]
        for n, section in enumerate(SECTIONS, start=1)
    ]
    path = tmp_path / "numbers.pdf"
    draw_pages(path, pages)
    text = load_path(path).text
    assert text.split("\n") == [
        part for n, section in enumerate(SECTIONS, start=1) for part in (section, "".join(body(n)))
    ]


def test_a_number_inside_the_page_is_kept(tmp_path):
    path = tmp_path / "count.pdf"
    draw_pages(path, [[(72, 780, "行政复议案件"), (72, 760, "35"), (72, 740, "件，全部办结。"), (72, 720, "二、存在的问题")]])
    assert "35" in load_path(path).text


def test_page_number_on_a_single_page_dropped(tmp_path):
    path = tmp_path / "one.pdf"
    draw_pages(path, [[(72, 780, SECTIONS[0]), (96, 760, body(1)[1]), (290, 40, "— 1 —")]])
    assert load_path(path).text == "\n".join([SECTIONS[0], body(1)[1]])


def test_titles_and_document_numbers_never_split(tmp_path):
    """A short line that ends inside a 《》 title or a 文号 goes on with the next line."""
    path = tmp_path / "titles.pdf"
    draw_pages(
        path,
        [
            [
                (96, 780, "印发了《昭通市人民政府办公室关于"),
                (72, 760, "进一步加强行政规范性文件管理的通知》（昭政办发〔2019〕"),
                (72, 740, "54号），全年审核文件12件。"),
                (96, 720, "县政府办公室印发"),
                (72, 700, "〔2020〕3号文件。"),
            ]
        ],
    )
    text = load_path(path).text
    assert text.split("\n") == [
        "印发了《昭通市人民政府办公室关于进一步加强行政规范性文件管理的通知》（昭政办发〔2019〕54号），全年审核文件12件。",
        "县政府办公室印发〔2020〕3号文件。",
    ]


def test_document_number_found_across_the_line_break(tmp_path, rules_pipeline):
    path = tmp_path / "docno.pdf"
    draw_pages(
        path,
        [[(96, 780, "根据《关于加强法治政府建设的意见》（昭政办发〔2019〕"), (72, 760, "54号）要求，开展培训3次。")]],
    )
    doc = load_path(path)
    result = rules_pipeline.annotate_documents([doc])[0]
    found = {(entity.type, entity.text) for entity in result.entities}
    assert ("DOC_NO", "昭政办发〔2019〕54号") in found
    assert ("POLICY", "关于加强法治政府建设的意见") in found


RIGHT = 516.0  # the right edge of the column in the line-level tests (72 + 37 ems of 12 points)


def line(text: str, x0: float, y: float, x1: float | None = None, size: float = 12.0) -> VisualLine:
    """A visual line; without ``x1`` it ends where its characters do (CJK one em, others half)."""
    width = size * sum(1.0 if not char.isascii() else 0.5 for char in text)
    return VisualLine(text, x0, x0 + width if x1 is None else x1, y, size)


def test_joined_lines_get_no_space_in_chinese_and_one_between_latin_words():
    full = "全" * 37
    lines = [
        line(full, 72, 700),
        line("面推进依法治县 The People's Government of", 72, 680, RIGHT),
        line("Yinzhou District 2019", 72, 660, RIGHT),
        line("年工作报告。", 72, 640),
        line(full, 96, 620),
        line(full, 72, 600),
    ]
    assert paragraphs([lines])[0] == full + "面推进依法治县 The People's Government of Yinzhou District 2019年工作报告。"


def test_short_line_indent_and_gap_each_end_a_paragraph():
    full = "加" * 37
    lines = [
        line(full, 72, 700),
        line("强。", 72, 680),  # short: ends the paragraph
        line(full, 96, 660),
        line("推进", 72, 640),
        line("依" * 35, 96, 620),  # indented: starts one
        line(full, 72, 600),
        line(full, 72, 570),  # after a wider gap
        line(full, 72, 550),
    ]
    assert paragraphs([lines]) == [full + "强。", full + "推进", "依" * 35 + full, full + full]


def test_numbered_heading_after_a_full_line_starts_a_paragraph():
    full = "决" * 36 + "。"
    lines = [line(full, 72, 700), line("二、存在的问题", 72, 680), line("执" * 37, 72, 660)]
    assert paragraphs([lines]) == [full, "二、存在的问题", "执" * 37]


def test_repeated_header_and_footer_lines_dropped_from_every_page():
    pages = [
        [
            line("鲁甸县人民政府文件", 200, 800),
            line(f"{SECTIONS[n % 3]}之{n}", 96, 760),
            line(f"正文第{n}部分。", 72, 740),
            line(f"全年办结{n}件。", 72, 720),
            line(f"鲁甸县2020年报告 共5页 第{n}页", 250, 30),
        ]
        for n in range(1, 6)
    ]
    kept = drop_page_furniture(pages)
    assert [[line.text for line in page] for page in kept] == [
        [f"{SECTIONS[n % 3]}之{n}", f"正文第{n}部分。", f"全年办结{n}件。"] for n in range(1, 6)
    ]


def test_rotated_text_stays_a_line_of_its_own(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    path = tmp_path / "rotated.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setFont(FONT, 12)
    pdf.drawString(72, 780, "行政复议案件35件。")
    pdf.saveState()
    pdf.translate(40, 400)
    pdf.rotate(90)
    pdf.drawString(0, 0, "内部资料注意保存")
    pdf.restoreState()
    pdf.drawString(72, 760, "二、存在的问题")
    pdf.showPage()
    pdf.save()
    lines = load_path(path).text.split("\n")
    assert "内部资料注意保存" in lines
    assert "行政复议案件35件。" in lines
