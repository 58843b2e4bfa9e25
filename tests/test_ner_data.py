"""ORG supervision from labelled NER data: offsets, the mapping's filters, determinism."""

from __future__ import annotations

import json

import pytest

from govtag.errors import ConfigError
from govtag.training.ner_data import (
    NerExample,
    bio_spans,
    body_in_position,
    load_org_examples,
    map_sentence,
    read_cluener,
    read_msra,
    span_verdict,
)
from tests.paths import SHARED

NER_ROOT = SHARED / "data" / "ner"


def orgs(example: NerExample | None) -> list[str]:
    assert example is not None
    return [example.text[s:e] for s, e, _ in example.entities]


# --------------------------------------------------------------------------- offsets


def test_cluener_inclusive_ends_become_exclusive(tmp_path):
    record = {"text": "浙商银行企业信贷部叶老桂博士则从另一个角度对五道门槛进行了解读。",
              "label": {"name": {"叶老桂": [[9, 11]]}, "company": {"浙商银行": [[0, 3]]}}}
    path = tmp_path / "train.json"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [(text, spans)] = list(read_cluener(path))
    assert spans == [(0, 4, "company"), (9, 12, "name")]
    example = map_sentence(text, spans, "cluener")
    assert example.entities == [(0, 4, "ORG")] and orgs(example) == ["浙商银行"]


def test_known_record_of_the_real_file():
    text, spans = next(read_cluener(NER_ROOT / "cluener2020" / "train.json"))
    assert text.startswith("浙商银行企业信贷部叶老桂")
    assert (0, 4, "company") in spans and text[0:4] == "浙商银行"


def test_cluener_span_that_does_not_match_its_entity_is_an_error(tmp_path):
    from govtag.errors import InputError

    path = tmp_path / "dev.json"
    path.write_text(json.dumps({"text": "区司法局", "label": {"government": {"区司法局": [[0, 2]]}}},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="dev.json:1"):
        list(read_cluener(path))


def test_bio_tags_become_character_spans():
    tokens = list("新华社北京电国务院召开会议")
    tags = ["B-ORG", "I-ORG", "I-ORG", "B-LOC", "I-LOC", "O", "I-ORG", "I-ORG", "I-ORG", "O", "O", "O", "O"]
    text, spans = bio_spans(tokens, tags)
    assert text == "新华社北京电国务院召开会议"
    assert spans == [(0, 3, "ORG"), (3, 5, "LOC"), (6, 9, "ORG")]  # an I- without B- opens a span
    assert [text[s:e] for s, e, _ in spans] == ["新华社", "北京", "国务院"]


def test_msra_reader_keeps_full_width_digits():
    text, spans = next(read_msra(NER_ROOT / "msra_lemonhu" / "val"))
    assert "１０００" in text
    assert [text[s:e] for s, e, t in spans if t == "LOC"][:2] == ["江苏", "如皋市"]


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(("name", "verdict"), [
    ("国务院", "org"), ("区司法局", "org"), ("砚池律师事务所", "org"), ("全国人民代表大会", "org"),
    ("cctv", "not_org"), ("ＤＥＣ", "not_org"),                       # other languages
    ("巴西", "not_org"), ("银州区", "not_org"), ("荷花池街道", "not_org"),  # bare places
    ("十五大", "not_org"), ("中国共产党第十五次全国代表大会", "not_org"), ("意甲联赛", "not_org"),  # events
    ("监管部门", "not_org"), ("各部门", "not_org"), ("公安机关", "not_org"), ("博彩公司", "not_org"),
    ("新浪网", "not_org"),                                            # a website
    ("政府", "ambiguous"), ("委员会", "ambiguous"), ("中国队", "ambiguous"),
    ("居委会和街道办", "ambiguous"), ("利物浦", "ambiguous"), ("工", "ambiguous"),
    ("住房和城乡建设部", "org"), ("执法大队", "org"), ("海关总署", "org"),
])
def test_span_verdicts(name, verdict):
    assert span_verdict(name) == verdict


def test_filters_on_constructed_sentences():
    # not ORG under the guideline: the span is left unlabelled, the sentence kept as a negative
    assert orgs(map_sentence("据cctv报道，会议顺利召开。", [(1, 5, "government")], "cluener")) == []
    assert orgs(map_sentence("代表团访问了巴西。", [(6, 8, "organization")], "cluener")) == []
    assert orgs(map_sentence("监管部门表示将加强检查。", [(0, 4, "government")], "cluener")) == []
    # a name fused into a post (公安局长) is not an ORG
    assert orgs(map_sentence("国防部长今天访华。", [(0, 3, "ORG")], "peoples_daily")) == []
    # ambiguous: the whole sentence is dropped
    assert map_sentence("政府出台了新的政策。", [(0, 2, "government")], "cluener") is None
    assert map_sentence("中国队昨晚出战。", [(0, 3, "ORG")], "msra") is None
    # sports sentences are dropped (club names are place names)
    assert map_sentence("那不勒斯vs锡耶纳以及桑普vs热那亚之上呢？",
                        [(0, 4, "organization"), (6, 9, "organization")], "cluener") is None
    # a named institution labelled as an address
    assert map_sentence("他被送往县人民医院救治。", [(4, 9, "address")], "cluener") is None
    # companies map to ORG, unless excluded (then the sentence goes: a firm left as O would be wrong)
    text = "浙商银行发布年报。"
    assert orgs(map_sentence(text, [(0, 4, "company")], "cluener")) == ["浙商银行"]
    assert map_sentence(text, [(0, 4, "company")], "cluener", include_company=False) is None


def test_guideline_rules_applied_to_spans():
    # two bodies joined without a separator are two spans
    assert orgs(map_sentence("北京市委市政府高度重视。", [(0, 7, "government")], "cluener")) == ["北京市委", "市政府"]
    # quotes trimmed, a bracket left open by the source completed
    assert orgs(map_sentence("“美军”撤离。", [(0, 4, "government")], "cluener")) == ["美军"]
    assert orgs(map_sentence("恒生银行（中国）宣布降息。", [(0, 7, "company")], "cluener")) == ["恒生银行（中国）"]
    # the body inside a post is tagged alone (县委书记 -> 县委, 中国工程院院士 -> 中国工程院)
    example = map_sentence("仙游县委书记出席并讲话。", [(0, 6, "position")], "cluener")
    assert orgs(example) == ["仙游县委"]
    assert body_in_position("中国工程院院士") == "中国工程院"
    assert body_in_position("国务院发展研究中心社会发展研究部副部长") == "国务院发展研究中心社会发展研究部"
    assert body_in_position("仙游县委") == "仙游县委"  # CLUENER labels this position
    assert body_in_position("公安局长") is None  # fused into the post
    assert body_in_position("副部长") is None


# --------------------------------------------------------------------------- the loader


def test_loaded_examples_are_clean_org_spans():
    examples = load_org_examples(NER_ROOT, limit=400, seed=1)
    assert len(examples) == 400
    for example in examples:
        assert example.source == "cluener"
        last_end = 0
        for start, end, typ in example.entities:
            assert typ == "ORG"
            assert last_end <= start < end <= len(example.text)  # sorted, not overlapping
            span = example.text[start:end]
            assert span == span.strip() and span[0] not in "“\"'（(《"
            last_end = end
    negatives = sum(1 for e in examples if not e.entities)
    assert 0 < negatives <= 0.2 * len(examples) + 15  # a minority, not none


def test_limit_and_seed_are_deterministic():
    first = load_org_examples(NER_ROOT, limit=50, seed=3)
    again = load_org_examples(NER_ROOT, limit=50, seed=3)
    other = load_org_examples(NER_ROOT, limit=50, seed=4)
    assert first == again
    assert first != other
    assert load_org_examples(NER_ROOT, limit=0) == []
    everything = load_org_examples(NER_ROOT, seed=3)
    assert len(everything) > 3000
    negatives = sum(1 for e in everything if not e.entities)
    assert negatives <= 0.2 * len(everything) + 1
    assert all(e.entities for e in load_org_examples(NER_ROOT, seed=3, negative_fraction=0.0))


def test_bio_sources_load():
    examples = load_org_examples(NER_ROOT, sources=("peoples_daily", "msra"), limit=200, seed=0)
    assert {e.source for e in examples} == {"peoples_daily", "msra"}
    for example in examples:
        for start, end, typ in example.entities:
            assert typ == "ORG" and 0 <= start < end <= len(example.text)


def test_unknown_source_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="ner_sources"):
        load_org_examples(tmp_path, sources=("ontonotes",))
