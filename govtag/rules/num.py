"""Numeric indicators (``NUM``): an Arabic-digit quantity with its unit or measure word.

Boundaries follow the guideline: the span starts at the first digit and ends
after the unit (4144项, 63.52%, 5个工作日); 万/亿 and 余/多 between number and
unit are inside (2万余条, 20余万份); words around it (共, 约, 以上, the counted
noun) are outside.  Years and dates, ordinals, identifiers (hotlines, PM2.5,
5G, document numbers) and Chinese-numeral quantities are not numbers here.

Every span carries a :class:`~govtag.types.Normalized` value: multipliers are
applied (30万元 -> 300000 元, 1475万 -> 14750000 with no unit), percentages
become fractions (63.52% -> 0.6352) and ``approximate`` is set by 余/多 inside
the span or hedges around it (约, 近, 超过 ... 以上, 左右).
"""

from __future__ import annotations

import re

from govtag.rules.doc_no import find_doc_numbers
from govtag.types import EntitySpan, Normalized

_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_D = "0-9０-９"

# Measure words and units, each with the characters that must NOT follow it
# (they would make it the first half of an ordinary word: 人口, 条例, 处理 ...).
# 各 and 民 are the common typos for 个 and 名 that the guideline keeps in the span.
_UNITS: dict[str, str] = {
    # counts of things and people
    "个": "", "各": "项类级地部单种界方族", "件": "事", "项": "目", "家": "庭长属乡",
    "名": "单称义额录誉", "民": "族主生警众政营间", "人": "口民大员才们工类为",
    "人次": "", "户": "籍外口型", "户次": "", "所": "属有以在谓", "套": "餐",
    "条": "例件款线路", "份": "额", "部": "署分委长门", "部门": "", "起": "草诉来步到",
    "宗": "旨", "卷": "宗", "张": "", "枚": "", "座": "谈", "栋": "", "幢": "", "处": "理罚置分长室级于",
    "片": "区", "路": "段口线径", "批": "准示复", "批次": "", "次": "数序", "件次": "",
    "场": "所地景馆合", "场次": "", "车次": "", "班次": "", "架次": "", "篇": "章", "期": "间限待望",
    "本": "地级次届年着质部", "册": "", "台": "账帐风阶", "辆": "", "艘": "", "架": "构", "只": "是有要能",
    "头": "", "棵": "", "株": "", "块": "", "间": "隔接", "例": "如", "位": "于置列",
    "种": "类植子", "类": "别型似", "轮": "", "组": "织成建", "支": "持付出援部", "节": "日约能点",
    "课时": "", "学时": "", "字": "", "倍": "", "成": "立员为果效功本绩熟长交", "级": "别",
    # money, area, length, mass, energy
    "元": "素旦", "美元": "", "港元": "", "欧元": "", "平方米": "", "平方公里": "", "立方米": "",
    "公顷": "", "亩": "", "方": "面案式法向针位", "公里": "", "千米": "", "米": "", "吨": "", "公斤": "",
    "千克": "", "斤": "", "千瓦": "", "千瓦时": "", "度": "", "标箱": "", "微克/立方米": "",
    "KV": "", "kV": "", "kW": "", "MW": "",
    # time spans (a year-like number before 年 is a date; see _is_year)
    "年": "", "个月": "", "天": "然津气", "小时": "", "分钟": "", "周": "年末", "周岁": "", "岁": "",
    "个工作日": "", "工作日": "",
    # ratios
    "%": "", "％": "", "‰": "", "个百分点": "", "百分点": "",
}
_CANONICAL_UNIT = {"各": "个", "民": "名", "％": "%", "个小时": "小时"}


def _unit_pattern() -> str:
    alternatives = []
    for unit in sorted(_UNITS, key=len, reverse=True):
        stop = _UNITS[unit]
        guard = f"(?![{re.escape(stop)}])" if stop else ""
        alternatives.append(re.escape(unit) + guard)
    # 3个多月 / 2个余小时: the hedge sits inside the measure phrase.
    inner = r"个(?P<inner>[多余])(?:月|小时|工作日)"
    return "(?:" + inner + "|" + "|".join(alternatives) + ")"


_NUMBER = rf"[{_D}]+(?:,[{_D}]{{3}}(?![{_D}]))*(?:[.．][{_D}]+)?"
_MULT = r"(?:千万|百万|万亿|万|亿|千(?![瓦米克])|百(?!分))"

_NUM = re.compile(
    # not inside an identifier, a date or an ordinal
    rf"(?=[{_D}])(?<![A-Za-z{_D}\-+/#·第])(?<![{_D}][.．:：])"
    rf"(?P<num>{_NUMBER})"
    rf"(?:[ \u00a0]?[-—–~～至到][ \u00a0]?(?P<num2>{_NUMBER}))?"  # a range: 2—3岁
    r"[ \u00a0]?"  # a stray space stays inside: 10 个
    rf"(?P<mult1>{_MULT})?(?P<approx>[余多])?(?P<mult2>{_MULT})?"
    rf"(?P<unit>{_unit_pattern()})?"
)

# A bare count with no unit is a figure only where a quantity is being reported
# (事项数量719); elsewhere it is a code, a date part or a list marker.
_BARE_COUNT_CUE = re.compile(r"(?:数量|总数|总量|数|量)(?:为|达|是|[:：])?$")
_BARE_COUNT_END = re.compile(r"(?:[,，。;；、)）\s]|$)")

_HEDGE_BEFORE = re.compile(r"(?:约|近|超过|超|逾|大约|将近|接近|不少于|不低于|不足|不到)$")
_HEDGE_AFTER = re.compile(r"(?:以上|以下|以内|左右|上下|许|余|多)")
_MULTIPLIER = {"万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}
_SCALE = {"%": 0.01, "‰": 0.001}


def _to_float(number: str) -> float:
    """The value of a digit string that may be full-width or hold thousands separators."""
    return float(number.translate(_FULLWIDTH).replace(",", ""))


def _mult_value(mult: str | None) -> float:
    value = 1.0
    for char in mult or "":
        value *= _MULTIPLIER[char]
    return value


def _is_year(match: re.Match[str], unit: str) -> bool:
    """A 1900-2100 integer before 年 with no hedge or multiplier is a year, not a duration."""
    if unit != "年" or match.group("approx") or match.group("mult1") or match.group("mult2"):
        return False
    numbers = [n for n in (match.group("num"), match.group("num2")) if n]
    return any("." not in n and "．" not in n and 1900 <= _to_float(n) <= 2100 for n in numbers)


def _normalize(text: str, match: re.Match[str], unit: str) -> Normalized:
    """Value with multipliers applied, canonical unit, and whether the figure is hedged.

    A range (2—3岁) keeps its lower bound and counts as approximate.
    """
    if match.group("inner"):
        unit = unit.replace(match.group("inner"), "")
    unit = _CANONICAL_UNIT.get(unit, unit)
    value = _to_float(match.group("num"))
    value *= _mult_value(match.group("mult1")) * _mult_value(match.group("mult2"))
    value *= _SCALE.get(unit, 1.0)
    approximate = bool(
        match.group("approx")
        or match.group("inner")
        or match.group("num2")
        or _HEDGE_BEFORE.search(text, max(0, match.start() - 3), match.start())
        or _HEDGE_AFTER.match(text, match.end())
    )
    return Normalized(round(value, 10), unit, approximate)


def _accept(text: str, match: re.Match[str]) -> int | None:
    """Return the span end for an acceptable match, or None to reject it."""
    unit = match.group("unit")
    if unit:
        return None if _is_year(match, unit) else match.end()
    if match.group("mult1") or match.group("mult2"):
        # 1475万, 14亿, 3万多: a multiplier alone makes a unit-less figure
        return max(match.end(g) for g in ("mult1", "approx", "mult2") if match.group(g))
    end = match.end("num")
    if (
        match.group("num2") is None
        and _BARE_COUNT_CUE.search(text, max(0, match.start() - 4), match.start())
        and _BARE_COUNT_END.match(text, end)
    ):
        return end
    return None


def find_numbers(text: str, doc_numbers: list[EntitySpan] | None = None) -> list[EntitySpan]:
    """Return a ``NUM`` span for every numeric indicator in ``text``, by start.

    Digits inside document numbers are identifiers; pass ``doc_numbers`` when
    they are already known, else they are found here.
    """
    if doc_numbers is None:
        doc_numbers = find_doc_numbers(text)
    blocked = bytearray(len(text))
    for doc in doc_numbers:
        blocked[doc.start : doc.end] = b"\x01" * (doc.end - doc.start)
    spans: list[EntitySpan] = []
    for match in _NUM.finditer(text):
        end = _accept(text, match)
        if end is None:
            continue
        start = match.start()
        if any(blocked[start:end]):
            continue
        unit = match.group("unit") or ""
        spans.append(EntitySpan(start, end, "NUM", normalized=_normalize(text, match, unit)))
    return spans
