"""The default fine-tuned model (built by `bash setup.sh`): model, merged and registry behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from govtag import LABELS
from govtag.evaluate import evaluate, read_annotated, result_to_annotated
from govtag.ingest import load_text
from govtag.model.encoding import EncodingSettings, encode_sentence, spans_from_tags, viterbi
from govtag.model.network import BIO_TAGS
from govtag.pipeline import Pipeline
from tests.floors import assert_seed_floors
from tests.paths import SEEDS


def test_viterbi_never_starts_an_entity_with_i():
    logp = np.log(np.full((3, len(BIO_TAGS)), 1e-6))
    i_org, b_num = BIO_TAGS.index("I-ORG"), BIO_TAGS.index("B-NUM")
    logp[:, i_org] = 0.0  # the raw argmax would be I-ORG everywhere
    logp[0, b_num] = -0.1
    path = viterbi(logp)
    assert BIO_TAGS[path[0]] != "I-ORG"
    for prev, tag in zip(path, path[1:]):
        if BIO_TAGS[tag].startswith("I-"):
            assert BIO_TAGS[prev][2:] == BIO_TAGS[tag][2:]


def test_spans_from_tags_joins_b_and_i():
    tags = [BIO_TAGS.index(t) for t in ("O", "B-ORG", "I-ORG", "O", "B-NUM")]
    chars = [(0, 1), (1, 2), (2, 4), (4, 5), (5, 8)]
    spans = spans_from_tags(tags, chars, [1.0] * 5)
    assert [(s, e, t) for s, e, t, _ in spans] == [(1, 4, "ORG"), (5, 8, "NUM")]


def test_long_sentences_are_windowed_not_truncated(model_taggers):
    tokenizer = model_taggers["model"].predictor.tokenizer
    text = "区司法局" + "，".join(["开展普法宣传活动"] * 120) + "。"
    windows = encode_sentence(tokenizer, text, "一、工作开展情况", EncodingSettings(max_length=64, stride=16))
    assert len(windows) > 3
    owned = sorted(c for w in windows for c, own in zip(w.token_chars, w.owned) if own and c is not None)
    assert owned[0][0] == 0 and owned[-1][1] == len(text)
    assert all(a[1] <= b[0] for a, b in zip(owned, owned[1:])), "each token owned by exactly one window"
    assert all(len(w.input_ids) <= 64 for w in windows)


def test_model_backend_outputs_offsets_and_calibrated_scores(model_taggers, default_config):
    pipeline = Pipeline(default_config, tagger=model_taggers["model"])
    text = (SEEDS / "reports" / "zhonglou-2020.txt").read_text(encoding="utf-8")
    result = pipeline.annotate(text, "zhonglou-2020")
    assert result.backend == "model" and result.model_version
    for item in [*result.sentences, *result.entities]:
        assert text[item.start : item.end] == item.text
    assert {e.source for e in result.entities} == {"model"}
    for sentence in result.sentences:
        assert sum(sentence.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert {s.label for s in result.sentences} >= {"achievement", "plan"}


def test_merged_takes_each_type_from_its_source(model_taggers, default_config):
    pipeline = Pipeline(default_config, tagger=model_taggers["merged"])
    text = (SEEDS / "reports" / "ludian-2020.txt").read_text(encoding="utf-8")
    result = pipeline.annotate(text)
    sources = {(e.type, e.source) for e in result.entities}
    for etype, source in default_config.merge.entity_sources.items():
        if source in ("rules", "model"):
            assert all(s == source for t, s in sources if t == etype)
    assert "鲁政办发〔2019〕63号" in {e.text for e in result.entities if e.type == "DOC_NO"}
    for item in [*result.sentences, *result.entities]:
        assert text[item.start : item.end] == item.text


def test_merged_keeps_the_rule_floors_on_the_seeds(model_taggers, default_config):
    assert_seed_floors(Pipeline(default_config, tagger=model_taggers["merged"]))


def test_model_info_reports_version_base_and_hashes(model_taggers):
    info = model_taggers["model"].info()
    assert info["version"] and info["base"] and info["labels"] == list(LABELS)
    card = model_taggers["model"].card
    assert card["data_hashes"] and "holdout" in card["metrics"]


def test_cli_model_info_prints_version_base_hashes_and_metrics(model_taggers):
    from tests.test_cli import govtag

    proc = govtag("model", "info")
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    version = model_taggers["model"].version
    assert f"govtag-default {version}" in out
    assert "govbert-mini-zh" in out and "data hashes:" in out and "gold.jsonl" in out
    assert "sentence_accuracy" in out


def test_cli_annotate_uses_the_merged_model_by_default(model_taggers):
    from tests.test_cli import govtag

    proc = govtag("annotate", str(SEEDS / "reports" / "ludian-2020.txt"))
    assert proc.returncode == 0, proc.stderr.decode()
    import json

    result = json.loads(proc.stdout)
    assert result["backend"] == "merged" and result["model_version"] == model_taggers["model"].version
    assert {"rules", "model"} >= {e["source"] for e in result["entities"]}


def test_merged_floors_on_the_heldout_reports(model_taggers, default_config):
    """The four held-out reports were never trained on (data.test): a regression floor well
    below the figures the README reports for them."""
    gold = read_annotated(SEEDS / "heldout" / "gold.jsonl")
    pipeline = Pipeline(default_config, tagger=model_taggers["merged"])
    results = pipeline.annotate_documents([load_text(d.text, d.id) for d in gold])
    report = evaluate(gold, [result_to_annotated(r) for r in results])
    assert report["labels"]["macro_f1"] >= 0.85
    assert report["entities"]["per_type"]["NUM"]["f1"] >= 0.93
