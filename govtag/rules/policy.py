"""Titles of laws, regulations and policy documents (``POLICY``): the text inside 《》.

The span excludes the outer brackets.  A title holding inner titles
(《关于转发〈…办法〉的通知》, <…>, or a nested 《…》) stays one span.  Brackets
are matched with a stack over the bracket characters only, so the scan is
linear and an unbalanced 《 is simply dropped.

Titles in 《》 that name a case (《房屋装修纠纷案》), a publication or a book
(《人民日报》, 《邓小平文选》), a reader, handbook or other study material
(《民法典学习读本》, 《行政执法手册》, 《法律法规汇编》, 《普法知识问答》,
《典型案例选编》, 《宪法漫画》), a work or a programme (杂志《科学》和《自然》,
《雪域欢歌》文艺节目, 舞剧《咏春》) are not documents; they are recognised by
their ending (an edition in brackets after it, 《…读本（2021年版）》, is
skipped) or by the words just around the title (or the run of titles joined
by 、/和/及).
"""

from __future__ import annotations

import re

from govtag.types import EntitySpan

_BRACKET = re.compile(r"[《》\n]")
# An open bracket older than a sentence end was never closed; forget it.
_SENTENCE_END = re.compile(r"[。！？；\n]")
_MAX_TITLE = 200

# 案 ends a case name, unless it is part of a document word (方案, 草案, 预案 ...);
# a publication, a book or study material is named by its ending too (人民日报,
# 邓小平文选, 学习读本, 工作手册, 法规汇编, 案例选编, 知识问答), before an optional
# edition in brackets.
_NON_DOC_TITLE = re.compile(
    r"(?:(?<![方草预提议法备档图答])案|案件|案例|日报|晚报|时报|周报|周刊|月刊|学报|杂志|"
    r"文选|文集|全集|选集|通史|文库|丛书|读本|读物|手册|汇编|选编|教材|问答|百问|漫画|绘本|画册|"
    r"口袋书|学习纲要|年鉴)"
    r"(?:[（(][^（）()]{1,12}[）)])?$"
)
_JOINER = re.compile(r"(?:、|和|及|与|以及|或|,|，)?")
# Words just before a run of titles that make them works, programmes or
# publications: 舞剧《咏春》, 纪录片《…》, 杂志《科学》, 登上央视《新闻联播》.
_NON_DOC_BEFORE = re.compile(
    r"(?:剧|戏|舞蹈|歌曲|交响乐|合唱|电影|影片|纪录片|专题片|宣传片|动画片|评书|作品|节目|栏目|晚会|"
    r"剧目|剧场|杂志|期刊|刊物|报纸|丛书|图书|书籍|专著|著作|小说|诗集|专辑|青春版|央视|亮相|登上)$"
)
# ... and words just after it: 《雪域欢歌》文艺节目, 《山海情》热播, 《科学》和《自然》上发表.
_NON_DOC_AFTER = re.compile(
    r"(?:文艺|节目|栏目|晚会|杂志|期刊|刊物|上发表|发表|一书|专栏|纪录片|电视剧|电影|剧目|歌曲|舞蹈|"
    r"演出|专著|著作|热播|播出|上映|展演|巡演|首演|公演|头版|刊发|刊登|报道|系列丛书|出版|"
    r"第[一二三四五六七八九十]+卷|荣获|获得|摘得|入围)"
)
_WINDOW = 6


def _titles(text: str) -> list[tuple[int, int]]:
    """Outermost 《…》 pairs as (inner start, inner end)."""
    found: list[tuple[int, int]] = []
    opens: list[int] = []
    for match in _BRACKET.finditer(text):
        pos, char = match.start(), match.group()
        if char == "\n":
            opens.clear()
        elif char == "《":
            if opens and _SENTENCE_END.search(text, opens[-1], pos):
                opens.clear()
            opens.append(pos)
        elif opens:
            start = opens.pop()
            if not opens and pos - start <= _MAX_TITLE and text[start + 1 : pos].strip():
                found.append((start + 1, pos))
    return found


def _runs(titles: list[tuple[int, int]], text: str) -> list[list[tuple[int, int]]]:
    """Group titles written one after another (《A》《B》, 《A》和《B》)."""
    runs: list[list[tuple[int, int]]] = []
    for title in titles:
        if runs:
            prev_end = runs[-1][-1][1] + 1  # after the closing 》
            gap = text[prev_end : title[0] - 1]
            if _JOINER.fullmatch(gap):
                runs[-1].append(title)
                continue
        runs.append([title])
    return runs


def find_policies(text: str) -> list[EntitySpan]:
    """Return a ``POLICY`` span for every document title in ``text``, by start."""
    spans: list[EntitySpan] = []
    for run in _runs(_titles(text), text):
        run_start, run_end = run[0][0] - 1, run[-1][1] + 1
        if _NON_DOC_BEFORE.search(text, max(0, run_start - _WINDOW), run_start) or _NON_DOC_AFTER.match(
            text, run_end
        ):
            continue
        for start, end in run:
            if not _NON_DOC_TITLE.search(text, start, end):
                spans.append(EntitySpan(start, end, "POLICY"))
    return spans
