"""Rule entity extractors: guideline cases, look-alikes, offsets, overlaps, speed and the F1 floors on the seeds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from govtag.rules.doc_no import find_doc_numbers
from govtag.rules.entities import extract_entities
from govtag.rules.num import find_numbers
from govtag.rules.org import find_orgs
from govtag.rules.policy import find_policies
from govtag.types import EntitySpan

ROOT = Path(__file__).resolve().parents[1]
LUDIAN = ROOT / "seeds" / "reports" / "ludian-2020.txt"
F1_FLOORS = {"DOC_NO": 0.95, "NUM": 0.93, "POLICY": 0.97, "ORG": 0.90}


def texts(text: str, spans: list[EntitySpan]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


# --- DOC_NO ------------------------------------------------------------------------


def test_every_seed_doc_no_is_found_with_exact_offsets(seed_gold):
    for doc in seed_gold:
        found = {(s.start, s.end) for s in find_doc_numbers(doc["text"])}
        for entity in doc["entities"]:
            if entity["type"] == "DOC_NO":
                assert (entity["start"], entity["end"]) in found, doc["text"][entity["start"] : entity["end"]]


@pytest.mark.parametrize("number", ["鲁政办发〔2019〕63号", "鲁政办发〔2019〕40号", "昭政办发〔2019〕54号"])
def test_ludian_report_doc_numbers(number):
    text = LUDIAN.read_text(encoding="utf-8")
    start = text.index(number)
    assert (start, start + len(number)) in {(s.start, s.end) for s in find_doc_numbers(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("制发乐司〔2020〕76号《关于", "乐司〔2020〕76号"),
        ("(东法委执法组【2020】3号)要求", "东法委执法组【2020】3号"),
        ("通过乐治委办(2020)9号文件", "乐治委办(2020)9号"),
        ("根据昭政办发〔2019〕54号文件精神", "昭政办发〔2019〕54号"),
        ("依法治县委员会,鲁委〔2019〕78号,县委", "鲁委〔2019〕78号"),
        ("国办发[2019]3号", "国办发[2019]3号"),
        ("京政发（2020）12号", "京政发（2020）12号"),
        ("粤府函﹝2019﹞128号", "粤府函﹝2019﹞128号"),
        ("(厅字〔201928号)要求", "厅字〔201928号"),  # closing bracket lost
        ("厅字2019〕28号", "厅字2019〕28号"),  # opening bracket lost
    ],
)
def test_doc_no_bracket_styles_and_boundaries(text, expected):
    assert texts(text, find_doc_numbers(text)) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "备案:渝ICP备2021006398号-1 网站标识码",
        "渝公网安备:50022602000107号",
        "滇公网安备 53062102000108号",
        "根据国务院令第711号",
        "中华人民共和国主席令第18号",
        "第5号令",
        "(2020)渝0153行初12号",
        "（2019）京01民终123号判决",
        "(2021)川0106执456号",
        "咨询电话（0871）12345678",
        "12348法律服务热线",
    ],
)
def test_doc_no_look_alikes_rejected(text):
    assert find_doc_numbers(text) == []


# --- NUM ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "value", "unit", "approximate"),
    [
        ("权责清单4144项,", "4144项", 4144, "项", False),
        ("党政机构31个,", "31个", 31, "个", False),
        ("新设立3218平方米的大厅", "3218平方米", 3218, "平方米", False),
        ("“最多跑一次”率63.52%", "63.52%", 0.6352, "%", False),
        ("压缩至5个工作日以内", "5个工作日", 5, "个工作日", True),
        ("已连续118个月无", "118个月", 118, "个月", False),
        ("成功讨薪1475万,获评", "1475万", 14_750_000, "", False),
        ("发布宣传信息2万余条,", "2万余条", 20_000, "条", True),
        ("发放宣传资料20余万份。", "20余万份", 200_000, "份", True),
        ("开展法制讲座500余场次,", "500余场次", 500, "场次", True),
        ("每年30万元(其中", "30万元", 300_000, "元", False),
        ("城管局等12个重点行业", "12个", 12, "个", False),
        ("化解矛盾纠纷2000件以上,", "2000件", 2000, "件", True),
        ("的事项数量719,“最多", "719", 719, "", False),
        ("全区19各乡镇", "19各", 19, "个", False),
        ("五个方面10 个个性问题", "10 个", 10, "个", False),
        ("我区已连续8年无", "8年", 8, "年", False),
        ("出生率为11.93‰,", "11.93‰", 0.01193, "‰", False),
        ("约30%的企业", "30%", 0.3, "%", True),
        ("超过100家", "100家", 100, "家", True),
        ("已过去3个多月", "3个多月", 3, "个月", True),
        ("生产总值99.1万亿元", "99.1万亿元", 99.1e12, "元", False),
        ("比上年上升4个百分点", "4个百分点", 4, "个百分点", False),
        ("招收2—3岁幼儿", "2—3岁", 2, "岁", True),
        ("受理１２３件", "１２３件", 123, "件", False),
        ("占比67\u00a0%,", "67\u00a0%", 0.67, "%", False),
        ("增长１２．５％", "１２．５％", 0.125, "%", False),
    ],
)
def test_num_boundaries_and_normalisation(text, span, value, unit, approximate):
    spans = find_numbers(text)
    assert texts(text, spans) == [span]
    normalized = spans[0].normalized
    assert normalized.value == pytest.approx(value)
    assert (normalized.unit, normalized.approximate) == (unit, approximate)


@pytest.mark.parametrize(
    "text",
    [
        "2020年,全区新增",  # year
        "2020年度法治政府建设",
        "2016-2020年",
        "9月9日,举办",  # date
        "时间:2023-02-22",
        "“6.26国际禁毒日”",
        "截止20191231日,区级部门",
        "201910月,迎接",
        "第10次政府常务会",  # ordinal
        "走进银州区第十七小学",
        "第17届省运会",
        "推广12348法律服务热线",  # identifiers
        "拓展5G应用",
        "PM2.5浓度",
        "轨道14号线",
        "“1+N”人民调解体系",
        "三家单位",  # Chinese numerals
        "五个方面",
        "成立70周年",  # anniversary
        "跑动次数为0和1的事项",
        "鲁政办发〔2019〕63号",  # a document number
    ],
)
def test_num_rejects_dates_ordinals_identifiers(text):
    assert find_numbers(text) == []


# --- POLICY ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("支持人民法院依据《行政诉讼法》实施的监督", ["行政诉讼法"]),
        ("《国务院关于加强法治政府建设的意见》《青海省实施意见》精神", ["国务院关于加强法治政府建设的意见", "青海省实施意见"]),
        ("《关于转发《青海省行政执法公示办法》的通知》", ["关于转发《青海省行政执法公示办法》的通知"]),
        ("《关于批转<关于进一步做好出庭应诉的通知>的请示》", ["关于批转<关于进一步做好出庭应诉的通知>的请示"]),
        ("《盐田区贯彻落实〈深圳市综合配套改革总体方案〉的实施意见（2009－2011年）》", ["盐田区贯彻落实〈深圳市综合配套改革总体方案〉的实施意见（2009－2011年）"]),
        ("钟楼区《房屋装修纠纷案》被录入", []),
        ("在世界顶级学术杂志《科学》和《自然》上发表", []),
        ("《雪域欢歌》文艺节目震撼人心", []),
        ("学习宪法、民法典", []),
    ],
)
def test_policy_titles(text, expected):
    assert texts(text, find_policies(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("《关于", []),
        ("《A《B", []),
        ("》》《", []),
        ("《" * 5000 + "》", []),  # nested past the title length limit
        ("《未闭合。《行政诉讼法》", ["行政诉讼法"]),  # a stale open bracket is dropped
        ("《A\n《B》", ["B"]),
        ("《》", []),
    ],
)
def test_policy_unbalanced_brackets(text, expected):
    spans = find_policies(text)
    assert texts(text, spans) == expected
    assert all(text[s.start - 1] == "《" and text[s.end] == "》" for s in spans)


# --- ORG ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("紧紧围绕区委区政府工作中心", ["区委", "区政府"]),
        ("坚持区政府常务会议定期学法", ["区政府"]),
        ("县委书记担任主任", ["县委"]),
        ("认真办理区人大代表建议", ["区人大"]),
        ("中国工程院院士3名", ["中国工程院"]),
        ("执法协调小组设立在司法局", ["执法协调小组", "司法局"]),
        ("与区法院、检察院的衔接机制", ["区法院", "检察院"]),
        ("执行中央、省委、市委的决策部署", ["中央", "省委", "市委"]),
        ("及时更新区政府门户网站", ["区政府"]),
        ("区委全面依法治区委员会办公室", ["区委全面依法治区委员会办公室"]),
        ("报由乐都区人民政府公示", ["乐都区人民政府"]),
        ("重庆市荣昌区人民政府办公室", ["重庆市荣昌区人民政府办公室"]),
        ("根据党中央、国务院部署", ["党中央", "国务院"]),
        ("省司法厅审核制证", ["省司法厅"]),
        ("报备至县法制办和县人大常委会", ["县法制办", "县人大常委会"]),
        ("在区人大、区政协的监督支持下", ["区人大", "区政协"]),
        ("鲁甸县人民政府办公室印发", ["鲁甸县人民政府办公室"]),
        ("根据海东市纪律检查委员会要求", ["海东市纪律检查委员会"]),
        ("成立荣昌区全面推行行政执法“三项制度”工作领导小组,", ["荣昌区全面推行行政执法“三项制度”工作领导小组"]),
        ("对区公共法律服务中心进行", ["区公共法律服务中心"]),
        ("聘请了砚池律师事务所为", ["砚池律师事务所"]),
        ("承办以龙山乡人民政府为被告", ["龙山乡人民政府"]),
        ("安排我区市场监管局开展", ["市场监管局"]),
        ("市委依法治市办举办", ["市委依法治市办"]),
        ("建设光明中学", ["光明中学"]),
        ("市中医院光明院区投入使用", ["市中医院光明院区"]),
    ],
)
def test_org_guideline_examples(text, expected):
    assert texts(text, find_orgs(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "由李副县长、公安局长任组长",  # fused post word
        "银州区开展了检查",  # bare places
        "荷花池街道组建",
        "各乡镇、各部门建立了",  # generic plurals
        "行政机关和执法部门",
        "19个乡镇人民政府具有行政执法主体资格",
        "支持人民法院依法审理",
        "自觉接受人大、政协监督",
        "政府常务会议",  # meetings
        "县长、法律顾问",  # posts
        "普惠性幼儿园覆盖率达到80%",  # a kind of school
        "中央企业",
    ],
)
def test_org_not_tagged(text):
    assert find_orgs(text) == []


# --- the combined extractor --------------------------------------------------------


def _assert_well_formed(text: str, spans: list[EntitySpan]) -> None:
    previous_end = 0
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start : span.end].strip(), span
        assert span.start >= previous_end, "spans overlap or are not sorted"
        previous_end = span.end
        assert span.source == "rules"
        assert (span.normalized is not None) == (span.type == "NUM")


def test_extract_entities_well_formed_on_gold(seed_gold):
    for doc in seed_gold:
        _assert_well_formed(doc["text"], extract_entities(doc["text"]))


def test_doc_no_beats_num_and_titles_swallow_their_contents():
    text = "印发《乐都区2020年31个单位考核细则》(鲁政办发〔2019〕63号)"
    assert [(s.type, text[s.start : s.end]) for s in extract_entities(text)] == [
        ("POLICY", "乐都区2020年31个单位考核细则"),
        ("DOC_NO", "鲁政办发〔2019〕63号"),
    ]


def test_two_megabyte_input_completes(seed_gold):
    corpus = "\n".join(doc["text"] for doc in seed_gold)
    text = (corpus * (2_000_000 // len(corpus) + 1))[:2_000_000] + "《" * 1000 + "区委" * 1000
    _assert_well_formed(text, extract_entities(text))


def test_f1_floors_on_seed_gold(seed_gold):
    counts = {t: Counter() for t in F1_FLOORS}
    for doc in seed_gold:
        predicted = extract_entities(doc["text"])
        for entity_type, count in counts.items():
            gold = {(e["start"], e["end"]) for e in doc["entities"] if e["type"] == entity_type}
            found = {(s.start, s.end) for s in predicted if s.type == entity_type}
            count["tp"] += len(gold & found)
            count["fp"] += len(found - gold)
            count["fn"] += len(gold - found)
    for entity_type, count in counts.items():
        f1 = 2 * count["tp"] / (2 * count["tp"] + count["fp"] + count["fn"])
        assert f1 >= F1_FLOORS[entity_type], f"{entity_type} F1 {f1:.3f} below {F1_FLOORS[entity_type]}"
