"""Web pages as governments publish them: the report kept, the chrome dropped, the page's metadata kept.

Every seed report is put into six page layouts (``tests/render_docs.py``: TRS,
table layout, article-content, Hanweb, HTML5, no classes); the same pages are
the benchmark of ``benchmarks/html_extractors.py``.
"""

from __future__ import annotations

import pytest

from govtag.ingest import load_bytes
from govtag.ingest.html import is_chrome_line
from tests.render_docs import (
    PAGE_LAYOUTS,
    SEED_IDS,
    chars_lost,
    chrome_leaked,
    entity_multiset,
    web_pages,
)

PAGES = {(seed_id, page.layout): page for seed_id in SEED_IDS for page in web_pages(seed_id)}


@pytest.mark.parametrize("layout", sorted(PAGE_LAYOUTS))
@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_report_kept_chrome_dropped(seed_id, layout):
    page = PAGES[seed_id, layout]
    doc = load_bytes(page.html.encode("utf-8"), filename=f"{seed_id}.html")
    assert doc.format == "html"
    assert chrome_leaked(page, doc.text) == []
    assert chars_lost(page.body, doc.text) == 0


@pytest.mark.parametrize("layout", sorted(PAGE_LAYOUTS))
@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_title_source_and_date_kept_as_metadata(seed_id, layout):
    page = PAGES[seed_id, layout]
    doc = load_bytes(page.html.encode("utf-8"), filename=f"{seed_id}.html")
    assert doc.metadata == {"title": page.meta.title, "source": page.meta.source, "date": page.meta.date}


@pytest.mark.parametrize("layout", sorted(PAGE_LAYOUTS))
def test_page_tags_like_its_report(rules_pipeline, layout):
    """The same entities as the report alone: none from the view counter, the related links or the footer.

    Without a content container to go by, the page's title stays in the text, as the report's first line.
    """
    for seed_id in SEED_IDS:
        page = PAGES[seed_id, layout]
        doc = load_bytes(page.html.encode("utf-8"), filename=f"{seed_id}.html")
        got = rules_pipeline.annotate_documents([doc])[0]
        report = page.body
        if doc.text.count("\n") > report.count("\n") and doc.text.startswith(page.meta.title + "\n"):
            report = f"{page.meta.title}\n{report}"
        assert entity_multiset(got) == entity_multiset(rules_pipeline.annotate(report, seed_id))
        assert not any(page.meta.views in entity.text for entity in got.entities)


@pytest.mark.parametrize(
    "bar",
    [
        "浏览次数：1286",
        "阅读量：1286次",
        "点击数：<span>1286</span>",
        "来源：县司法局 发布时间：2021-01-05 浏览次数：1286 字号：【大 中 小】",
        "<span>发布日期：2021-01-05</span><span>访问量：1286</span>",
    ],
)
def test_a_view_counter_is_never_an_indicator(rules_pipeline, bar):
    page = (
        '<html><head><meta charset="utf-8"></head><body><div class="info">'
        f"{bar}</div><div><p>一、工作开展情况</p><p>全年共办理行政复议案件35件，办结率100%。</p></div></body></html>"
    )
    doc = load_bytes(page.encode("utf-8"), filename="page.html")
    assert "1286" not in doc.text
    result = rules_pipeline.annotate_documents([doc])[0]
    assert sorted(entity.text for entity in result.entities if entity.type == "NUM") == ["100%", "35件"]


@pytest.mark.parametrize(
    "line",
    [
        "当前位置：首页 > 政务公开 > 法治政府建设",
        "您现在的位置：首页 → 信息公开",
        "来源：县司法局　发布时间：2021-01-05 09:30　浏览次数：1286　字号：【大 中 小】",
        "发布日期：2021年01月05日 信息来源：县司法局",
        "【打印本页】【关闭窗口】",
        "【打印本页】 【关闭窗口】 【返回顶部】",
        "分享到：微信 微博",
        "上一篇：2019年度法治政府建设情况报告",
        "相关链接",
        "相关文章：",
        "主办单位：县人民政府办公室 承办单位：县电子政务中心",
        "备案号：滇ICP备05000012号 网站标识码：5306210001",
        "版权所有 © 县人民政府",
        "网站地图 | 联系我们",
        "浏览次数：1286",
        "索引号：11530621MB0Q48/2021-00012 发布机构：县司法局",
    ],
)
def test_chrome_lines(line):
    assert is_chrome_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "一、工作开展情况",
        "【法治政府建设】2022年度银州区法治政府建设报告",
        "加强规范性文件备案审查，全年备案审查文件12件。",
        "数据来源于县统计局，全年行政复议案件35件。",
        "时间紧、任务重，各部门按时完成了清理工作。",
        "严格执行《重大行政决策程序暂行条例》，发布时间节点明确。",
        "2021年1月5日",
        "县人民政府",
        "全县大中小学开展“法治进校园”活动，覆盖学生2万人，印发宣传资料5000份。",
    ],
)
def test_report_lines_are_not_chrome(line):
    assert not is_chrome_line(line)


def test_metadata_from_meta_tags_wins_over_the_page_text():
    page = (
        '<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="鲁甸县2020年法治政府建设年度报告">'
        '<meta name="PubDate" content="2021-01-05 10:12"><meta name="ContentSource" content="鲁甸县司法局">'
        "<title>鲁甸县人民政府</title></head><body><div>来源：本站 发布时间：2021-01-06</div>"
        "<div id='zoom'><p>一、全面推进依法治县工作开展</p></div></body></html>"
    )
    doc = load_bytes(page.encode("utf-8"), filename="page.html")
    assert doc.metadata == {"title": "鲁甸县2020年法治政府建设年度报告", "source": "鲁甸县司法局", "date": "2021-01-05"}
    assert doc.text == "一、全面推进依法治县工作开展"


def test_metadata_from_the_info_bar_and_the_page_title():
    page = (
        '<html><head><meta charset="gbk"><title>关于2019年法治政府建设情况的报告_荣昌区人民政府</title></head>'
        "<body><p>发布日期：2020年2月18日　信息来源：区司法局　点击数：88</p>"
        "<p>2019年，区政府坚持以习近平新时代中国特色社会主义思想为指导。</p></body></html>"
    )
    doc = load_bytes(page.encode("gbk"), filename="page.html")
    assert doc.encoding == "gb18030"
    assert doc.metadata == {"title": "关于2019年法治政府建设情况的报告", "source": "区司法局", "date": "2020-02-18"}
    assert doc.text == "2019年，区政府坚持以习近平新时代中国特色社会主义思想为指导。"


def test_page_without_metadata_has_none():
    doc = load_bytes("<html><body><p>全年办结行政复议案件35件。</p></body></html>".encode(), filename="a.html")
    assert doc.metadata == {}


def test_text_and_other_formats_have_no_metadata():
    doc = load_bytes("来源：县司法局 发布时间：2021-01-05\n全年办结。".encode(), filename="a.txt")
    assert doc.metadata == {}
    assert doc.text.startswith("来源")  # plain text is never tidied
