"""Rule-based segment labels: a section prior from the heading tree plus weighted cue phrases.

Every segment gets a probability for each label (``achievement``, ``problem``,
``plan``, ``other``; ANNOTATION.md, section 1) in three small steps:

1. **Section prior.** Headings are read with :data:`HEADING_CUES` (工作开展情况 →
   achievement, 存在的问题 → problem, 下一步工作打算 → plan …). A segment takes the
   section of its nearest enclosing heading that names one. A top-level heading that
   names none takes the section of an unnumbered section line above it
   (2025年主要工作), or plans when it names a later year than the review, or else
   what its sentences mostly tell (past or future), with the usual order of a report
   (work done, then problems, then plans) as the tie-break. Three discourse moves
   shift this prior:

   - an admission (我们也清醒地看到……存在的问题) inside another section opens a
     *problem run* that lasts while the following sentences keep naming problems;
   - a *pledge* after problems (对此，我们将……; 下一步……) turns the rest of its
     section into plans;
   - a report with no plan section treats what follows its last problems as plans.

   Text before the first section (titles, source lines, the opening summary) and
   after the last sentence (signatures, dates, site footers) gets a weak prior that
   favours ``other`` for short unpunctuated lines and ``achievement`` otherwise.
2. **Cues.** :data:`SENTENCE_CUES` is a table of weighted regular expressions, each
   voting for one label (不足/有待 for problems, 将/下一步 for plans, 已/共办理 for
   achievements, 当前位置/各位代表/特此报告 for other). Their weights (log-odds)
   add up with the prior into a score per label.
3. **Smoothing.** Neighbouring sentences of one paragraph tend to share a label: the
   per-segment scores (softmax) are combined by forward–backward over a sticky
   transition matrix (:mod:`govtag.smoothing`), which yields a probability per label
   summing to 1.

:func:`explain` returns, per segment, the section, the prior and the cues that fired,
so every decision can be traced back to a row of a table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from govtag.segment import match_marker
from govtag.smoothing import forward_backward, layout_stays, new_paragraphs
from govtag.types import SegmentedDocument
from govtag.vocabulary import LABELS

_IDX = {label: i for i, label in enumerate(LABELS)}


@dataclass(frozen=True)
class Cue:
    """One row of a cue table: a regex that votes ``weight`` for ``label`` per distinct
    match, up to ``max_hits`` matches."""

    name: str
    label: str
    weight: float
    pattern: re.Pattern[str]
    max_hits: int = 1

    def hits(self, text: str) -> int:
        if self.max_hits == 1:
            return 1 if self.pattern.search(text) else 0
        return min(self.max_hits, len({m.group(0) for m in self.pattern.finditer(text)}))


def _cue(name: str, label: str, weight: float, pattern: str, max_hits: int = 1) -> Cue:
    return Cue(name, label, weight, re.compile(pattern), max_hits)


# --------------------------------------------------------------------------- heading cues

#: Section names in headings, as (cue, applies to nested headings too).  Nested
#: headings ((十一)法治政府建设中存在的不足) only use the unambiguous names: a
#: sub-heading such as 2、制定年度涉企行政执法检查计划 is not a plan section.
HEADING_CUES: tuple[tuple[Cue, bool], ...] = (
    (_cue("problem-section", "problem", 1.0,
          r"存在的?(主要)?(问题|不足|困难|差距)|问题(和|与|及)(不足|困难|原因|建议)|不足(和|与|及)(问题|原因|差距)"
          r"|(困难|不足|短板)和(问题|挑战)|面临的(困难|问题|挑战)|差距和不足|薄弱环节"), True),
    (_cue("problem-section-top", "problem", 1.0,
          r"^[^解决整治破]{0,8}(主要|突出)问题$|问题(与|和)挑战$|^[^，,]{0,8}不足$"), False),
    (_cue("plan-section", "plan", 1.0,
          r"下一步|下步|下一(年度|年)|工作(思路|打算|设想|展望)|努力方向|拟提请|审议事项"
          r"|(今后|明年|来年|新的一年|下一阶段|下阶段).{0,6}(工作|任务|目标|打算|安排|思路)"), True),
    (_cue("plan-section-top", "plan", 1.0,
          r"工作(安排|计划|重点|目标|任务|部署|建议)|(主要|重点|总体)(目标|任务|安排)"
          r"|(今年(?!以来)|明年|未来).{0,6}(工作|任务|目标|打算|安排|思路|建议)|意见(和|与|及)?建议|有关建议|建议$|工作的建议|展望"
          r"|总体要求|政策取向|总体部署|目标(与|和)任务|任务(与|和)目标"
          r"|(\d{4}|今|明)年(的)?(重点|主要)?(工作)?(任务|安排|计划|打算|思路)"), False),
    (_cue("achievement-section", "achievement", 1.0,
          r"(工作)?开展情况|主要(举措|做法|成效|成绩|工作开展)|举措和成效|成效|成就|工作回顾|回顾|取得的(成绩|成效|进展)"
          r"|工作(情况|总结)|完成情况|进展情况|基本情况|履职情况|落实情况|建设情况|(职责|责任)(的)?(有关)?情况|有关情况"
          r"|其他(需要)?(报告|说明)的?(事项|情况)"), False),
)

# --------------------------------------------------------------------------- sentence cues

_PAST = (
    r"(?<!为)(?<!除)(?<!到)了(?!解)|已(?!于)|已于|已经|共计?|累计|先后|均已|顺利|成功|截至|截止|全年|今年以来|一年来"
    r"|去年以来|去年|过去[一五]年|这一年|这五年|近年来"
)
_IMPERATIVE_START = (
    r"^(一是|二是|三是|四是|五是|六是|七是|八是|九是|十是|同时，?|此外，?|并)?"
    r"(要|必须|务必|应当|应|坚决|切实|着力|着重|全力|努力|力争|确保|继续|持续|进一步|加快|加大|加强|强化|深化|推进|推动"
    r"|完善|健全|建立|落实|提升|提高|坚持|严格|优化|做好|抓好|抓实|发挥|促进|构建|打造|培育|支持|鼓励|引导|实施|开展"
    r"|深入|扎实|积极|认真|大力|全面|统筹|聚焦|围绕|注重|重视|规范|探索|创新|用好|办好|保持|保障|巩固|拓展|筑牢|守住"
    r"|压实|夯实|狠抓|紧扣|紧盯)"
)
# An admission that opens a problem paragraph; it also starts a problem run.
_ADMISSION = (
    r"清醒(地)?(看到|认识到)|(还|仍|也|依然|仍然|但也|但)(存在|面临)(着)?(一些|不少|诸多|许多|很多)?.{0,8}"
    r"(问题|不足|差距|困难|短板|挑战)|不足之处|(问题|不足|差距)(主要)?(表现|体现)(在|为)"
    r"|面临(的)?(一些|不少|诸多|许多)?(困难|挑战)"
)

#: The sentence cue table.  Weights are log-odds added to the score of their label.
SENTENCE_CUES: tuple[Cue, ...] = (
    # ---- other: page furniture, framing, salutations, thanks, credit to the leadership
    _cue("web-chrome", "other", 5.0,
         r"当前位置|首页\s*[>＞»]|字体[:：]|字号[:：]|^【?字号|^分享[:：]?$|版权所有|ICP备|公网安备|主办单位|承办单位"
         r"|协办单位|网站标识码|网站地图|联系我们|本作品|公有领域|Public domain|维基文库"
         r"|^(打印|关闭|下载|全屏|收藏|加大|减小|还原|默认|超大|大|中|小|】|【)$"
         r"|^(微信公众号|政务微博|扫一扫|相关报道|相关链接|附件)[:：]?$|浏览次数|阅读次数|访问量|技术支持[:：]"),
    _cue("source-date", "other", 4.0,
         r"^(来源|日期|时间|发布时间|发布日期|发布机构|作者|责任编辑|编辑|供稿)[:：]"
         r"|^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$|^\d{4}\d{1,4}日$|^[\d\s年月日]+$|本报记者|摄$"
         r"|^——.{0,30}\d{4}年\d{1,2}月\d{1,2}日.{0,40}(会议|大会)上$"),
    _cue("salutation", "other", 6.0, r"^(各位代表|同志们|各位委员|各位来宾)[，,、]?(同志们|朋友们)?[：:！!]$"),
    _cue("framing", "other", 5.0,
         r"^.{0,30}(报告|汇报|总结)如下[:：。]?$|^特此(报告|汇报)|请予审议|提出意见。?$|^现在，?我代表.{0,20}(报告|作)"
         r"|^[^，,。]{0,40}[，,]现[将就把].{0,60}(报告|汇报|总结|通报|说明)如下[:：。]?$"),
    # what a report says about itself: what it covers, its reporting period, whom to ask
    _cue("about-the-report", "other", 7.0,
         r"^本(年度)?报告(?!期)|[对就]本(年度)?报告.{0,12}(疑问|意见|建议)|(数据|统计)(的)?(统计)?(期限|期间|时段|时限)(为|是|自|从)"
         r"|联系(人|电话|方式|地址)[:：]|^(咨询电话|通讯地址|通信地址|邮政编码|邮编|电子邮箱|电子信箱|传真)[:：]"),
    # the framing that publishes it: source and publication lines of a web page
    _cue("publication-frame", "other", 5.0,
         r"(?<![\u4e00-\u9fff])(来源|发布时间|发布日期|发布机构|发布单位|更新时间)[:：]"
         r"|(信息|文章|稿件|新闻|内容)来源[:：]"),
    _cue("thanks", "other", 5.0, r"(表示|致以).{0,12}(感谢|谢意|敬意)|衷心(的)?感谢|诚挚(的)?感谢"),
    _cue("credit-to-leadership", "other", 7.0,
         r"(这些|上述|各项|所有)?成绩的取得|得益于|离不开.{0,30}(领导|支持|监督|奋斗)|(坚强|正确)领导.{0,60}的结果"
         r"|领导下.{0,80}的结果|来之不易[。！]$"),
    # ---- problem
    _cue("problem-admission", "problem", 3.5, _ADMISSION),
    _cue("problem-named", "problem", 1.5,
         r"(?<!整改)(?<!解决)(?<!查找)(?<!排查)(?<!提出)(?<!梳理)(?<!针对)(?<!发现)(?<!了解)(?<!研究)(?<!反映)"
         r"存在(的)?(问题|不足|困难)|(困难|问题)和(挑战|问题|不足)|也要(充分|深刻)?认识到"),
    _cue("problem-gap", "problem", 2.2,
         r"差距|(?<!补)(?<!补齐)(?<!补强)短板|(?<!强)弱项|薄弱|滞后|不足(?!以)|欠缺|缺乏|缺少|不够|不到位|不强|不高|不多"
         r"|不广|不深|不严|不平衡|不充分|不完善|不健全|不规范|不适应|不匹配"),
    _cue("problem-pending", "problem", 2.0,
         r"有待|仍需|还需|尚需|亟待|亟需|急需|尚未|尚不|还不|仍不|未能|难以|较低|偏低|偏弱|偏慢|偏高|偏大|偏少|较弱|较少"
         r"|较大|较重|淡薄|老化|依然(突出|严峻|较大|艰巨)|仍较突出|仍然突出|问题(多发|突出|凸显)|困难凸显"
         r"|压力(较大|加大|显著)|严峻|下行|下滑|负增长|受到冲击|瓶颈|制约|风险(有所)?(积聚|上升)|矛盾(加剧|突出)"
         r"|不作为|乱作为|慢作为|形式主义|官僚主义|代价|衰退|受阻|萎缩|动荡|低迷|加剧|冲击|艰巨|不稳固|不牢固|隐忧"
         r"|短缺|紧张|(?<!应对)(?<!迎接)挑战"
         r"|(?<!帮扶)(?<!救助)(?<!关爱)(?<!解决)困难(?!群众|群体|家庭|人员|职工|学生|户|企业|老人|残疾人|党员)",
         max_hits=2),
    # problems named as the object of the work (重点解决……突出问题; 补齐短板) are not admissions
    _cue("problem-being-fixed", "problem", -4.0,
         r"(解决|整治|治理|整改|纠正|破解|克服|补齐|补足|弥补|防范|化解|查处|惩治|根治|清理|排查)"),
    # ---- plan
    _cue("plan-next", "plan", 3.0,
         r"下一步|下步|(?<!当前和)今后|明年|来年|新的一年|新一年|下一阶段|下阶段|接下来|未来五年"
         r"|“十[四五六]五”时期|十[四五六]五时期"),
    _cue("plan-will", "plan", 2.2,
         r"将(进一步|继续|持续|加快|全面|深入|着力|不断|大力|积极|加大|推动|推进|建立|健全|完善|开展|以|围绕|组织|在|更"
         r"|结合|采取|努力|重点|抓|做|把|按照|通过|认真)|我们将|我们要|我们一定|一定要|必须|务必"
         r"|要(进一步|坚持|加强|强化|深化|推进|推动|完善|健全|落实|提升|提高|确保|切实|着力|全力|努力|抓好|做好|继续|持续"
         r"|加快|加大|大力|积极|认真|把|以|在|紧紧|始终|牢牢)"),
    _cue("plan-intend", "plan", 2.0, r"拟|计划于|计划在|准备|力争|争取|确保|预计"),
    _cue("plan-pledge", "plan", 3.0,
         r"^(下一步|下步|今后|明年|新的一年|新一年)|对此|(针对|对于|面对)(这些|上述|以上)(问题|不足|困难)"
         r"|(这些|上述)(问题|不足|困难).{0,20}(需要|必须|要)|(加以|认真|切实)(解决|改进|整改)|正视(问题|不足)|努力改进"
         r"|不辜负"),
    _cue("plan-continue", "plan", 0.8, r"继续|持续|进一步|加快|更加|不断"),
    _cue("plan-imperative", "plan", 1.0, _IMPERATIVE_START),
    # ---- achievement
    _cue("achievement-opener", "achievement", 2.0,
         r"^(去年以来|过去一年|过去五年|一年来|五年来|今年以来|近年来|\d{4}年以来|截至目前|截至\d)"),
    _cue("achievement-past", "achievement", 1.2, _PAST, max_hits=3),
    _cue("achievement-result", "achievement", 1.3,
         r"取得|实现了|完成了|达到|达\d|获得|荣获|获评|被评为|被授予|建成|出台了|印发了|制定了|召开了|举办了|开展了|组织了"
         r"|建立了|成立了|办理|受理|审查了|办结|化解|调解成功|率\d|\d+(\.\d+)?%|同比|增长\d|下降\d"),
    _cue("achievement-count", "achievement", 0.8, r"\d+(件|项|个|次|人次|人|场次|场|户|家|条|份|起|卷|万元|亿元|余)"),
)

# How strongly each prior pulls (log-odds added to its label).
HEADING_WEIGHT = 5.0  # a numbered heading: the section it heads
SECTION_WEIGHT = 2.2  # a sentence: its section
FRAME_PRIOR = {"achievement": 1.5, "other": 0.3}  # text outside any section
FRAME_LINE_OTHER = 3.0  # an unpunctuated short line around the body: a title, menu, signature or date
PAST_PLAN_PENALTY = 1.0  # a plan cue in a sentence that reports finished work, in a work section

_TERMINAL = "。！？；!?;"
_TITLE_RE = re.compile(r"报告|总结|关于|决议|讲话")
_WORK_RE = re.compile(r"工作|任务|目标")
_YEAR_RE = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
_PLAN_PERIOD_RE = re.compile(r"十([一二三四五六七八九])五")
_PAST_MARK_RE = re.compile(r"(?<!为)(?<!除)(?<!到)了(?!解)|已|截至|截止|累计|先后|去年|过去|一年来|以来")
_FUTURE_MARK_RE = re.compile(r"将|(?<![主重需只])要|力争|确保|下一步|今后|明年|计划|拟|努力|必须")


# --------------------------------------------------------------------------- headings


def heading_sections(text: str, nested: bool = False) -> list[str]:
    """The sections a heading names, in the order it names them (``[]`` when none)."""
    found: list[tuple[int, str]] = []
    for cue, applies_nested in HEADING_CUES:
        if nested and not applies_nested:
            continue
        found.extend((m.end(), cue.label) for m in cue.pattern.finditer(text))
    labels: list[str] = []
    for _, label in sorted(found):
        if not labels or labels[-1] != label:
            labels.append(label)
    return labels


def _heading_time(text: str) -> tuple[int, int]:
    """The latest year and five-year-plan number (十四五 → 14) a heading mentions; 0 when none."""
    years = [int(m.group(0)) for m in _YEAR_RE.finditer(text)]
    periods = [11 + "一二三四五六七八九".index(m.group(1)) for m in _PLAN_PERIOD_RE.finditer(text)]
    return max(years, default=0), max(periods, default=0)


# --------------------------------------------------------------------------- analysis


@dataclass
class _Analysis:
    """Everything the rules read from one document, computed once."""

    doc: SegmentedDocument
    texts: list[str] = field(init=False)
    numbered: list[bool] = field(init=False)
    new_paragraph: list[bool] = field(init=False)
    hits: list[list[Cue]] = field(init=False)
    evidence: list[dict[str, float]] = field(init=False)

    def __post_init__(self) -> None:
        text = self.doc.text
        segs = self.doc.segments
        self.texts = [text[s.start : s.end] for s in segs]
        # A heading that the file's structure marks (a Word heading style) has a level, as a numbered one has.
        styled = {role.start for role in self.doc.document.line_roles if role.kind == "heading"}
        self.numbered = [
            s.is_heading
            and (match_marker(text, s.start, s.end)[0] is not None or text.rfind("\n", 0, s.start) + 1 in styled)
            for s in segs
        ]
        self.new_paragraph = new_paragraphs(self.doc)
        self.hits = [[c for c in SENTENCE_CUES if c.pattern.search(t)] for t in self.texts]
        self.evidence = []
        for cues, t in zip(self.hits, self.texts):
            totals = dict.fromkeys(LABELS, 0.0)
            for cue in cues:
                totals[cue.label] += cue.weight * cue.hits(t)
            self.evidence.append(totals)

    def __len__(self) -> int:
        return len(self.texts)

    def fired(self, i: int, name: str) -> bool:
        return any(c.name == name for c in self.hits[i])

    # -- sections -------------------------------------------------------------

    def sections(self) -> list[str | None]:
        """The section of every segment, from the headings (None outside any section)."""
        segs = self.doc.segments
        numbered = self.numbered
        top_level = min((s.level or 1 for s, num in zip(segs, numbered) if num), default=1)
        own: list[str | None] = [None] * len(segs)
        current: str | None = None  # named by an unnumbered section line
        after_plans = False
        review = (0, 0)

        def later_than_review(heading: str) -> bool:
            year, period = _heading_time(heading)
            return bool((review[0] and year > review[0]) or (review[1] and period > review[1]))

        for i, seg in enumerate(segs):
            if not seg.is_heading:
                continue
            heading = self.texts[i]
            if numbered[i] and seg.level != top_level:
                named = heading_sections(heading, nested=True)
                own[i] = named[-1] if named else None
                continue
            named = heading_sections(heading)
            label = named[-1] if named else None
            if not numbered[i]:
                if _TITLE_RE.search(heading):
                    continue  # the report's title
                if label is None and _WORK_RE.search(heading) and later_than_review(heading):
                    label = "plan"  # 2025年主要工作 after 2024年工作回顾
                if label is None:
                    continue
                current = label
            elif "problem" in named and "plan" in named:
                label = "problem"  # 存在的问题及下一步打算: a pledge turns the rest into plans
            elif set(named) == {"achievement", "plan"}:
                label = self._section_from_content(i, top_level, after_plans)
            elif label is None:
                if current is not None:
                    label = current
                elif later_than_review(heading):
                    label = "plan"
                else:
                    label = self._section_from_content(i, top_level, after_plans)
            own[i] = label
            if label in ("plan", "problem"):
                after_plans = True
            elif label == "achievement":
                year, period = _heading_time(heading)
                review = (max(review[0], year), max(review[1], period))

        result: list[str | None] = []
        section: str | None = None  # the current top-level section
        for i, seg in enumerate(segs):
            if seg.is_heading and own[i] is not None and (not numbered[i] or seg.level == top_level):
                section = own[i]
            j: int | None = i if seg.is_heading else seg.parent
            label = None
            while j is not None and label is None:
                label = own[j]
                j = segs[j].parent
            result.append(label if label is not None else section)
        return result

    def _section_from_content(self, i: int, level: int, after_plans: bool) -> str:
        """Achievement or plan for an unnamed top-level section: does it tell of the past or the future?

        Counts sentences with past markers (了, 已, 截至, 去年) and with future markers
        (将, 要, 力争, 下一步) up to the first admission of problems; the usual order of a
        report decides unless one side clearly outweighs the other.
        """
        segs = self.doc.segments
        past = future = 0
        for j in range(i + 1, len(segs)):
            if self.numbered[j] and segs[j].level == level:
                break
            if self.fired(j, "problem-admission"):
                break
            past += bool(_PAST_MARK_RE.search(self.texts[j]))
            future += bool(_FUTURE_MARK_RE.search(self.texts[j]))
        if after_plans:
            return "achievement" if past > 2 * future + 2 else "plan"
        return "plan" if future > 2 * past + 2 else "achievement"

    # -- discourse ------------------------------------------------------------

    def problem_runs(self, sections: list[str | None], priors: list[str | None]) -> None:
        """An admission inside another section opens a run of problems.

        The run lasts until a heading, a pledge, an ``other`` segment (各位代表！), or a
        sentence without a problem cue that starts a new paragraph (inside the paragraph,
        only clear evidence of another label ends it).
        """
        segs = self.doc.segments
        i = 0
        while i < len(segs):
            ev = self.evidence[i]
            if (
                segs[i].is_heading
                or sections[i] in ("problem", "plan")
                or not self.fired(i, "problem-admission")
                or ev["problem"] < max(ev["achievement"], ev["plan"], ev["other"])
            ):
                i += 1
                continue
            priors[i] = "problem"
            j = i + 1
            while j < len(segs):
                ev = self.evidence[j]
                if segs[j].is_heading or ev["other"] > 0 or self.fired(j, "plan-pledge"):
                    break
                if ev["problem"] == 0 and (self.new_paragraph[j] or max(ev["achievement"], ev["plan"]) >= 3.6):
                    break
                priors[j] = "problem"
                j += 1
            i = j

    def _problem_like(self, i: int, sections: list[str | None], priors: list[str | None]) -> bool:
        return sections[i] == "problem" or priors[i] == "problem" or self.evidence[i]["problem"] >= 3.5

    def pledges(self, sections: list[str | None], priors: list[str | None]) -> None:
        """A pledge right after problems turns the rest of its section into plans."""
        segs = self.doc.segments
        i = 1
        while i < len(segs):
            seg = segs[i]
            if (
                seg.is_heading
                or sections[i] == "plan"
                or not self.fired(i, "plan-pledge")
                or not self._problem_like(i - 1, sections, priors)
            ):
                i += 1
                continue
            scope = max(segs[seg.parent].level or 1, 1) if seg.parent is not None else 1
            j = i
            while j < len(segs):
                if j > i and self.numbered[j] and (segs[j].level or 1) <= scope:
                    break
                if sections[j] != "plan":
                    priors[j] = "plan"
                j += 1
            i = j

    def tail_after_problems(self, sections: list[str | None], priors: list[str | None]) -> None:
        """No plan section at all: what follows problems late in the report is plans."""
        segs = self.doc.segments
        last = max((i for i in range(len(segs)) if self._problem_like(i, sections, priors)), default=-1)
        if last < 0 or last < 0.6 * len(segs):
            return
        for j in range(last + 1, len(segs)):
            if self.numbered[j] and heading_sections(self.texts[j]) and sections[j] != "problem":
                break
            if priors[j] != "problem":
                priors[j] = "plan"

    # -- frame ----------------------------------------------------------------

    def body_bounds(self, sections: list[str | None]) -> tuple[int, int]:
        """First and last segment of the report body (without titles, menus, signatures, footers)."""
        n = len(self)
        first = n
        for i, t in enumerate(self.texts):
            if sections[i] is not None or (
                t[-1] in _TERMINAL and len(t) > 25 and self.evidence[i]["other"] == 0
            ):
                first = i
                break
        last = n - 1
        for i in range(n - 1, -1, -1):
            t = self.texts[i]
            if (t[-1] in _TERMINAL and len(t) >= 6 and self.evidence[i]["other"] == 0) or self.numbered[i]:
                last = i
                break
        return first, last

    # -- scores ---------------------------------------------------------------

    def local_scores(self) -> tuple[list[list[float]], list[dict]]:
        segs = self.doc.segments
        sections = self.sections()
        priors = list(sections)
        self.problem_runs(sections, priors)
        self.pledges(sections, priors)
        if "plan" not in sections:
            self.tail_after_problems(sections, priors)
        first, last = self.body_bounds(sections)

        scores: list[list[float]] = []
        info: list[dict] = []
        for i, seg in enumerate(segs):
            vec = [0.0] * len(LABELS)
            prior = priors[i]
            in_frame = i < first or i > last
            if self.numbered[i] and prior is not None:
                vec[_IDX[prior]] += HEADING_WEIGHT
            elif prior is not None and not in_frame:
                vec[_IDX[prior]] += SECTION_WEIGHT
            else:
                for label, weight in FRAME_PRIOR.items():
                    vec[_IDX[label]] += weight
            t = self.texts[i]
            if in_frame and (seg.is_heading or (t[-1] not in _TERMINAL and len(t) <= (80 if i < first else 40))):
                vec[_IDX["other"]] += FRAME_LINE_OTHER
            if not self.numbered[i]:
                for label, weight in self.evidence[i].items():
                    vec[_IDX[label]] += weight
                if prior == "achievement" and self.evidence[i]["achievement"] > 0:
                    vec[_IDX["plan"]] -= PAST_PLAN_PENALTY
            scores.append(vec)
            info.append({"section": sections[i], "prior": prior, "cues": [c.name for c in self.hits[i]]})
        return scores, info


# --------------------------------------------------------------------------- scores to probabilities


def _softmax(vec: list[float]) -> list[float]:
    m = max(vec)
    exps = [math.exp(v - m) for v in vec]
    total = sum(exps)
    return [e / total for e in exps]


# --------------------------------------------------------------------------- public API


def score_segments(doc: SegmentedDocument) -> list[dict[str, float]]:
    """A probability for each label of each segment (summing to 1), in segment order."""
    if not doc.segments:
        return []
    analysis = _Analysis(doc)
    local, _ = analysis.local_scores()
    post = forward_backward([_softmax(v) for v in local], layout_stays(doc))
    return [dict(zip(LABELS, p, strict=True)) for p in post]


def explain(doc: SegmentedDocument) -> list[dict]:
    """Per segment: its section, the prior used, the cues that fired, the local and final scores."""
    if not doc.segments:
        return []
    analysis = _Analysis(doc)
    local, info = analysis.local_scores()
    post = forward_backward([_softmax(v) for v in local], layout_stays(doc))
    for item, vec, p in zip(info, local, post, strict=True):
        item["local"] = dict(zip(LABELS, vec, strict=True))
        item["scores"] = dict(zip(LABELS, p, strict=True))
    return info
