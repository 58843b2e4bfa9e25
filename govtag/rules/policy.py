"""Titles of laws, regulations and policy documents (``POLICY``): the text inside 《》.

The span excludes the outer brackets.  A title holding inner titles
(《关于转发〈…办法〉的通知》, <…>, or a nested 《…》) stays one span.  Brackets
are matched with a stack over the bracket characters only, so the scan is
linear and an unbalanced 《 is simply dropped.

Titles in 《》 that name a case (《房屋装修纠纷案》), a journal, a book or a
programme (杂志《科学》和《自然》, 《雪域欢歌》文艺节目) are not documents; they are
recognised by their ending or by the words just around the title (or the
run of titles joined by 、/和/及).
"""

from __future__ import annotations

import re

from govtag.types import EntitySpan

_BRACKET = re.compile(r"[《》\n]")
# An open bracket older than a sentence end was never closed; forget it.
_SENTENCE_END = re.compile(r"[。！？；\n]")
_MAX_TITLE = 200

# 案 ends a case name, unless it is part of a document word (方案, 草案, 预案 ...).
_CASE_TITLE = re.compile(r"(?:(?<![方草预提议法备档图答])案|案件|案例)$")
_JOINER = re.compile(r"(?:、|和|及|与|以及|或|,|，)?")
_NON_DOC_BEFORE = re.compile(
    r"(?:杂志|期刊|刊物|报纸|栏目|节目|电视剧|电影|纪录片|歌曲|书籍|专著|著作|小说|诗集|剧目)$"
)
_NON_DOC_AFTER = re.compile(
    r"(?:文艺|节目|栏目|晚会|杂志|期刊|刊物|上发表|发表|一书|专栏|纪录片|电视剧|电影|剧目|歌曲|舞蹈|演出|专著|著作)"
)


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
            if not opens and 1 < pos - start <= _MAX_TITLE:
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
        if _NON_DOC_BEFORE.search(text, max(0, run_start - 6), run_start) or _NON_DOC_AFTER.match(
            text, run_end
        ):
            continue
        for start, end in run:
            if not _CASE_TITLE.search(text, start, end):
                spans.append(EntitySpan(start, end, "POLICY"))
    return spans
