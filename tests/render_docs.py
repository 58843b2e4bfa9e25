"""Render the seed reports as the files people publish: PDF, Word, web pages.

Each report line (a paragraph or a heading of the .txt) becomes one paragraph of
the file. The PDFs are laid out here, line by line, with reportlab's built-in CID
font (``STSong-Light``: a real Chinese text layer, no font file): greedy line
breaking without hyphens, closing punctuation kept off the start of a line, and
opening punctuation off its end, as Chinese typesetting does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from govtag.schema import DocumentResult
from govtag.segment import SentenceSplitter, match_marker
from govtag.types import Document
from tests.paths import SEEDS

FONT = "STSong-Light"
SEED_IDS = sorted(path.stem for path in (SEEDS / "reports").glob("*.txt"))
GENERIC_TITLE = "法治政府建设年度报告"


def seed_text(seed_id: str) -> str:
    return (SEEDS / "reports" / f"{seed_id}.txt").read_text(encoding="utf-8")


def report_lines(text: str) -> list[str]:
    """The report's non-blank lines, without their indentation."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def report_title(text: str) -> str:
    """The report's title line if it has one near the top, else a generic title."""
    for line in report_lines(text)[:5]:
        if "报告" in line and len(line) <= 40 and line[-1] not in "。；：:;":
            return line
    return GENERIC_TITLE


@dataclass(frozen=True)
class ReportLine:
    """A line of a report as the segmenter reads it."""

    text: str  # without its indentation
    start: int  # where ``text`` starts in the report
    marker: str  # the enumeration marker that opens the line, with the space after it; "" if none
    level: int | None  # the heading level when the line opens with a numbered heading
    whole_heading: bool  # the heading is the whole line (a heading paragraph, not a title run in)


def report_structure(text: str) -> list[ReportLine]:
    """Every non-blank line of a report, with the level of the enumeration marker that opens it.

    A marker's level is the one the segmenter gives the headings of its family
    (一、 → 1, （一） → 2 …); a line whose marker opens no heading (the title runs
    on too long) still has its family's level, as a Word list would number it.
    """
    segments = SentenceSplitter().split(Document("seed", text)).segments
    family_level: dict[str, int] = {}
    for segment in segments:
        family = match_marker(text, segment.start, segment.end)[0]
        if segment.is_heading and family is not None and segment.level is not None:
            family_level.setdefault(family, segment.level)
    heading_ends = {segment.start: segment.end for segment in segments if segment.is_heading}
    lines = []
    for match in re.finditer(r"[^\n]+", text):
        stripped = match.group().strip()
        if not stripped:
            continue
        start = match.start() + match.group().index(stripped)
        end = start + len(stripped)
        family, title_start = match_marker(text, start, end)
        if family not in family_level:
            lines.append(ReportLine(stripped, start, "", None, False))
            continue
        whole = heading_ends.get(start) == end
        lines.append(ReportLine(stripped, start, text[start:title_start], family_level[family], whole))
    return lines


# --------------------------------------------------------------------------- PDF

_NO_LINE_START = frozenset("，,、。．.；;：:！!？?）)]］】》」』〕”’%％…")
_NO_LINE_END = frozenset("（([［【《「『〔“‘")
_UNIT = re.compile(r"[!-~]+| +|.", re.DOTALL)  # a run of ASCII (never broken), spaces, or one character


@dataclass(frozen=True)
class PdfLayout:
    """A page design: A4, text column between the margins, one font size."""

    name: str
    left: float
    right: float
    justified: bool
    first_indent_em: float
    paragraph_space: float  # points between paragraphs
    running_header: bool
    footer: str  # page number format, {page} and {pages}
    size: float = 12.0
    leading: float = 20.0
    top: float = 72.0
    bottom: float = 72.0


LAYOUTS = {
    # Single column, ragged right, first-line indents, the title on top of every page, — N — below.
    "header_footer": PdfLayout("header_footer", 72, 72, False, 2.0, 0.0, True, "— {page} —"),
    # A narrow justified column, no indents but space between paragraphs, 第N页 共M页 below.
    "justified": PdfLayout("justified", 140, 140, True, 0.0, 8.0, False, "第{page}页 共{pages}页"),
}


def render_pdf(text: str, path: Path, layout: PdfLayout) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = A4
    column = width - layout.left - layout.right

    def measure(piece: str) -> float:
        return pdfmetrics.stringWidth(piece, FONT, layout.size)

    pages: list[list[tuple[float, float, str, float]]] = [[]]  # (x, y, text, char space)
    y = height - layout.top
    for paragraph in report_lines(text):
        indent = layout.first_indent_em * layout.size
        lines = list(_break_lines(paragraph, column - indent, column, measure))
        for number, line in enumerate(lines):
            if y < layout.bottom:
                pages.append([])
                y = height - layout.top
            x = layout.left + (indent if number == 0 else 0.0)
            space = 0.0
            if layout.justified and number < len(lines) - 1 and len(line) > 1:
                space = (column - (x - layout.left) - measure(line)) / (len(line) - 1)
            pages[-1].append((x, y, line, space))
            y -= layout.leading
        y -= layout.paragraph_space
    pdf = canvas.Canvas(str(path), pagesize=A4)
    title = report_title(text)
    for number, lines in enumerate(pages, start=1):
        pdf.setFont(FONT, 9)
        if layout.running_header:
            pdf.drawCentredString(width / 2, height - 40, title)
        pdf.drawCentredString(width / 2, 36, layout.footer.format(page=number, pages=len(pages)))
        for x, y, line, space in lines:
            text_object = pdf.beginText(x, y)
            text_object.setFont(FONT, layout.size)
            text_object.setCharSpace(space)
            text_object.textOut(line)
            pdf.drawText(text_object)
        pdf.showPage()
    pdf.save()


def _break_lines(
    paragraph: str, first_width: float, width: float, measure: Callable[[str], float]
) -> Iterator[str]:
    """Greedy line breaking by units: an ASCII run is never split (no hyphens), punctuation stays attached."""
    units = _units(paragraph)
    line = ""
    available = first_width
    for unit in units:
        if not line or measure(line + unit.rstrip()) <= available:
            line += unit
            continue
        yield line.rstrip()
        line = unit.lstrip()
        available = width
    if line.strip():
        yield line.rstrip()


def _units(paragraph: str) -> list[str]:
    """The pieces a line may not be broken inside."""
    units: list[str] = []
    glue_next = False
    for match in _UNIT.finditer(paragraph):
        piece = match.group()
        if units and (glue_next or piece[0] in _NO_LINE_START):
            units[-1] += piece
        else:
            units.append(piece)
        glue_next = piece[-1] in _NO_LINE_END
    return units


# --------------------------------------------------------------------------- comparing results


def char_labels(result: DocumentResult, length: int) -> list[str | None]:
    """The label of the sentence over each character of the text (None between sentences)."""
    labels: list[str | None] = [None] * length
    for sentence in result.sentences:
        labels[sentence.start : sentence.end] = [sentence.label] * (sentence.end - sentence.start)
    return labels


def label_agreement(
    reference: DocumentResult, reference_text: str, other: DocumentResult, other_text: str, skip: set[int] = frozenset()
) -> float:
    """The share of the reference's characters that come back with the same label.

    Whitespace is layout, not text: it is left out on both sides, and the two
    texts are aligned character by character (difflib); a reference character
    with no counterpart counts as a disagreement. ``skip`` holds reference
    offsets that the rendering left out on purpose (a marker moved into a style).
    """
    ours = [i for i, char in enumerate(reference_text) if not char.isspace() and i not in skip]
    theirs = [j for j, char in enumerate(other_text) if not char.isspace()]
    ours_labels = char_labels(reference, len(reference_text))
    theirs_labels = char_labels(other, len(other_text))
    matcher = SequenceMatcher(
        None, [reference_text[i] for i in ours], [other_text[j] for j in theirs], autojunk=False
    )
    agreed = sum(
        ours_labels[ours[a + k]] == theirs_labels[theirs[b + k]]
        for a, b, size in matcher.get_matching_blocks()
        for k in range(size)
    )
    return agreed / len(ours)


def entity_multiset(result: DocumentResult) -> Counter[tuple[str, str]]:
    """(type, text) of every entity, whitespace written as single spaces."""
    return Counter((entity.type, " ".join(entity.text.split())) for entity in result.entities)


# --------------------------------------------------------------------------- Word

#: Indicators put in a table at the end of every Word rendering: one row per indicator.
INDICATOR_ROWS = [
    ("指标", "数值"),
    ("行政机关负责人出庭应诉率", "90.20%"),
    ("行政复议案件", "35件"),
    ("领导干部法治培训", "12次"),
]
DOCX_VARIANTS = ("styles", "numbering")

_CN_NUMERALS = "〇零一二三四五六七八九十百"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_NUMBER_IN_MARKER = re.compile(f"[{_CN_NUMERALS}]+|[0-9０-９]+|[{_CIRCLED}]")


@dataclass(frozen=True)
class DocxRendering:
    path: Path
    skipped: set[int]  # report offsets left out of the file on purpose (markers a style replaces)


def render_docx(text: str, path: Path, variant: str) -> DocxRendering:
    """A Word file of the report, its headings set in heading styles without their markers.

    ``styles``: the markers are gone. ``numbering``: they come back from Word's
    automatic numbering, the heading styles linked to a multilevel list (as Word's
    "heading numbering" does) and numbered paragraphs with a title run in
    (（一）健全机构。根据……) numbered directly at the same list level.
    """
    import docx

    document = docx.Document()
    lines = report_structure(text)
    num_id = _add_heading_list(document, lines) if variant == "numbering" else None
    skipped: set[int] = set()
    for line in lines:
        if line.level is None or (variant == "styles" and not line.whole_heading):
            document.add_paragraph(line.text)
            continue
        body = line.text[len(line.marker) :]
        if variant == "styles":
            skipped.update(range(line.start, line.start + len(line.marker)))
        paragraph = document.add_paragraph(body, f"Heading {line.level}" if line.whole_heading else None)
        if num_id is not None and not line.whole_heading:
            number_paragraph(paragraph._p.get_or_add_pPr(), num_id, line.level - 1)
    table = document.add_table(rows=len(INDICATOR_ROWS), cols=2)
    for row, cells in zip(table.rows, INDICATOR_ROWS):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    document.save(path)
    return DocxRendering(path, skipped)


def _add_heading_list(document, lines: list[ReportLine]) -> str:
    """A multilevel list whose levels look like the report's markers, linked to Heading 1-9."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    templates: dict[int, tuple[str, str]] = {}
    for line in lines:
        if line.level is not None and line.level not in templates:
            marker = line.marker.strip()
            number = _NUMBER_IN_MARKER.search(marker)
            fmt = "decimal"
            if number and number.group()[0] in _CN_NUMERALS:
                fmt = "chineseCounting"
            elif number and number.group() in _CIRCLED:
                fmt = "decimalEnclosedCircle"
            lvl_text = marker[: number.start()] + f"%{line.level}" + marker[number.end() :] if number else marker
            templates[line.level] = (fmt, lvl_text)
    numbering = document.part.numbering_part.element
    abstract_id = str(900 + len(numbering.xpath("./w:abstractNum")))
    levels = "".join(
        f'<w:lvl w:ilvl="{level - 1}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:pStyle w:val="Heading{level}"/><w:suff w:val="nothing"/><w:lvlText w:val="{lvl_text}"/></w:lvl>'
        for level, (fmt, lvl_text) in sorted(templates.items())
    )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
    )
    first_num = numbering.xpath("./w:num")
    if first_num:
        first_num[0].addprevious(abstract)
    else:
        numbering.append(abstract)
    num_id = str(900 + len(numbering.xpath("./w:num")))
    num = f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'
    numbering.append(parse_xml(num))
    for level in templates:
        style = document.styles[f"Heading {level}"]
        number_paragraph(style.element.get_or_add_pPr(), num_id, None)
    return num_id


def number_paragraph(ppr, num_id: str, ilvl: int | None) -> None:
    """Give a paragraph (or a style) automatic numbering: list ``num_id``, level ``ilvl``."""
    num_pr = ppr.get_or_add_numPr()
    if ilvl is not None:
        num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = int(num_id)


# --------------------------------------------------------------------------- web pages

#: Seed lines that are a web page's own chrome, copied into the .txt with the report
#: (breadcrumbs, date and font-size bars, footers); a page built here holds the rest.
SEED_CHROME = re.compile(
    r"^(?:当前位置|日期[:：]|字体[:：]|分享[:：]|版权所有|主办单位|承办单位|微信公众号|政务微博|ICP备案|来源[:：].*时间[:：])"
    r"|公网安备|网站标识码|The People's Government"
)


@dataclass(frozen=True)
class PageMeta:
    title: str
    source: str
    date: str  # ISO, as the metadata should come back
    views: str  # a view counter, never an indicator


@dataclass(frozen=True)
class WebPage:
    layout: str
    html: str
    body: str  # the report text the page holds, one paragraph per line
    chrome: tuple[str, ...]  # strings that are only in the page's chrome
    meta: PageMeta


def page_body(text: str) -> list[str]:
    """The report lines a web page shows as its article: the seed without its own page chrome."""
    return [line for line in report_lines(text) if not SEED_CHROME.search(line)]


def page_meta(text: str) -> PageMeta:
    return PageMeta(title=report_title(text), source="县司法局", date="2021-01-05", views="1286")


_RELATED = ("关于印发《2021年法治政府建设工作要点》的通知", "2019年度法治政府建设情况报告", "政府信息公开工作年度报告")
_NAV = ("首页", "政务公开", "政务服务", "互动交流", "走进本县")
_FOOTER = ("主办单位：县人民政府办公室", "承办单位：县电子政务中心", "备案号：滇ICP备05000012号", "网站标识码：5306210001")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paragraphs(lines: list[str], style: str) -> str:
    if style == "indent":
        return "\n".join(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{_esc(line)}</p>" for line in lines)
    if style == "css":
        return "\n".join(f'<p style="text-indent:2em;line-height:2"><span>{_esc(line)}</span></p>' for line in lines)
    if style == "br":
        return "<br/>\n".join(f"　　{_esc(line)}" for line in lines) + "<br/>"
    return "\n".join(f'<div class="p">{_esc(line)}</div>' for line in lines)


def _related() -> str:
    items = "".join(
        f'<li><a href="/art/{n}.html">{title}</a><span>2020-12-{10 + n}</span></li>' for n, title in enumerate(_RELATED)
    )
    return f'<div class="xglj"><h3>相关链接</h3><ul>{items}</ul></div>'


def _menu() -> str:
    return '<ul class="menu">' + "".join(f'<li><a href="/">{item}</a></li>' for item in _NAV) + "</ul>"


def _footer_lines() -> str:
    return "".join(f"<p>{item}</p>" for item in _FOOTER)


def page_trs(meta: PageMeta, lines: list[str]) -> str:
    """A TRS WCM article: title, an info bar, the body in div.TRS_Editor, print/close links, related links."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{meta.title}_县人民政府</title></head><body>
<div class="top"><div class="logo"><img src="logo.png" alt="县人民政府"></div>{_menu()}</div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; <a>法治政府建设</a></div>
<div class="article">
 <h1 class="article-title">{meta.title}</h1>
 <div class="article-info">来源：{meta.source}&nbsp;&nbsp;发布时间：{meta.date} 09:30&nbsp;&nbsp;浏览次数：<span
 id="views">{meta.views}</span>&nbsp;&nbsp;字号：【<a>大</a> <a>中</a> <a>小</a>】</div>
 <div class="TRS_Editor"><style>.TRS_Editor p{{margin:0}}</style>
{_paragraphs(lines, "indent")}
 </div>
 <div class="article-tools">【<a href="javascript:window.print()">打印本页</a>】【<a
 href="javascript:window.close()">关闭窗口</a>】</div>
 {_related()}
</div>
<div class="foot">{_footer_lines()}</div>
</body></html>"""


def page_table_layout(meta: PageMeta, lines: list[str]) -> str:
    """An old CMS laid out with tables, no classes, the body in td#zoom, GBK-era markup."""
    footer = "<br>".join(_FOOTER)
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{meta.title}</title></head>
<body><table width="1000" align="center" cellpadding="0" cellspacing="0"><tr><td><img src="banner.jpg"></td></tr>
<tr><td>{" | ".join(f'<a href="/">{item}</a>' for item in _NAV)}</td></tr>
<tr><td>您现在的位置：<a href="/">首页</a> → <a>信息公开</a> → <a>工作报告</a></td></tr>
<tr><td><table width="100%"><tr><td align="center"><font size="5"><b>{meta.title}</b></font></td></tr>
<tr><td align="center">发布日期：{meta.date.replace("-", "年", 1).replace("-", "月", 1)}日&nbsp;&nbsp;信息来源：{meta.source}
&nbsp;&nbsp;点击数：{meta.views}&nbsp;&nbsp;【字体：<a>大</a> <a>中</a> <a>小</a>】</td></tr>
<tr><td id="zoom">{_paragraphs(lines, "br")}</td></tr>
<tr><td align="right">【<a href="#">打印本页</a>】&nbsp;【<a href="#">关闭窗口</a>】&nbsp;【<a href="#">返回顶部</a>】</td></tr>
</table></td></tr>
<tr><td><table width="100%"><tr><td>相关链接：</td></tr>
{"".join(f'<tr><td><a href="#">{title}</a></td></tr>' for title in _RELATED)}</table></td></tr>
<tr><td align="center">{footer}<br>技术支持：信息中心</td></tr></table></body></html>"""


def page_article_content(meta: PageMeta, lines: list[str]) -> str:
    """A newer template: div.article-content, a meta bar of spans, a share bar, previous/next links."""
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>{meta.title} - 政务公开 - 县人民政府</title></head><body>
<header class="site-header">{_menu()}</header>
<div class="breadcrumb"><a href="/">首页</a> » <a>政务公开</a> » 正文</div>
<div class="container"><div class="main">
 <div class="detail"><div class="detail-title">{meta.title}</div>
 <div class="detail-meta"><span>发布日期：{meta.date}</span><span>来源：{meta.source}</span><span>阅读量：{meta.views}</span>
 <span class="font">字号：<a>大</a><a>中</a><a>小</a></span></div>
 <div class="article-content">{_paragraphs(lines, "css")}</div>
 <div class="bdsharebuttonbox">分享到：<a>微信</a><a>微博</a></div>
 <div class="prev-next"><p>上一篇：<a>{_RELATED[1]}</a></p><p>下一篇：<a>{_RELATED[2]}</a></p></div>
 </div></div>
 <div class="side"><h3>相关文章</h3><ul>{"".join(f"<li><a>{title}</a></li>" for title in _RELATED)}</ul></div>
</div>
<div class="footer"><div class="wrap">{_footer_lines()}</div></div></body></html>"""


def page_hanweb(meta: PageMeta, lines: list[str]) -> str:
    """A Hanweb page: the government-site meta tags, the body in div#zoom inside a wrapper of info tables."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="SiteName" content="县人民政府"><meta name="ColumnName" content="法治政府建设">
<meta name="ArticleTitle" content="{meta.title}"><meta name="PubDate" content="{meta.date} 10:12">
<meta name="ContentSource" content="{meta.source}"><title>县人民政府 {meta.title}</title></head><body>
<div id="top">{_menu()}</div>
<div class="main-box">
<table class="xxgk-info"><tr><td>索引号：</td><td>11530621MB0Q48/2021-00012</td><td>发布机构：</td><td>{meta.source}</td></tr>
<tr><td>名称：</td><td colspan="3">{meta.title}</td></tr>
<tr><td>发布日期：</td><td>{meta.date}</td><td>访问量：</td><td>{meta.views}</td></tr></table>
<div class="bt_content"><div id="zoom">{_paragraphs(lines, "div")}</div></div>
<div class="wzy_tool"><a>【打印本页】</a><a>【关闭窗口】</a></div>
</div>
<div id="bottom"><div class="bottom-nav"><a>网站地图</a> | <a>联系我们</a></div>{_footer_lines()}</div></body></html>"""


def page_semantic(meta: PageMeta, lines: list[str]) -> str:
    """A page in HTML5 elements: main > article with a header, an aside of related links, a footer."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="og:title" content="{meta.title}">
<title>{meta.title}</title></head><body>
<nav>{_menu()}</nav>
<main><nav class="crumbs">当前位置：<a>首页</a> &gt; <a>政府信息公开</a></nav>
<article><header><h1>{meta.title}</h1>
<p class="meta">来源：{meta.source} | 发布时间：{meta.date} | 浏览次数：{meta.views}</p></header>
<section class="zoom">{_paragraphs(lines, "indent")}</section>
<p class="tools">【打印本页】【关闭窗口】</p>
</article>
<aside>{_related()}</aside></main>
<footer>{_footer_lines()}</footer></body></html>"""


def page_plain(meta: PageMeta, lines: list[str]) -> str:
    """A page with no class or id to go by: the chrome is only told by what it says."""
    return f"""<html><head><meta charset="utf-8"><title>{meta.title}</title></head><body>
<div>{" ".join(f'<a href="/">{item}</a>' for item in _NAV)}</div>
<div>当前位置：<a>首页</a> &gt; <a>政务公开</a></div>
<h2>{meta.title}</h2>
<div>来源：{meta.source}　发布时间：{meta.date}　浏览次数：{meta.views}　字号：【大 中 小】</div>
<div>{_paragraphs(lines, "indent")}</div>
<div>【打印本页】　【关闭窗口】</div>
<div><b>相关链接</b><br>{"<br>".join(f"<a>{title}</a>" for title in _RELATED)}</div>
<div>{"<br>".join(_FOOTER)}</div></body></html>"""


PAGE_LAYOUTS = {
    "trs": page_trs,
    "table_layout": page_table_layout,
    "article_content": page_article_content,
    "hanweb": page_hanweb,
    "semantic": page_semantic,
    "plain": page_plain,
}

#: Strings that only the page chrome holds: any of them in the extracted text is chrome that leaked.
PAGE_CHROME = (
    "当前位置", "您现在的位置", "首页", "政务服务", "浏览次数", "点击数", "阅读量", "访问量", "1286",
    "字号", "字体", "打印本页", "关闭窗口", "返回顶部", "相关链接", "相关文章", "上一篇", "下一篇", "分享到",
    "主办单位", "承办单位", "备案号", "ICP备", "网站标识码", "技术支持", "网站地图", "索引号",
    *_RELATED,
)  # fmt: skip


def web_pages(seed_id: str) -> list[WebPage]:
    """The seed report in every page layout."""
    text = seed_text(seed_id)
    lines = page_body(text)
    meta = page_meta(text)
    return [
        WebPage(name, render(meta, lines), "\n".join(lines), PAGE_CHROME, meta) for name, render in PAGE_LAYOUTS.items()
    ]


def chars_lost(expected: str, got: str) -> int:
    """Non-whitespace characters of ``expected`` with no counterpart in ``got`` (aligned with difflib)."""
    ours = [char for char in expected if not char.isspace()]
    theirs = [char for char in got if not char.isspace()]
    matcher = SequenceMatcher(None, ours, theirs, autojunk=False)
    return len(ours) - sum(block.size for block in matcher.get_matching_blocks())


def chrome_leaked(page: WebPage, got: str) -> list[str]:
    """The page's chrome strings found in the extracted text (those the report itself holds excepted)."""
    return [item for item in page.chrome if item in got and item not in page.body]
