"""Place names in front of an institution (乐都区, 重庆市荣昌区, 西藏自治区).

There is no gazetteer: a place is recognised by its shape, a root followed by
a level word (市, 区, 县, 乡, 镇, 自治区 ...).  The root is a province from a
fixed list, or the two characters before the level word when jieba's
dictionary knows them as a name or a rare word, not as a verb or function word
(乐都区 yes, 围绕区委 no: 围绕 is a verb).
"""

from __future__ import annotations

from govtag.rules.jieba_dict import word_entry

PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split()
)
LEVELS = ("自治区", "自治州", "自治县", "新区", "街道", "省", "市", "区", "县", "乡", "镇", "州")
SINGLE_LEVELS = frozenset("省市区县乡镇州")
# jieba tags of words that are not names: verbs, prepositions, conjunctions ...
FUNCTION_TAGS = frozenset({"v", "vn", "vd", "p", "c", "u", "r", "m", "q", "t", "f", "ad", "a", "uj", "ul", "zg", "y"})
# Characters that cannot belong to a place-name root.
_NOT_IN_ROOT = frozenset("于在向由和与及对将把被为以从的了是等并请或我各全本该其这那之也就还又再已")
# A root jieba knows as a plain word is a place only when the word is rare (盐田, 大足).
_RARE_WORD = 100


def _two_char_word(chars: str) -> tuple[int, str] | None:
    """(frequency, tag) of ``chars`` when jieba's dictionary knows it as a two-character word."""
    return word_entry(chars) if len(chars) == 2 else None


def is_function_word(chars: str) -> bool:
    """Whether jieba knows the two characters ``chars`` as a verb, adverb or function word (更新)."""
    entry = _two_char_word(chars)
    return entry is not None and (entry[1] in FUNCTION_TAGS or entry[1] == "d")


def _is_place_root(root: str) -> bool:
    if len(root) != 2 or not all("\u4e00" <= c <= "\u9fff" for c in root):
        return False
    if root in PROVINCES:
        return True
    if any(c in _NOT_IN_ROOT for c in root):
        return False
    entry = _two_char_word(root)
    if entry is None:
        return False
    freq, tag = entry
    if tag.startswith("n") and tag != "n":  # ns, nr, nz, nt ...
        return True
    return tag not in FUNCTION_TAGS and freq < _RARE_WORD


def place_start(text: str, pos: int) -> int:
    """Start of a place name (root + level word) that ends at ``pos``; ``pos`` if there is none."""
    for level in LEVELS:
        root_end = pos - len(level)
        if root_end < 2 or not text.startswith(level, root_end):
            continue
        if text[root_end - 3 : root_end] in PROVINCES:  # 黑龙江, 内蒙古
            return root_end - 3
        if _is_place_root(text[root_end - 2 : root_end]):
            return root_end - 2
    return pos


def extend_over_places(text: str, start: int) -> int:
    """Move ``start`` left over the place names that end at it (重庆市 + 荣昌区)."""
    for _ in range(3):
        previous = place_start(text, start)
        if previous == start:
            break
        start = previous
    return start


def starts_with_place(name: str) -> bool:
    """Whether ``name`` starts with a place name (龙山乡…, 重庆市…)."""
    return any(place_start(name, k) == 0 for k in range(3, 7))


def has_place_prefix(name: str) -> bool:
    """Whether ``name`` starts with a level word (区…) or a place name (龙山乡…)."""
    return name[:1] in SINGLE_LEVELS or starts_with_place(name)
