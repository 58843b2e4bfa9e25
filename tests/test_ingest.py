"""Ingestion: every fixture is a real file written to tmp_path at test time."""

from __future__ import annotations

import random
import time
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from govtag.errors import DecodeError, EmptyDocumentError, InputError, UnsupportedFormatError
from govtag.ingest import SUPPORTED_FORMATS, load_bytes, load_path, load_text

SEED_REPORT = Path(__file__).resolve().parents[1] / "seeds" / "reports" / "ludian-2020.txt"


@pytest.fixture(scope="module")
def paragraph() -> str:
    """Two paragraphs of a real report, joined by a line break."""
    lines = SEED_REPORT.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[:2])


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- plain text and encodings -------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "expected_encoding"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_text_file_decodes_exactly(tmp_path, paragraph, codec, expected_encoding):
    data = paragraph.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    doc = load_path(write(tmp_path, "ludian-2020.txt", data))
    assert doc.text == paragraph
    assert doc.encoding == expected_encoding
    assert doc.id == "ludian-2020"
    assert doc.format == "txt"
    assert doc.source == str(tmp_path / "ludian-2020.txt")


def test_bom_is_stripped(tmp_path):
    doc = load_path(write(tmp_path, "a.txt", "\ufeff法治政府".encode()))
    assert doc.text == "法治政府"


def test_gb18030_only_characters(tmp_path, paragraph):
    rare = "龑䶮𠮷"  # extension A and B ideographs: no GBK code, four bytes in GB18030
    text = f"{rare}{paragraph}"
    with pytest.raises(UnicodeEncodeError):
        rare.encode("gbk")
    doc = load_path(write(tmp_path, "rare.txt", text.encode("gb18030")))
    assert doc.text == text
    assert doc.encoding == "gb18030"


def test_short_gbk_text_is_not_mojibake(tmp_path):
    doc = load_path(write(tmp_path, "a.txt", "法治政府建设".encode("gbk")))
    assert doc.text == "法治政府建设"


def test_gbk_never_decoded_as_latin1(tmp_path, paragraph):
    doc = load_path(write(tmp_path, "a.txt", paragraph.encode("gbk")))
    assert doc.text == paragraph
    assert not any("\x80" <= char <= "\xff" for char in doc.text)


def test_damaged_utf8_is_an_error_not_gb18030_mojibake(tmp_path, paragraph):
    data = paragraph.encode("utf-8")[:-1]  # cut inside the last character
    with pytest.raises(DecodeError, match="UTF-8"):
        load_path(write(tmp_path, "cut.txt", data))


def test_damaged_gbk_is_an_error(tmp_path, paragraph):
    data = paragraph.encode("gbk")[:-1]
    with pytest.raises(DecodeError, match="GB18030"):
        load_path(write(tmp_path, "cut.txt", data))


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_a_decode_error(tmp_path, seed):
    data = random.Random(seed).randbytes(4096)
    path = write(tmp_path, "noise.txt", data)
    with pytest.raises(DecodeError, match="not UTF-8 or GB18030 text") as info:
        load_path(path)
    assert str(path) in str(info.value)


def test_line_endings_normalised_and_nothing_else(tmp_path):
    text = "一、工作情况\r\n　　全角空格保留，  两个空格 \t制表符\r二、问题\r\n\r\nＡＢＣ１２３ "
    doc = load_path(write(tmp_path, "a.txt", text.encode("utf-8")))
    assert doc.text == "一、工作情况\n　　全角空格保留，  两个空格 \t制表符\n二、问题\n\nＡＢＣ１２３ "


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n ", "\u3000\u3000\n".encode("gbk")])
def test_empty_text_file(tmp_path, content):
    with pytest.raises(EmptyDocumentError, match="no text|empty"):
        load_path(write(tmp_path, "empty.txt", content))


def test_punctuation_only_file_is_not_empty(tmp_path):
    doc = load_path(write(tmp_path, "p.txt", "。，、；：？！……——《》".encode()))
    assert doc.text == "。，、；：？！……——《》"


@pytest.mark.parametrize("codec", ["utf-8", "gbk"])
def test_two_megabyte_file(tmp_path, paragraph, codec):
    text = "\n".join([paragraph] * (2_000_000 // len(paragraph.encode(codec)) + 1))
    path = write(tmp_path, "big.txt", text.encode(codec))
    assert path.stat().st_size > 2_000_000
    started = time.perf_counter()
    doc = load_path(path)
    assert doc.text == text
    assert time.perf_counter() - started < 5


def test_markdown_and_text_extensions(tmp_path):
    for name in ("a.md", "a.text", "A.TXT"):
        assert load_path(write(tmp_path, name, "报告".encode())).format == "txt"


# --- paths and formats --------------------------------------------------------


def test_unsupported_extension(tmp_path):
    path = write(tmp_path, "report.doc", b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnsupportedFormatError, match=r"'\.doc'.*\.docx.*\.txt"):
        load_path(path)


def test_no_extension_is_unsupported(tmp_path):
    with pytest.raises(UnsupportedFormatError, match="without an extension"):
        load_path(write(tmp_path, "README", b"text"))


def test_missing_path(tmp_path):
    path = tmp_path / "nowhere" / "report.txt"
    with pytest.raises(InputError, match="no such file") as info:
        load_path(path)
    assert str(path) in str(info.value)


def test_directory(tmp_path):
    folder = tmp_path / "reports.txt"
    folder.mkdir()
    with pytest.raises(InputError, match="directory"):
        load_path(folder)


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "locked.txt", "报告".encode())

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InputError, match="cannot read.*Permission denied") as info:
        load_path(path)
    assert str(path) in str(info.value)


def test_explicit_doc_id(tmp_path):
    assert load_path(write(tmp_path, "a.txt", b"x"), doc_id="ledu-2020").id == "ledu-2020"


def test_supported_formats():
    assert set(SUPPORTED_FORMATS) == {"txt", "html", "docx", "pdf"}


# --- HTML ---------------------------------------------------------------------

REPORT_HTML_BODY = """
 <div class="detail-title"><h1>鲁甸县2020年法治政府建设年度报告</h1></div>
 <div id="zoom" class="TRS_Editor">
  <p>&nbsp;&nbsp;一、全面推进依法治县工作开展</p>
  <p>　　(一)健全机构,完善工作机制。鲁甸于2019年4月成立了依法治县委员会,
  鲁委〔2019〕78号,县委夏书记担任委员会<span style="font-weight:bold">主任</span>。</p>
  <table><tr><td>项目</td><td>数量</td></tr><tr><td>行政复议</td><td>35件</td></tr></table>
  <p>第一行<br>第二行</p>
  <p></p><p>&nbsp;</p><p></p>
  <p>二、存在的问题</p>
 </div>
"""

EXPECTED_BODY = (
    "  一、全面推进依法治县工作开展\n"
    "　　(一)健全机构,完善工作机制。鲁甸于2019年4月成立了依法治县委员会,"
    "鲁委〔2019〕78号,县委夏书记担任委员会主任。\n"
    "项目\t数量\n"
    "行政复议\t35件\n"
    "第一行\n"
    "第二行\n"
    "\n"
    "二、存在的问题"
)

BOILERPLATE = [
    "脚本内容",
    "样式",
    "无障碍浏览",
    "首页",
    "政务公开",
    "分享到",
    "版权所有",
    "ICP备",
    "公网安备",
    "注释",
    "网站地图",
]


def gov_page(body: str, head: str = '<meta charset="utf-8">', container: bool = True) -> str:
    wrapper = body if container else body.replace('id="zoom" class="TRS_Editor"', "")
    return f"""<!DOCTYPE html>
<html><head>{head}<title>鲁甸县人民政府</title>
<style>.样式{{color:red}}</style><script>var x = "脚本内容";</script></head>
<body>
<div class="topbar">欢迎访问鲁甸县人民政府网站 | 无障碍浏览</div>
<div id="Header"><ul class="mainMenu"><li><a href="/">首页</a></li><li><a>政务公开</a></li></ul></div>
<nav><a href="/">首页</a> &gt; <a>政务公开</a></nav>
<div class="wrap">{wrapper}
 <div class="bdsharebuttonbox">分享到：微信 微博</div>
</div>
<aside><a>网站地图</a></aside>
<div class="footer"><p>版权所有：鲁甸县人民政府</p><p>滇ICP备05000012号 滇公网安备53062102000101号</p></div>
<!-- 注释 -->
</body></html>"""


def test_html_boilerplate_dropped_body_kept(tmp_path):
    doc = load_path(write(tmp_path, "page.html", gov_page(REPORT_HTML_BODY).encode()))
    assert doc.format == "html"
    assert doc.encoding == "utf-8"
    assert doc.id == "page"
    assert doc.text == EXPECTED_BODY
    for junk in BOILERPLATE:
        assert junk not in doc.text


def test_utf8_html_declared_as_gb2312(tmp_path):
    head = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    doc = load_path(write(tmp_path, "page.html", gov_page(REPORT_HTML_BODY, head=head).encode()))
    assert doc.encoding == "utf-8"
    assert doc.text == EXPECTED_BODY


def test_html_without_content_container_drops_boilerplate(tmp_path):
    page = gov_page(REPORT_HTML_BODY, container=False)
    doc = load_path(write(tmp_path, "page.htm", page.encode()))
    assert doc.text.endswith(EXPECTED_BODY)
    assert "鲁甸县2020年法治政府建设年度报告" in doc.text
    for junk in BOILERPLATE:
        assert junk not in doc.text


def test_html_page_wrapped_in_a_form_keeps_the_body(tmp_path):
    page = gov_page(REPORT_HTML_BODY, container=False)
    page = page.replace("<body>", '<body><form id="form1" class="header-wrap">')
    page = page.replace("</body>", "</form></body>")
    doc = load_path(write(tmp_path, "page.html", page.encode()))
    assert doc.text.endswith(EXPECTED_BODY)


def test_html_source_line_breaks_inside_text(tmp_path):
    page = "<html><body><p>依法\n  治县  工作\n</p><p>English\n words</p></body></html>"
    doc = load_path(write(tmp_path, "a.html", page.encode()))
    assert doc.text == "依法治县 工作\nEnglish words"


@pytest.mark.parametrize(
    "head",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        '<meta charset="GBK">',
        '<meta charset="utf-8">',  # a wrong declaration does not produce mojibake
        "",
    ],
)
def test_gbk_html(tmp_path, head):
    data = gov_page(REPORT_HTML_BODY, head=head).encode("gbk")
    doc = load_path(write(tmp_path, "page.html", data))
    assert doc.encoding == "gb18030"
    assert doc.text == EXPECTED_BODY


def test_html_without_visible_text_is_empty(tmp_path):
    page = (
        "<html><head><title>报告</title></head>"
        "<body><script>x()</script><!-- 注释 --></body></html>"
    )
    with pytest.raises(EmptyDocumentError):
        load_path(write(tmp_path, "a.html", page.encode()))


# --- DOCX ---------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("一、全面推进依法治县工作开展")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "数量"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "行政复议35件"
    document.add_paragraph("二、存在的问题")
    document.add_paragraph("　　执法人员素质有待提高。")
    path = tmp_path / "report.docx"
    document.save(path)

    doc = load_path(path)
    assert doc.format == "docx"
    assert doc.encoding is None
    assert doc.text.split("\n") == [
        "一、全面推进依法治县工作开展",
        "项目 | 数量",
        "行政复议35件",
        "二、存在的问题",
        "　　执法人员素质有待提高。",
    ]


def test_corrupt_docx(tmp_path):
    with pytest.raises(InputError, match="not a readable .docx"):
        load_path(write(tmp_path, "bad.docx", b"PK\x03\x04 not really a zip"))


def test_docx_upload(tmp_path):
    document = docx.Document()
    document.add_paragraph("依法行政工作报告")
    path = tmp_path / "x.docx"
    document.save(path)
    doc = load_bytes(path.read_bytes(), filename="C:\\Users\\me\\依法行政.docx")
    assert doc.id == "依法行政"
    assert doc.text == "依法行政工作报告"


# --- PDF ----------------------------------------------------------------------


def make_pdf(path: Path, pages: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    # A built-in CID font: a real text layer without any font file on disk.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for text in pages:
        pdf.setFont("STSong-Light", 12)
        pdf.drawString(50, 800, text)
        pdf.showPage()
    pdf.save()


def test_pdf_with_chinese_text_layer(tmp_path):
    path = tmp_path / "report.pdf"
    first = "鲁甸于2019年4月成立了依法治县委员会。"
    second = "二、存在的问题"
    make_pdf(path, [first, second])
    doc = load_path(path)
    assert doc.format == "pdf"
    lines = doc.text.splitlines()
    assert first in lines[0]
    assert second in lines[-1]


def test_scanned_pdf_is_refused(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(InputError, match="no text layer.*OCR is not supported"):
        load_path(path)


def test_corrupt_pdf(tmp_path):
    with pytest.raises(InputError, match="not a readable PDF"):
        load_path(write(tmp_path, "bad.pdf", b"%PDF-1.7\n garbage \x00\x01"))


# --- uploads and strings ------------------------------------------------------


def test_upload_by_extension(paragraph):
    doc = load_bytes(paragraph.encode("gbk"), filename="ludian-2020.txt")
    assert (doc.id, doc.text, doc.source, doc.encoding) == (
        "ludian-2020",
        paragraph,
        "ludian-2020.txt",
        "gb18030",
    )


def test_upload_by_content_type():
    page = gov_page(REPORT_HTML_BODY).encode()
    doc = load_bytes(page, content_type="text/html; charset=utf-8")
    assert (doc.format, doc.id, doc.text) == ("html", "upload", EXPECTED_BODY)


def test_upload_charset_from_content_type():
    data = "法治政府建設年度報告".encode("big5")
    doc = load_bytes(data, filename="a.txt", content_type="text/plain; charset=big5")
    assert doc.text == "法治政府建設年度報告"
    assert doc.encoding == "big5"


@pytest.mark.parametrize(
    "filename", [None, "page.txt", "download"], ids=["no-name", "txt", "no-extension"]
)
def test_upload_html_sniffed(filename):
    page = gov_page(REPORT_HTML_BODY).encode()
    doc = load_bytes(page, filename=filename, content_type="application/octet-stream")
    assert doc.format == "html"
    assert doc.text == EXPECTED_BODY


def test_upload_unsupported():
    with pytest.raises(UnsupportedFormatError, match="'.xlsx'"):
        load_bytes(b"PK\x03\x04", filename="data.xlsx")
    with pytest.raises(UnsupportedFormatError, match="'image/png'"):
        load_bytes(b"\x89PNG\r\n", content_type="image/png")


def test_upload_empty():
    with pytest.raises(EmptyDocumentError):
        load_bytes(b"", filename="a.docx")


def test_load_text_keeps_the_string_as_given():
    text = "一、工作情况\r\n　　二、问题\r"
    doc = load_text(text)
    assert doc.text == text
    assert (doc.id, doc.format, doc.source, doc.encoding) == ("stdin", "txt", "<stdin>", None)
    assert load_text("。", doc_id="x").id == "x"
    with pytest.raises(EmptyDocumentError):
        load_text(" \n\u3000")
