"""ORG supervision from public labelled Chinese NER data, mapped onto the guideline's ORG.

Sources (under ``ner_root``, see its SOURCES.md; the mapping and its known
mismatches are written up in docs/ner-mapping.md):

- ``cluener``: CLUENER2020 ``train.json`` and ``dev.json``. ``government`` and
  ``organization`` map to ORG, ``company`` too (the guideline counts named firms;
  ``include_company=False`` drops every sentence with a company span instead).
  A body at the start of a ``position`` span is tagged alone (国务院总理 ->
  国务院, 县委书记 -> 县委, 中国工程院院士 -> 中国工程院), as the guideline asks.
- ``peoples_daily``: the 1998 People's Daily BIO files ``example.dev`` and
  ``example.test`` (``char TAG`` per line); ``B-ORG``/``I-ORG`` map to ORG.
- ``msra``: MSRA ``{val,test}/sentences.txt`` + ``tags.txt`` (space-separated
  characters and BIO tags); ``B-ORG``/``I-ORG`` map to ORG. Digits and Latin
  letters are full-width (１９９８年); the text is kept as it is.

Every candidate span gets one of three verdicts. ``org``: kept as ORG.
``not_org``: the guideline says it is not an ORG (text in another language, a
bare place, a meeting or event, a generic category or plural) - the span is
left unlabelled and the sentence kept, since O is then the right answer.
``ambiguous``: a simple rule cannot tell what the guideline would say (a bare
政府 or 委员会 that context may make specific, a sports team, a coordination
such as 居委会和街道办, a named institution labelled as an address or scene) -
the whole sentence is dropped, so that it teaches nothing wrong. Sentences
about sports and bands are dropped too: their club names are mostly place
names (罗马, 利物浦, 巴西) and would contradict "bare places are not ORG".

Sentences without any ORG are kept only as a minority (``negative_fraction``).
Nothing is written to disk; each call reads only the requested sources.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from govtag.errors import ConfigError, InputError
from govtag.jsonl import iter_jsonl

SOURCES: tuple[str, ...] = ("cluener", "peoples_daily", "msra")
SOURCE_ALIASES = {"cluener2020": "cluener", "people_daily": "peoples_daily", "peoples_daily_zjy": "peoples_daily",
                  "pd": "peoples_daily", "msra_lemonhu": "msra"}

Verdict = Literal["org", "not_org", "ambiguous"]

#: CLUENER labels that become ORG (company: see include_company).
CLUENER_ORG_LABELS = ("government", "organization")


@dataclass
class NerExample:
    """One sentence with its ORG spans: ``(start, end, "ORG")``, end exclusive."""

    text: str
    entities: list[tuple[int, int, str]]
    source: str


@dataclass
class MappingStats:
    """What the mapping did, per source (for docs and for a log line)."""

    sentences: int = 0
    positives: int = 0
    negatives: int = 0
    dropped: int = 0
    spans: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.spans[key] = self.spans.get(key, 0) + n


# --------------------------------------------------------------------------- rules

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EDGE_PUNCT = "“”\"'‘’「」『』（）()《》<>〈〉【】[]〔〕 \u3000·•,，。、:：;；!！?？"

# meetings, sessions and events (guideline: 政府常务会议, 党的十九大 are not ORG)
_EVENT = re.compile(
    r"(?:[一二三四五六七八九十]+大|[届次].*(?:会议|全会|大会|中常会))$"
    r"|(?:会议|全会|峰会|论坛|年会|联赛|杯赛|锦标赛|运动会|奥运会|亚运会|博览会|展览会|交易会|研讨会|座谈会|"
    r"音乐会|演唱会|颁奖礼|典礼|庆典|比赛|大赛|赛事|精英赛|联盟杯|世界杯|进修班|培训班|研修班|学习班)$")
# bodies whose names look like meetings: 全国人民代表大会, 第六届全国人大, 中国人民政治协商会议
_MEETING_BODY = re.compile(r"(?:人民代表大会|人大|政治协商会议|常务委员会|常委会|委员会)$")

# plurals and categories (各部门, 执法部门, 行政机关)
_CATEGORY = re.compile(
    r"^(?:各|有关|相关|多家|一些|部分|其他|其它|众多|两家|几家|某)|(?:部门|部委|机关|单位|方面|系统|当局|等)$"
    r"|(?:监管|执法|行政|金融|中介|培训|医疗|评估|服务|教育|研究|主管|职能|管理|相关|有关)机构$"
    r"|^(?:农商行|城商行|股份行|国有大行|外资行|中资行|议员团)$")
_GENERIC_FIRM = re.compile(
    r"^(?:国有|民营|中资|外资|股份制|商业|博彩|地产|房地产|保险|证券|基金|信托|农村商业|城市商业|地方|储户|国内|外国|"
    r"大型|中小|一家|这家|该|游戏|网络|软件)(?:银行|公司|集团|企业|券商|机构|商家|厂商|开发商|运营商|发行商)$")

# a bare word that context may or may not make one specific body: drop the sentence
_GENERIC = frozenset("""
政府 法院 检察院 警方 军方 军队 部队 陆军 海军 空军 公司 中心 委员会 代表团 主席团 银行 集团 学校 医院 媒体
当局 国会 议会 内阁 人大 政协 海关 党委 党组 纪委 工会 总工会 居委会 村委会 筹委会 执委会 组委会 董事会 常委会 分局
分行 支行 总行 总部 研究所 研究院 大学 学院 协会 学会 基金会 政府军 反对派 国民党 共和党 民主党
""".split())

_TEAM = re.compile(r"(?<![大支中总分])队$")  # 中国队, 巴西队 (but 执法大队, 交警支队 are bodies)
_FUSED_POST_END = "部局厅处科所站"
_WEBSITE = re.compile(r"(?:网站|门户|平台|(?<![电管])网)$")  # but 国家电网, 管网
_BODY_END = re.compile(r"(?:委员会|委会|政府|委|办|队|局|部|院|所|厅|署|中心|街道办|会|社|行|公司|集团)$")
_COORDINATION = re.compile(r"[和与及、]")
# 北京市委市政府, 区委区政府: two bodies joined without a separator are two spans
_PARTY_GOV = re.compile(r"^(?P<a>.*?[省市县区州旗盟]委)(?P<b>[省市县区州旗盟]?(?:人民)?政府)$")

# a named institution labelled as an address or a scene (the guideline counts 海洋博物馆, 市中医院)
_INSTITUTION_END = re.compile(
    r"(?:政府|党委|委员会|人大|政协|法院|检察院|公安局|分局|局|厅|署|医院|卫生院|博物馆|图书馆|美术馆|纪念馆|科技馆|"
    r"大学|学院|中学|小学|学校|幼儿园|研究院|研究所|管理中心|服务中心|福彩中心|体彩中心)$")

# place names; a span made only of these is a bare place (银州区, 荷花池街道, 龙山乡, 巴西)
_PLACE_UNITS = frozenset("省 市 县 区 州 镇 乡 村 旗 盟 街道 社区 地区 特区 自治区 自治州 自治县 新区".split())
_PLACE_END = "省市县区州镇乡村旗国"
_ORG_END = "关院局部委会社馆所团队军党办署行司厂台报"
# jieba tags many organisation abbreviations ns (北约, 英特尔, 银联, 海关), so a bare ns word
# counts as a place only when it ends like one or is one of these
_KNOWN_PLACES = frozenset("""
北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州
云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 中华 华北 华南 华东 西北 东北 西南
俄罗斯 日本 印度 巴西 阿根廷 意大利 西班牙 葡萄牙 荷兰 比利时 瑞士 瑞典 挪威 丹麦 芬兰 波兰 奥地利 希腊 土耳其
伊朗 伊拉克 以色列 埃及 南非 尼日利亚 澳大利亚 新西兰 加拿大 墨西哥 古巴 越南 泰国 印尼 印度尼西亚 马来西亚
新加坡 菲律宾 巴基斯坦 阿富汗 沙特 乌克兰 斯洛伐克 捷克 匈牙利 罗马尼亚 保加利亚 塞尔维亚 克罗地亚 苏格兰
英格兰 威尔士 爱尔兰 欧洲 亚洲 非洲 美洲 拉美 中东 北美 欧盟国家
""".split())

_SPORTS = re.compile(
    r"比赛|联赛|赛季|进球|球队|球员|主场|客场|战平|逼平|击败|战胜|负于|不敌|夺冠|冠军|亚军|决赛|小组赛|锦标赛|"
    r"世界杯|欧冠|欧联|英超|西甲|意甲|德甲|法甲|中超|荷甲|葡超|苏超|NBA|nba|足球|篮球|排球|乒乓|羽毛球|网球|"
    r"比分|射门|球迷|主帅|教练|转会|奥运|亚运|世锦赛|杯赛|电竞|战队|俱乐部|乐队|乐团|专辑|巡演|德比|作客|"
    r"赔率|盘口|注盘|让球|让半球|让出半|主胜|客胜|亚盘|欧赔|初盘|投注|竞彩|足彩|"
    r"[0-9０-９]\s*比\s*[0-9０-９]|(?<![A-Za-z])(?:vs|VS|Vs|ｖｓ|ＶＳ)(?![A-Za-z])")

# posts that may follow a body inside a CLUENER position span
_POST = (r"(?:原|前|常务|执行|名誉|代理|正|首席|驻会)*"
         r"(?:书记|副书记|常委|委员|主任|副主任|主任委员|部长|副部长|局长|副局长|厅长|副厅长|处长|副处长|司长|副司长|"
         r"署长|院长|副院长|所长|副所长|站长|主席|副主席|会长|副会长|秘书长|副秘书长|行长|副行长|总经理|副总经理|"
         r"经理|副经理|董事长|副董事长|董事|总裁|副总裁|首席执行官|校长|副校长|教授|副教授|研究员|院士|记者|发言人|"
         r"参事|代表|负责人|领导|干部|官员|主编|总编辑|社长|副社长|检察长|副检察长|庭长|审判员|法官|理事长|理事)")
_POSITION_BODY = re.compile(
    r"^(?P<body>.+?(?:委员会|常委会|政府|党委|党组|纪委|政法委|政协|人大|委|部|局|厅|署|办|院|所|站|中心|协会|学会|"
    r"研究会|总会|银行|分行|公司|集团|大学|学院|社|台|报))" + _POST + r"$")
_POSITION_WHOLE_BODY = re.compile(r"^.+(?:[省市县区州旗]委|协会|学会|研究会|委员会|政府|法院|检察院|局|厅)$")
_BARE_DEPARTMENT = re.compile(r"^(?:大客户|客户|市场|销售|公关|研究|人力资源|财务|技术|客房|营销|行政|办公|国际|编辑)部$")


def _jieba_posseg():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


@lru_cache(maxsize=65536)
def place_kind(name: str) -> Literal["place", "maybe", "no"]:
    """Whether a name is a bare place (银州区, 荷花池街道, 巴西): "place", "no", or "maybe".

    jieba's part-of-speech tags decide: every word a place name (``ns``) or a
    place unit (区, 街道 ...). The last word must end like a place (省, 市, 国 ...)
    or be a well-known one; a lone ``ns`` word that does not (利物浦, 北约,
    英特尔) is "maybe".
    """
    if name in ("共和国", "中华人民共和国"):
        return "place"
    words = [(w.word, w.flag) for w in _jieba_posseg().cut(name)]
    if not words or any(flag != "ns" and word not in _PLACE_UNITS for word, flag in words):
        return "no"
    last = words[-1][0]
    if last in _PLACE_UNITS or last in _KNOWN_PLACES or last[-1] in _PLACE_END:
        return "place"
    if last[-1] in _ORG_END:
        return "no"  # 海关, 故宫博物院: tagged ns, but an institution
    return "maybe"


def is_bare_place(name: str) -> bool:
    return place_kind(name) == "place"


@lru_cache(maxsize=65536)
def span_verdict(name: str) -> Verdict:
    """Whether a span labelled as an organisation by a NER set is an ORG under the guideline."""
    if not _CJK.search(name):
        return "not_org"  # text in another language (cctv, ＤＥＣ, EA)
    if len(name) == 1:
        return "ambiguous"  # 工、农、中、建、交: one-character abbreviations in a list
    if name.endswith("等") or "、" in name:
        return "ambiguous"  # a list of bodies in one span
    if _EVENT.search(name) and not _MEETING_BODY.search(name):
        return "not_org"  # 十五大, 第九届全国人民代表大会第一次会议, 意甲联赛
    if _CATEGORY.search(name) or _GENERIC_FIRM.match(name):
        return "not_org"  # 各部门, 监管部门, 博彩公司
    if _WEBSITE.search(name):
        return "not_org"  # 新浪网, 烂番茄网站: websites and platforms are not ORG
    if name in _GENERIC or _BARE_DEPARTMENT.match(name):
        return "ambiguous"  # 政府, 委员会: specific or not depending on the context
    if _TEAM.search(name):
        return "ambiguous"  # 中国队: a sports team
    for part in _COORDINATION.split(name)[:-1]:
        if part and _BODY_END.search(part):
            return "ambiguous"  # 居委会和街道办, 交警支队与大队
    kind = place_kind(name)
    if kind == "place":
        return "not_org"  # 巴西, 银州区
    if kind == "maybe":
        return "ambiguous"  # 利物浦 (a club?), 北约, 英特尔
    return "org"


def split_joined_bodies(start: int, end: int, name: str) -> list[tuple[int, int]]:
    """北京市委市政府 -> 北京市委 + 市政府 (the guideline's 区委区政府 -> 区委 + 区政府)."""
    match = _PARTY_GOV.match(name)
    if not match or not match.group("a") or not match.group("b"):
        return [(start, end)]
    cut = start + match.end("a")
    return [(start, cut), (cut, end)]


def body_in_position(name: str) -> str | None:
    """The body a post belongs to: 国务院总理 -> 国务院, 县委书记 -> 县委; 公安局长 (fused) -> None."""
    match = _POSITION_BODY.match(name)
    if match:
        body = match.group("body")
    elif _POSITION_WHOLE_BODY.match(name) and len(name) >= 4:
        body = name  # a body mislabelled as a position (仙游县委)
    else:
        return None
    short_ok = re.fullmatch(r"[省市县区州旗乡镇团]委|[省市县区]政府|[省市县区]政协|[省市县区]人大|政法委", body)
    if len(body) < 3 and not short_ok:
        return None
    return body


_PAIRS = {"）": "（", ")": "(", "」": "「", "》": "《", "”": "“"}


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip quotes and punctuation at the edges; complete a bracket left open (恒生银行（中国 -> …（中国）)."""
    for close, open_ in _PAIRS.items():
        if text[start:end].count(open_) > text[start:end].count(close) and text[end:end + 1] == close:
            end += 1
    while start < end and text[start] in _EDGE_PUNCT:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCT:
        last = text[end - 1]
        if last in _PAIRS and text[start:end].count(_PAIRS[last]) >= text[start:end].count(last):
            break  # a closing bracket that belongs to the name
        end -= 1
    return start, end


def map_sentence(text: str, spans: Sequence[tuple[int, int, str]], source: str, *,
                 include_company: bool = True, stats: MappingStats | None = None) -> NerExample | None:
    """Map one labelled sentence; ``spans`` are ``(start, end_exclusive, source_label)``.

    Source labels: CLUENER's (government, organization, company, position,
    address, scene, ...) or the BIO sets' (ORG, LOC, PER). Returns None when the
    sentence is dropped.
    """
    stats = stats or MappingStats()
    stats.sentences += 1

    def drop(reason: str) -> None:
        stats.dropped += 1
        stats.add(f"dropped sentence: {reason}")

    if _SPORTS.search(text):
        drop("sports or music")
        return None
    orgs: list[tuple[int, int]] = []
    org_labels = set(CLUENER_ORG_LABELS) | {"ORG"}
    for start, end, label in spans:
        if label == "company" and not include_company:
            drop("company span, companies excluded")
            return None
        if label in org_labels or label == "company":
            start, end = _trim(text, start, end)
            if start >= end:
                continue
            verdict = span_verdict(text[start:end])
            if verdict == "org" and text[end:end + 1] == "长" and text[end - 1] in _FUSED_POST_END:
                verdict = "not_org"  # 法国经济和财政部|长: a name fused into a post (公安局长)
            stats.add(f"{label}: {verdict}")
            if verdict == "ambiguous":
                drop(f"ambiguous {label} span")
                return None
            if verdict == "org":
                orgs.extend(split_joined_bodies(start, end, text[start:end]))
        elif label == "position":
            body = body_in_position(text[start:end])
            if body is not None and span_verdict(body) == "org":
                orgs.append((start, start + len(body)))
                stats.add("position: body extracted")
        elif label in ("address", "scene", "LOC"):
            if _INSTITUTION_END.search(text[start:end]) and not is_bare_place(text[start:end]):
                drop(f"institution labelled {label}")
                return None
    orgs = _longest_first(orgs)
    if orgs:
        stats.positives += 1
    else:
        stats.negatives += 1
    return NerExample(text=text, entities=[(s, e, "ORG") for s, e in orgs], source=source)


def _longest_first(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(end <= a or start >= b for a, b in kept):
            kept.append((start, end))
    return sorted(kept)


# --------------------------------------------------------------------------- readers


def _lines(path: Path) -> Iterator[str]:
    if not path.is_file():
        raise InputError(f"NER file not found: {path}")
    with path.open(encoding="utf-8-sig") as handle:
        yield from handle


def read_cluener(path: Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, [(start, end_exclusive, label)])`` per record; CLUENER's ends are inclusive."""
    for where, record in iter_jsonl(path):
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str):
            raise InputError(f"{where}: no text")
        spans = []
        for label, entities in (record.get("label") or {}).items():
            for entity, positions in entities.items():
                for start, end_inclusive in positions:
                    if text[start:end_inclusive + 1] != entity:
                        raise InputError(f"{where}: span [{start}, {end_inclusive}] is not {entity!r}")
                    spans.append((start, end_inclusive + 1, label))
        yield text, sorted(spans)


def bio_spans(tokens: Sequence[str], tags: Sequence[str]) -> tuple[str, list[tuple[int, int, str]]]:
    """Join the tokens into text and turn BIO tags into character spans (an I- without B- opens a span)."""
    text_parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    offset, open_start, open_type = 0, None, None
    for token, tag in zip(tokens, tags, strict=True):
        kind, _, typ = tag.partition("-")
        if open_start is not None and (kind != "I" or typ != open_type):
            spans.append((open_start, offset, open_type))
            open_start, open_type = None, None
        if kind in ("B", "I") and open_start is None:
            open_start, open_type = offset, typ
        text_parts.append(token)
        offset += len(token)
    if open_start is not None:
        spans.append((open_start, offset, open_type))
    return "".join(text_parts), spans


def read_conll(path: Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """People's Daily: ``char TAG`` per line, a blank line between sentences."""
    tokens: list[str] = []
    tags: list[str] = []
    for line in _lines(path):
        line = line.rstrip("\r\n")
        if not line.strip():
            if tokens:
                yield bio_spans(tokens, tags)
                tokens, tags = [], []
            continue
        token, _, tag = line.rpartition(" ")
        tokens.append(token or " ")
        tags.append(tag)
    if tokens:
        yield bio_spans(tokens, tags)


def read_msra(folder: Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """MSRA: ``sentences.txt`` (space-separated characters) aligned with ``tags.txt``."""
    for lineno, (sentence, tagline) in enumerate(zip(_lines(folder / "sentences.txt"),
                                                     _lines(folder / "tags.txt"), strict=True), 1):
        tokens, tags = sentence.split(), tagline.split()
        if len(tokens) != len(tags):
            raise InputError(f"{folder}: line {lineno}: {len(tokens)} characters but {len(tags)} tags")
        if tokens:
            yield bio_spans(tokens, tags)


def _records(ner_root: Path, source: str) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    if source == "cluener":
        for split in ("train", "dev"):
            yield from read_cluener(ner_root / "cluener2020" / f"{split}.json")
    elif source == "peoples_daily":
        for split in ("dev", "test"):
            yield from read_conll(ner_root / "peoples_daily_zjy" / f"example.{split}")
    else:
        for split in ("val", "test"):
            yield from read_msra(ner_root / "msra_lemonhu" / split)


def normalise_sources(sources: Sequence[str]) -> list[str]:
    """Canonical source names; ConfigError names an unknown one."""
    names = []
    for source in sources:
        name = SOURCE_ALIASES.get(source.lower(), source.lower())
        if name not in SOURCES:
            raise ConfigError(f"ner_sources: unknown source {source!r}; choose from {', '.join(SOURCES)}")
        if name not in names:
            names.append(name)
    return names


def map_source(ner_root: Path, source: str, *, include_company: bool = True,
               stats: MappingStats | None = None) -> list[NerExample]:
    """Every kept sentence of one source, in file order (positives and negatives)."""
    stats = stats if stats is not None else MappingStats()
    examples = []
    for text, spans in _records(Path(ner_root), source):
        example = map_sentence(text, spans, source, include_company=include_company, stats=stats)
        if example is not None:
            examples.append(example)
    return examples


def load_org_examples(ner_root: Path, sources: Sequence[str] = ("cluener",), limit: int | None = None,
                      seed: int = 0, *, negative_fraction: float = 0.2,
                      include_company: bool = True) -> list[NerExample]:
    """Sentences with guideline ORG spans (type "ORG", end-exclusive offsets), shuffled with ``seed``.

    ``negative_fraction``: at most this share of the result are sentences
    without any ORG. ``limit`` caps the number of sentences; the same
    arguments always give the same list.
    """
    if not 0.0 <= negative_fraction < 1.0:
        raise ValueError("negative_fraction must be in [0, 1)")
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    rng = random.Random(seed)
    positives: list[NerExample] = []
    negatives: list[NerExample] = []
    for source in normalise_sources(sources):
        for example in map_source(Path(ner_root), source, include_company=include_company):
            (positives if example.entities else negatives).append(example)
    rng.shuffle(positives)
    rng.shuffle(negatives)
    max_negatives = int(len(positives) * negative_fraction / (1.0 - negative_fraction))
    chosen = positives + negatives[:max_negatives]
    rng.shuffle(chosen)
    return chosen if limit is None else chosen[:limit]
