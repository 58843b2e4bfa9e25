"""The rules extractor of the indicator relation, following docs/indicators.md.

For each ``NUM`` of a sentence, in text order:

1. its clause (:mod:`govtag.indicators.clauses`), cut back to the previous figure of the clause;
2. ``kind`` in the contract's order target → change → rate → count, from cue words;
3. the metric: the noun right after the figure (3.1 A), else the words before it trimmed at
   both edges (3.1 B, 3.2, 3.3), else the rest of the clause (3.1 C), else the name of the
   previous figure of the sentence (3.1 D);
4. ``period``: a time expression of the clause, else the nearest one before the figure;
5. ``subject``: a body followed by a verb at the head of the clause, or carried from an
   earlier clause of the sentence when the figure's clause starts with a verb.

Every field is a span of the sentence; nothing is rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from govtag.indicator_labels import Indicator, Span
from govtag.indicators import lexicon as lx
from govtag.indicators.clauses import clause_bounds
from govtag.rules.jieba_dict import Token, pos_cut

PlanTargets = Literal["cue", "level", "all"]
_NOUN_FLAGS = ("n", "vn", "b", "l", "j", "a", "f", "s", "an", "zg", "eng")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z“”]")
_SPACE = " \u00a0\u3000\t"
_RIGHT_WORDS = sorted(lx.RIGHT_WORDS, key=len, reverse=True)
_REQUEST = re.compile(r"申请[调考招增聘]")  # a request to a decision body (申请考录, 申请调入)
_SCOPE_WORDS = ("各类", "各", "各级", "所有", "全部", "相关")
_NAME_OPENERS = ("依法治",)  # 依法治县委员会: a name, not the adverb 依法
_QUOTED = re.compile(r"“[^”]{1,20}”")
_SHORT_BRACKET = re.compile(r"[（(][^\d（()）,，:：]{1,4}[）)]")


@dataclass(frozen=True)
class RuleSettings:
    """The choices of the extractor that are set by leave-one-report-out cross-validation."""

    plan_targets: PlanTargets = "cue"  # plan sentences: cue words only, also level verbs, or every figure
    after_noun: bool = True  # 3.1 A: the noun after the figure names it
    carry_subject: bool = True  # section 6: a clause starting with a verb keeps the actor of an earlier clause
    carry_target: bool = True  # a clause parallel to a target clause (same level verb) is a target too


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    label: str


@dataclass
class _Head:
    """What the left-edge slots (3.2) took off the front of a stretch of text."""

    start: int  # where the rest begins
    period: Span | None = None
    subject: Span | None = None
    opens_with_verb: bool = False


def _span(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    if start >= end or not _NAME_CHAR.search(text, start, end):
        return None
    return Span(start, end, text[start:end])


def _take_word(text: str, at: int, end: int, words: Sequence[str], whole_token: bool = False) -> int:
    """``at`` moved past the longest word of ``words`` that starts there, or ``at`` when none does."""
    for word in sorted(words, key=len, reverse=True):
        if text.startswith(word, at) and at + len(word) <= end:
            if whole_token and len(word) == 1:
                tokens = pos_cut(text[at:end])
                if not tokens or tokens[0].word != word:
                    continue
            return at + len(word)
    return at


def _take_run(text: str, at: int, end: int, words: Sequence[str]) -> int:
    while True:
        if text.startswith(_NAME_OPENERS, at):
            return at
        moved = _take_word(text, at, end, words, whole_token=True)
        if moved == at:
            return at
        at = moved


def _starts_with_verb(text: str, at: int, end: int) -> bool:
    if at >= end:
        return False
    if text.startswith((*lx.KEPT_VERBS, *lx.INTRO_VERBS, *lx.MEANS, *lx.CHANGE_VERBS, *lx.ADVERBS, "经"), at):
        return True
    tokens = pos_cut(text[at:end])
    return bool(tokens) and tokens[0].flag[0] in "vpd"


def _body(text: str, at: int, end: int) -> int:
    """The end of a body or group at ``at`` that a verb follows (a subject), or ``at`` when there is none.

    The shortest such body wins; a rate named with its body (行政机关负责人出庭应诉率) has no subject.
    """
    if _starts_with_verb(text, at, end):
        return at
    limit = min(end, at + 24)
    stops = set()
    for suffix in lx.BODY_SUFFIXES:
        found = text.find(suffix, at + 1 if len(suffix) == 1 else at, limit)
        while found != -1:
            stops.add(found + len(suffix))
            found = text.find(suffix, found + 1, limit)
    for stop in sorted(stops):
        name = text[at:stop]
        if re.search(r"[\d，,的为以对在了、]", name) or stop >= end:
            continue
        if _starts_with_verb(text, stop, end) and not _trim_text(text, stop, end).endswith(lx.RATE_SUFFIXES):
            return stop
    return at


def _trim_text(text: str, start: int, end: int) -> str:
    return text[start : _trim_right(text, start, end)]


def _head(text: str, start: int, end: int, allow_subject: bool = True) -> _Head:
    """Take the slots of 3.2 off the front of ``text[start:end]``: period, government or subject, adverbs, verbs."""
    at = _take_word(text, start, end, ("其中：", "其中:", "其中"))
    period = None
    found = lx.PERIOD.match(text, at, end)
    if found:
        period, at = Span(found.start(), found.end(), found.group()), found.end()
    subject = None
    gov = _take_word(text, at, end, lx.GOVERNMENT)
    area = lx.AREA.match(text, at, end)
    causative = _take_word(text, at, end, lx.CAUSATIVE)
    for begin in (at, gov, causative) if allow_subject else ():
        body = _body(text, begin, end)
        if body > begin:
            subject, at = Span(begin, body, text[begin:body]), body
            break
    else:
        at = gov if gov > at else (area.end() if area else at)
    if period is None:
        found = lx.PERIOD.match(text, at, end)
        if found:
            period, at = Span(found.start(), found.end(), found.group()), found.end()
    opens_with_verb = _starts_with_verb(text, at, end)
    at = _take_run(text, at, end, lx.ADVERBS)
    if period is None:
        found = lx.PERIOD.match(text, at, end)
        if found:
            period, at = Span(found.start(), found.end(), found.group()), found.end()
            at = _take_run(text, at, end, lx.ADVERBS)
    if text.startswith(lx.MEANS, at):
        tokens, offset = pos_cut(text[at:end]), at
        for i, token in enumerate(tokens):
            if i > 0 and token.flag.startswith("v"):
                at = offset
                break
            offset += len(token.word)
    elif text.startswith("经", at) and "后" in text[at:end]:
        at = text.index("后", at, end) + 1
    return _Head(at, period, subject, opens_with_verb)


def _trim_right(text: str, start: int, end: int) -> int:
    """3.3: take the introducing words, level and change verbs, baselines, 等, 的 and spaces off the right."""
    while end > start:
        while end > start and text[end - 1] in _SPACE:
            end -= 1
        for word in _RIGHT_WORDS:
            if text.endswith(word, start, end) and end - len(word) > start:
                if len(word) == 1 and word not in "等的了":
                    tokens = pos_cut(text[start:end])
                    if not tokens or tokens[-1].word != word:
                        continue
                end -= len(word)
                break
        else:
            return end
    return end


def _balanced(text: str, span: Span | None) -> Span | None:
    """Never end or start a metric inside a quotation (3.4): drop an unpaired mark at either edge."""
    if span is None:
        return None
    start, end = span.start, span.end
    for open_, close in (("“", "”"), ("《", "》"), ("(", ")"), ("（", "）")):
        inner = text[start:end]
        if inner.count(open_) != inner.count(close):
            if text[start] == close:
                start += 1
            elif text[end - 1] == open_:
                end -= 1
            elif inner.count(open_) > inner.count(close) and text[start] == open_:
                start += 1
    return _span(text, start, end)


def _is_noun(token: Token) -> bool:
    return token.flag.startswith(_NOUN_FLAGS) and not token.word.startswith(lx.PREDICATE_VERBS)


def _opens_noun(tokens: list[Token]) -> bool:
    """Whether a stretch after a figure starts with the noun it counts (3.1 A).

    jieba tags some modifiers as verbs (兼职人员, 协调小组): a verb followed by nouns
    that end the stretch or end in a counted noun also opens a noun phrase.
    """
    if tokens[0].word in "“《" or tokens[0].word in _SCOPE_WORDS:
        return True
    if _is_noun(tokens[0]):
        return True
    if not tokens[0].flag.startswith("v") or len(tokens) < 2 or tokens[0].word.startswith(lx.PREDICATE_VERBS):
        return False
    nouns = 0
    for token in tokens[1:]:
        if not _is_noun(token):
            break
        nouns += 1
        if token.word.endswith(lx.HEAD_NOUNS):
            return True
    return nouns > 0 and nouns == len(tokens) - 1


def _noun_after(text: str, start: int, end: int, whole_clause: bool, bounded: bool) -> Span | None:
    """3.1 A: the noun phrase right after the figure, up to what the noun does next.

    ``bounded``: another figure ends the stretch, so only its first noun is this figure's.
    """
    at = lx.AFTER_SKIP.match(text, start, end).end()
    tokens: list[Token] = pos_cut(text[at:end])
    if not tokens or tokens[0].word in lx.HEAD_WORDS or tokens[0].word.startswith(("经", "被")):
        return None
    relative = re.match(r"[^，,、的]{1,24}的", text[at:end])
    if relative and not whole_clause:  # X的Y: a modifier clause with 的, then the counted noun
        tail = at + relative.end()
        tail_tokens = pos_cut(text[tail:end])
        if tail_tokens and _is_noun(tail_tokens[0]):
            return _noun_phrase(text, at, tail, tail_tokens, end, bounded=False)
    if not _opens_noun(tokens):
        return None
    if whole_clause:  # 3.6: a share before its noun takes the noun and the predicate
        return _balanced(text, _span(text, at, _trim_right(text, at, end)))
    return _noun_phrase(text, at, at, tokens, end, bounded)


def _noun_phrase(text: str, at: int, stop: int, tokens: list[Token], end: int, bounded: bool) -> Span | None:
    """The noun phrase from ``at``: ``tokens`` (cut from ``stop``) are taken up to what the noun does next."""
    quote = _QUOTED.match(text, at, end)
    if quote:
        return _span(text, at, quote.end())
    for i, token in enumerate(tokens):
        if i == 0 and token.word in _SCOPE_WORDS:
            stop += len(token.word)
            continue
        if token.flag.startswith(("p", "d", "ul", "r", "m")) or text.startswith(lx.PREDICATE_VERBS, stop) \
                or text.startswith("等", stop) or token.flag == "x" and token.word not in "、“”":
            bracket = _SHORT_BRACKET.match(text, stop, end)
            if bracket and bracket.end() < end and token.word in "(（":
                stop = bracket.end()
            break
        stop += len(token.word)
        if bounded and i == 0 and stop < end:
            break
        following = tokens[i + 1] if i + 1 < len(tokens) else Token("", "x")
        if token.word.endswith(lx.HEAD_NOUNS) and following.word not in ("、", "和", "及", "与", "(", "（") \
                and not (following.flag.startswith("n") and not text.startswith(lx.PREDICATE_VERBS, stop)):
            break
    stop = _trim_right(text, at, stop) if stop > at else stop
    while stop > at and text[stop - 1] in "、和及与":
        stop -= 1
    return _balanced(text, _span(text, at, stop))


def _kind(text: str, num: Span, clause_start: int, left: int, sentence: Sentence, settings: RuleSettings,
          after: str) -> str:
    before = text[clause_start : num.start]
    near = text[left : num.start].strip(_SPACE)
    head = before.lstrip(_SPACE)
    cues = [c for c in lx.TARGET_CUES if c not in ("将", "要求")]
    required = "要求" in before and "达" in before[before.rindex("要求") :]  # 要求…达: a requirement, not a fact
    if any(c in before for c in cues) or required or _REQUEST.search(before) or head.startswith("将") \
            or near.endswith(("不低于", "不少于", "不超过")):
        return "target"
    if after.startswith("以内") and "控制在" in before:
        return "target"
    if sentence.label == "plan":
        if settings.plan_targets == "all" or (settings.plan_targets == "level" and near.endswith(lx.LEVEL_VERBS)):
            return "target"
    bare = near.rstrip("了达约近共为")
    if "百分点" in num.text or after.startswith("个百分点") or near in ("共减少", "共增加", "减少", "增加"):
        return "change"
    if bare.endswith(lx.CHANGE_VERBS) and not bare.endswith(("新增", "新增加")):
        return "change"
    if near.startswith(lx.CHANGE_VERBS) and not re.search(r"[至到为]", near) and not near.startswith("提高各"):
        return "change"
    if "%" in num.text or "‰" in num.text or near.endswith(("占比", "占")):
        return "rate"
    stripped = _trim_right(text, left, num.start)
    if text[left:stripped].endswith(lx.RATE_SUFFIXES):
        return "rate"
    return "count"


def _period(text: str, sentence: Sentence, clause: tuple[int, int], num: Span, taken: list[Span]) -> Span | None:
    """Section 5: a time of the figure's clause, nearest the figure, else the nearest one before it."""
    titles = [(m.start(), m.end()) for m in re.finditer(r"《[^》]*》", text[sentence.start : sentence.end])]
    candidates: list[Span] = []
    for found in lx.PERIOD.finditer(text, sentence.start, sentence.end):
        s, e = found.start(), found.end()
        if any(a <= s - sentence.start < b for a, b in titles) or text[e : e + 2] in ("计划", "招考"):
            continue
        if any(s < t.end and t.start < e for t in taken):
            continue
        candidates.append(Span(s, e, found.group()))
    own = [c for c in candidates if clause[0] <= c.start and c.end <= clause[1]]
    if own:
        return min(own, key=lambda c: (num.start - c.end if c.end <= num.start else c.start - num.end, c.start))
    before = [c for c in candidates if c.end <= num.start]
    return before[-1] if before else None


@dataclass
class _Figure:
    num: Span
    metric: Span | None = None
    from_after: bool = False


def _in_breakdown_of_target(text: str, done: list[Indicator], num: Span) -> bool:
    """A part of a proposal's amount (its (其中…) breakdown) is a target too (section 4)."""
    for target in (i for i in done if i.kind == "target"):
        between = text[target.num.end : num.start]
        if between.count("(") + between.count("（") > between.count(")") + between.count("）"):
            return True
    return False


def _name_before(text: str, head: _Head, left: int, num: Span, kind: str) -> Span | None:
    """3.1 B: the words before the figure in its clause, trimmed at both edges (3.2, 3.3)."""
    start = head.start if head.start <= num.start else left
    start = _take_word(text, start, num.start, lx.CAUSATIVE)
    start = _take_word(text, start, num.start, lx.INTRO_VERBS, whole_token=True)
    if kind == "change":
        start = _take_word(text, start, num.start, lx.CHANGE_VERBS)
    candidate = _balanced(text, _span(text, start, _trim_right(text, start, num.start)))
    if candidate is None or candidate.text in (*lx.RELATION_WORDS, *lx.HEAD_WORDS):
        return None
    return candidate


def _borrowed(text: str, figures: list[_Figure], near: str) -> Span | None:
    """3.1 D: a total or difference takes the first name of the sentence, other relations the previous one.

    A verb at the head of a name from another clause does not hold for the total (受理行政复议案件 → 行政复议案件).
    """
    named = [f.metric for f in figures if f.metric is not None]
    if not named:
        return None
    if not near.startswith(lx.TOTAL_WORDS):
        return named[-1]
    first = named[0]
    verb = _take_word(text, first.start, first.end, lx.KEPT_VERBS)
    return _span(text, verb, first.end) or first


def _sentence_indicators(text: str, sentence: Sentence, nums: list[Span], settings: RuleSettings) -> list[Indicator]:
    clauses = clause_bounds(text, sentence.start, sentence.end, [(n.start, n.end) for n in nums])
    heads = {c: _head(text, c[0], c[1]) for c in clauses}
    figures: list[_Figure] = []
    indicators: list[Indicator] = []
    target_verbs: set[str] = set()
    for num in nums:
        clause = next((c for c in clauses if c[0] <= num.start < c[1]), (sentence.start, sentence.end))
        previous = next((f for f in reversed(figures) if clause[0] <= f.num.start), None)
        left = clause[0]
        if previous is not None:
            left = previous.metric.end if previous.from_after and previous.metric else previous.num.end
            left = max(left, previous.num.end)
            left = _take_word(text, left, num.start, ("、", "和", "及", "以及", "与"))
        following = [n.start for n in nums if num.end <= n.start < clause[1]]
        right = min([clause[1], *following])
        after = text[num.end : right]
        list_item = previous is None and text[clause[0] - 1 : clause[0]] == "、"  # its actor is the list's
        head = _head(text, left, num.start, allow_subject=not list_item)
        near = text[left : num.start].strip(_SPACE)
        kind = _kind(text, num, clause[0], left, sentence, settings, after)
        if kind == "count" and settings.carry_target and target_verbs and near.endswith(tuple(target_verbs)):
            kind = "target"
        if kind != "target" and settings.carry_target and _in_breakdown_of_target(text, indicators, num):
            kind = "target"
        if kind == "target":
            target_verbs.update(v for v in lx.LEVEL_VERBS if near.endswith(v))
        named_before = _name_before(text, head, left, num, kind)
        threshold = near.endswith("在") and after.startswith(("以上", "以下"))
        own_rate = named_before is not None and named_before.text.endswith(lx.RATE_SUFFIXES)
        metric, from_after = None, False
        if settings.after_noun and not threshold and not own_rate and (previous is None or named_before is None):
            bounded = right < clause[1] and not text[:right].rstrip(_SPACE).endswith(("、", "和", "及", "与"))
            metric = _noun_after(text, num.end, right, whole_clause=kind == "rate" and "%" in num.text,
                                 bounded=bounded)
            from_after = metric is not None
        if metric is None:
            metric = named_before
        if metric is None and not near.endswith(lx.RELATION_WORDS):
            rest = _head(text, lx.AFTER_SKIP.match(text, num.end, right).end(), right).start
            metric = _balanced(text, _span(text, rest, _trim_right(text, rest, right) if rest < right else right))
        if metric is None:
            metric = _borrowed(text, figures, near)
        figures.append(_Figure(num, metric, from_after))
        taken = [s for s in (metric,) if s is not None]
        period = _period(text, sentence, clause, num, taken)
        subject = head.subject
        own_name = metric is not None and metric.text.endswith(lx.RATE_SUFFIXES)
        if subject is None and settings.carry_subject and not own_name and (head.opens_with_verb or previous):
            subject = _carried_subject(text, clauses, heads, clause)
        spans = [s for s in (metric, period) if s is not None]
        if subject is not None and any(subject.start < s.end and s.start < subject.end for s in spans):
            subject = None
        if period is not None and metric is not None and period.start < metric.end and metric.start < period.end:
            period = None
        indicators.append(Indicator(num, kind, metric, period, subject))
    return indicators


def _carried_subject(text: str, clauses: list[tuple[int, int]], heads: dict[tuple[int, int], _Head],
                     clause: tuple[int, int]) -> Span | None:
    """Section 6: the actor of the nearest earlier clause, through clauses that start with a verb."""
    earlier = [c for c in clauses if c[1] <= clause[0]]
    for c in reversed(earlier):
        head = heads[c]
        if head.subject is not None:
            return head.subject
        if not head.opens_with_verb:
            return None
    return None


def extract(text: str, nums: Sequence[tuple[int, int]], sentences: Sequence[tuple[int, int, str]],
            settings: RuleSettings | None = None) -> list[Indicator]:
    """One :class:`Indicator` per ``NUM`` span, in text order.

    ``sentences`` are the document's segments ``(start, end, label)``; a ``NUM`` outside
    every segment gets an indicator with only its kind.
    """
    settings = settings or RuleSettings()
    ordered = [Sentence(*s) for s in sorted(sentences)]
    spans = [Span(s, e, text[s:e]) for s, e in sorted(nums)]
    found: list[Indicator] = []
    index = 0
    for sentence in ordered:
        inside: list[Span] = []
        while index < len(spans) and spans[index].start < sentence.end:
            if spans[index].start >= sentence.start and spans[index].end <= sentence.end:
                inside.append(spans[index])
            else:
                found.append(Indicator(spans[index], _lone_kind(spans[index])))
            index += 1
        if inside:
            found.extend(_sentence_indicators(text, sentence, inside, settings))
    found.extend(Indicator(span, _lone_kind(span)) for span in spans[index:])
    return sorted(found, key=lambda i: (i.num.start, i.num.end))


def _lone_kind(num: Span) -> str:
    return "rate" if "%" in num.text or "‰" in num.text else "count"


