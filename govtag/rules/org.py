"""Institutions (``ORG``) from a lexicon (``govtag/data/org_lexicon.txt``) and patterns.

Three recognisers feed one list:

* **Lexicon bodies** (国务院, 党中央, 司法部 ...) and 中央 where it stands for
  党中央 (中央八项规定, 执行中央、省委… but not 中央企业, 中央预算内).
* **Local bodies**: a governing core that needs a locality (区委, 市政府,
  县人大常委会, 自治区党委) or a department (司法局, 区教委, 省司法厅), grown to
  the left over place names (重庆市荣昌区人民政府, 中共海东市委) and to the right
  over a named sub-body (区委全面依法治区委员会, 市委依法治市办, 区政府党组).
* **Free-standing named bodies** ending in an institution word.  Rules cannot
  see where such a name begins, so the text before the suffix is cut at the
  last verb or function word (成立, 聘请了, 由, 和 ...).  Committees, groups,
  offices and service centres may be named by ordinary words (疫情防控指挥部);
  schools, hospitals and institutes must carry a proper name (盐港小学 yes,
  乡村小规模学校 no), judged by jieba's part-of-speech tags.

The guideline's exclusions are enforced where rules can see them: two bodies
are never merged (区委区政府 -> 区委 + 区政府), a body inside a meeting or a
website name is tagged alone (区政府常务会议 -> 区政府), fused post words
(公安局长) are dropped, and categories (各部门, 乡镇人民政府, 人民法院 in a
general statement, 社区服务中心30个) are not tagged.

Place names come from :mod:`govtag.rules.places`.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from importlib import resources

from govtag.rules.jieba_dict import pos_cut
from govtag.rules.places import (
    FUNCTION_TAGS,
    LEVELS,
    extend_over_places,
    has_place_prefix,
    is_function_word,
    place_start,
    starts_with_place,
)
from govtag.rules.spans import longest_first
from govtag.rules.wordlist import trie_pattern
from govtag.types import EntitySpan

_CJK = "\u4e00-\u9fff"


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[str, ...]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    text = resources.files("govtag").joinpath("data/org_lexicon.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line)
    return {name: tuple(terms) for name, terms in sections.items()}


# --- patterns -----------------------------------------------------------------

# A lone level word after these is part of a generic phrase (各区, 乡镇, 我区, 社区, 特区).
_GENERIC_BEFORE_LEVEL = frozenset("各全本我该两三这此其每级乡镇县市区省地城社街山郊辖片园小景校厂军营特湖矿牧林老港灾")

# Characters after a body that turn it into another word (公安局长, 组织部署, 委员, 办理).
_FUSED_AFTER = {
    "局": "长面势", "厅": "长", "部": "长署分门队", "委": "员托屈婉", "办": "理法事结案件好学证税成实公",
    "院": "长士校", "组": "长织", "所": "长", "队": "长伍", "室": "主", "司": "律法", "学": "习生期毕",
    "区": "域", "馆": "群", "团": "化",
}
# 办 after these is a verb (举办, 督办, 承办, 一网通办), not an office.
_VERB_BEFORE_BAN = set("举督承主协创开兴代包查交帮领难网通快可易申合好在已")
# 第十四届 / 三届 between a locality and its congress.
_SESSION = "(?:第?[一二三四五六七八九十]+届)?"


def _fused(text: str, end: int) -> bool:
    return end < len(text) and text[end] in _FUSED_AFTER.get(text[end - 1], "")


def _first_chars(words: tuple[str, ...]) -> str:
    """A character class body of the words' first characters: a cheap guard in front of a trie."""
    return "".join(sorted({re.escape(word[0]) for word in words}))


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lex = _lexicon()
    levels = trie_pattern(LEVELS)
    return {
        "bodies": re.compile(rf"(?=[{_first_chars(lex['bodies'])}]){trie_pattern(lex['bodies'])}"),
        "local": re.compile(
            rf"(?=[{_first_chars(LEVELS + lex['departments'])}])"
            rf"(?:(?P<level>{levels}){_SESSION}(?P<gov>{trie_pattern(lex['gov_cores'])})"
            rf"|(?P<dlevel>{levels})?(?P<dept>{trie_pattern(lex['departments'])}))"
        ),
        "sub": re.compile(rf"(?P<name>[{_CJK}“”]{{0,14}}?)(?P<suffix>{trie_pattern(lex['sub_suffixes'])})"),
        "named": re.compile(
            rf"(?=[{_first_chars(lex['institution_suffixes'] + lex['named_suffixes'])}])"
            rf"(?P<inst>{trie_pattern(lex['institution_suffixes'])})|(?P<named>{trie_pattern(lex['named_suffixes'])})"
        ),
    }


_CENTRAL = re.compile(
    r"(?<![党共])中央(?!企业|预算|单位|本级|调剂|驻|商务区|财政|直属|部门|和地方|级|空调|厨房|大街|公园)"
)
# Words before a free-standing name that end the text preceding it.
_STOP_WORDS = (
    r"成立了?|组建了?|设立了?|下设|建立健全|建立了?|建成|构建|召开了?|调整为|调整充实|聘请了?|续聘|"
    r"转发|报送|报于|报请|迎接|配合|联合|会同|依托|通过|经过|根据|按照|围绕|落实|执行|贯彻|参加|发挥|"
    r"接受|支持|走进|进驻|并入|调入|解决|设立在|设在|成为|作为|担任|重视|现有|规划建设|"
    r"组织|指导|督促|协助|录入|具有|打造|引进|新建|筹建|举办|获评|荣获|培育|运行|加快|加大|启动|完成|"
    r"我区|我县|我市|我省"
)
# Single function characters also end it, except before a school or hospital,
# whose proper names may hold them (东和小学); jieba's tags cut those instead.
_LEFT_STOP = re.compile(rf".*(?:{_STOP_WORDS}|[被由向在将与和及对把为以从于是等的了原并请给让使同跟至到或之其任])")
_LEFT_STOP_WORDS = re.compile(rf".*(?:{_STOP_WORDS})")
# Time words left when the scan stopped at a digit (2020年6月上旬省…领导小组).
_LEADING_TIME = re.compile(r"^(?:年度?|月份?|日|[上中下]旬|初|底|末|以来)+")
_NAME_CHARS = re.compile(rf"[{_CJK}“”]")
# Names that count or qualify rather than name (三个协调小组, 县级综治中心, 区内设机构).
_COUNTED = re.compile(
    r"(?:^[一二两三四五六七八九十几]*[个各所家座名批项间]|个$|^[一二两三四五六七八九十省市区县乡镇村]级|"
    r"^[省市区县]?(?:内设|下属|直属|所属|派出)|"
    r"^(?:有关|相关|这|那|该|本|其|每|所有|全体|部分|基层|专门))"
)
# A category followed by how many there are (建成社区服务中心30个) is not one body.
_COUNT_AFTER = re.compile(r"[0-9０-９]+[余多]?[个家所座处]")
_PAREN_AFTER = re.compile(rf"[（(][{_CJK}]{{1,6}}[）)]")  # 香港中文大学（深圳）
_MAX_NAME = 24
_PROPER_TAGS = {"ns", "nr", "nz", "nt", "nrt", "nrfg", "j"}
_PROPER_HEADS = ("国家", "中国", "全国")
_VERB_TAGS = {"v", "vd", "vn", "ad", "d", "p", "c", "u", "uj", "ul"}
_NOT_NAME_TAGS = _VERB_TAGS | FUNCTION_TAGS | {"m", "f"}
# Single characters with these tags do not start an unknown name (红岭 yes, 普惠 no).
_NOT_IN_NAME_TAGS = _VERB_TAGS | {"m", "f", "r", "q", "y"}
# A sub-body name holds no function word or reporting verb (区政府高度重视…办理).
_SUB_NAME_STOP = re.compile(r"[的了在向由和与及将把被是等并或]|召开|主持|研究|审议|听取|印发|制定|进行|开展|负责|担任|高度|认真|及时")
_COORDINATED = re.compile(r"(?:、|和|及|与)(?P<body>人民法院|人民检察院|法院|检察院|政协)")


# --- recognisers --------------------------------------------------------------


def _lexicon_bodies(text: str) -> list[tuple[int, int]]:
    found = [m.span() for m in _patterns()["bodies"].finditer(text) if not _fused(text, m.end())]
    return found + [m.span() for m in _CENTRAL.finditer(text)]


def _local_bodies(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_department) of every locality-anchored body and department."""
    spans = []
    for match in _patterns()["local"].finditer(text):
        end = match.end()
        if _fused(text, end):
            continue
        level = "level" if match.group("gov") else "dlevel"
        start = match.start()
        if match.group(level):
            place = place_start(text, match.end(level))
            if place < start:
                start = extend_over_places(text, place)  # 乐都区人民政府, 重庆市荣昌区…
            elif match.group(level) == "新区" and is_function_word(text[start - 1 : start + 1]):
                start += 1  # 更新区政府: 新 ends the word before, the level is 区
            elif start and text[start - 1] in _GENERIC_BEFORE_LEVEL:
                # 乡镇人民政府, 各区政府, 特区政府: the level ends a word, not a locality
                if match.group("gov"):
                    continue
                start = match.start("dept")  # 我区市场监管局 -> 市场监管局
            else:
                start = extend_over_places(text, start)
        if text.startswith("中共", start - 2):
            start -= 2
        spans.append((start, end, match.group("dept") is not None))
    return spans


def _grow(text: str, spans: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Grow each owner body over what is written right after it.

    A department directly after a governing body belongs to it (自治区政府国资委,
    区委组织部); so does a named sub-body (区委全面依法治区委员会).  Two
    governing bodies are never merged (区委区政府).
    """
    by_start = {start: (end, dept) for start, end, dept in spans}
    starts = sorted(by_start)
    grown = []
    for start, end, _ in spans:
        while True:
            if end in by_start and by_start[end][1]:
                end = by_start[end][0]
                continue
            match = _patterns()["sub"].match(text, end)
            if not match or _fused(text, match.end()):
                break
            name, suffix = match.group("name"), match.group("suffix")
            if (
                bisect.bisect_left(starts, end) < bisect.bisect_left(starts, match.end())
                or _SUB_NAME_STOP.search(name)
                or name.count("“") != name.count("”")  # 市委“五个中心”: a slogan
                or (not name and suffix in ("中心", "大队", "指挥部"))
                or name.endswith("工作") and suffix == "中心"  # 区政府工作中心: the main task
                or (suffix == "办" and text[match.start("suffix") - 1] in _VERB_BEFORE_BAN)
            ):
                break
            end = match.end()
        grown.append((start, end))
    return grown


@lru_cache(maxsize=4096)
def _institution_name(name: str) -> str | None:
    """The proper name of a school, hospital, institute or firm, or None for a kind of one.

    A leading verb phrase is dropped (加快推进市第三儿童 -> 市第三儿童).  What is
    left must hold a proper name -- a place or person-like word, an
    abbreviation, a level word such as 市, or characters jieba's dictionary
    only knows one by one (红岭) -- or be a short plain noun (光明, 田心); and,
    unless a locality leads it, no word that names a kind (普惠性, 乡村小规模).
    """
    kinds = _lexicon()["kind_words"]
    tokens = pos_cut(name)

    def proper(index: int) -> bool:
        token = tokens[index]
        if token.word in kinds:
            return False
        unknown_run = (
            len(token.word) == 1
            and index + 1 < len(tokens)
            and len(tokens[index + 1].word) == 1
            and not {token.flag, tokens[index + 1].flag} & _NOT_IN_NAME_TAGS
        )
        return (
            token.flag in _PROPER_TAGS
            or token.word in _PROPER_HEADS
            or unknown_run
            or (token.word in LEVELS and all(t.flag in _NOT_NAME_TAGS for t in tokens[:index]))
        )

    first = next((index for index in range(len(tokens)) if proper(index)), None)
    last_verb = max(
        (i for i, t in enumerate(tokens[: len(tokens) if first is None else first]) if t.flag in _VERB_TAGS),
        default=-1,
    )
    rest = tokens[last_verb + 1 :]
    name = "".join(t.word for t in rest)
    local = bool(rest) and (rest[0].word in LEVELS or starts_with_place(name))
    whole = "".join(t.word for t in tokens)
    boundaries = {sum(len(t.word) for t in tokens[:i]) for i in range(len(tokens))}
    if not local and any(whole.startswith(kind, b) for b in boundaries for kind in kinds):
        return None  # 普惠性, 乡村小规模: a kind of school, unless a locality names one
    if first is not None:
        return name
    plain = rest and all(t.flag == "n" for t in rest)
    return name if plain and 2 <= len(name) <= 3 else None


def _named_bodies(text: str, anchors: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Bodies named before an institution suffix; the name never runs back over an anchor.

    Institutions written back to back are one body (四川大学华西医院西藏医院,
    香港中文大学（深圳）医学院), as the guideline keeps a named body whole.
    """
    stops = {end for _, end in anchors}
    covered = {end: start for start, end in anchors}
    lex = _lexicon()
    generic, needs_place = set(lex["generic"]), lex["needs_place"]
    found: dict[int, int] = {}  # start -> end
    # where an institution name ends -> where it starts, to join the next one on
    institution_end = {end: start for start, end in anchors if text[end - 1] in "院学"}
    for match in _patterns()["named"].finditer(text):
        suffix_start, end = match.span()
        if _fused(text, end) or _COUNT_AFTER.match(text, end) or covered.get(end, end) <= suffix_start:
            continue  # a post word, a counted category, or a body an anchor already covers
        institution = match.group("inst") is not None
        name = _name_before(text, suffix_start, stops, _LEFT_STOP_WORDS if institution else _LEFT_STOP)
        if name is None:
            continue
        if institution:
            joins = suffix_start - len(name) in institution_end
            proper = _institution_name(name) if name else None
            if proper is None and (name or not joins):
                continue
            name = _without_open_quote(proper or "")
            paren = _PAREN_AFTER.match(text, end)
            end = paren.end() if paren else end
        start = suffix_start - len(name)
        candidate = name + match.group()
        if candidate.endswith(needs_place) and not has_place_prefix(candidate):
            continue
        if institution and start in institution_end:
            start = institution_end.pop(start)  # 四川大学 + 华西医院 -> one body
            found.pop(start, None)
        elif candidate in generic:
            continue
        found[start] = end
        stops.add(end)
        if institution:
            institution_end[end] = start
    return list(found.items())


def _without_open_quote(name: str) -> str:
    """Drop an opening quote whose closing one is not in the name (“国家深海科考中心+…”)."""
    return name if "”" in name else name.removeprefix("“")


def _name_before(text: str, suffix_start: int, stops: set[int], left_stop: re.Pattern[str]) -> str | None:
    """The name written before an institution suffix, or None when it is a category."""
    left = suffix_start
    while left > 0 and suffix_start - left < _MAX_NAME and left not in stops and _NAME_CHARS.match(text, left - 1):
        left -= 1
    name = text[left:suffix_start]
    stop = left_stop.match(name)
    if stop:
        name = name[stop.end() :]
    elif left > 0 and text[left - 1].isdigit():
        name = _LEADING_TIME.sub("", name)
    name = _without_open_quote(name)
    return None if name and _COUNTED.search(name) else name


def _coordinated(text: str, anchors: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """与区法院、检察院; 自治区人大、政协: a bare body listed after a local one is the local one."""
    found = []
    for _, end in anchors:
        match = _COORDINATED.match(text, end)
        if not match:
            continue
        owner_fits = text.endswith("人大", 0, end) if match.group("body") == "政协" else text[end - 1] == "院"
        if owner_fits:
            found.append(match.span("body"))
    return found


def find_orgs(text: str) -> list[EntitySpan]:
    """Return an ``ORG`` span for every institution the rules recognise in ``text``, by start."""
    local = _local_bodies(text)
    anchors = _grow(text, local + [(s, e, False) for s, e in _lexicon_bodies(text)])
    spans = set(anchors + _named_bodies(text, anchors) + _coordinated(text, anchors))
    return longest_first(EntitySpan(start, end, "ORG") for start, end in spans)
