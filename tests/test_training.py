"""Fine-tuning for real on a few gold reports: registry output, determinism, resume, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml

from govtag.cli.main import main
from govtag.errors import ConfigError, ModelNotFoundError
from govtag.model.registry import ModelRegistry
from govtag.model.tagger import ModelTagger
from govtag.training.checkpoint import MANIFEST
from govtag.training.config import load_train_config
from govtag.training.data import build_training_data
from govtag.training.trainer import save_to_registry, train_model
from tests.paths import SEEDS, SHARED

BASE = SHARED / "models" / "govbert-mini-zh"


def write_config(tmp_path: Path, **overrides) -> Path:
    gold = tmp_path / "gold.jsonl"
    if not gold.exists():
        lines = (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        gold.write_text("\n".join(lines[3:5]) + "\n", encoding="utf-8")  # ludian, zhonglou: small
    config = {
        "name": "tiny",
        "base_model": str(BASE),
        "registry": str(tmp_path / "registry"),
        "work_dir": str(tmp_path / "runs"),
        "max_length": 64,
        "context_tokens": 16,
        "checkpoint_every": 2,
        "data": {"gold": [str(gold)], "holdout_fraction": 0.2},
        "optim": {"weak_steps": 0, "gold_steps": 4, "batch_size": 8},
    }
    for key, value in overrides.items():
        section, _, field = key.partition(".")
        if field:
            config[section][field] = value
        else:
            config[key] = value
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def weights(result) -> dict[str, torch.Tensor]:
    return result.predictor.network.state_dict()


def test_train_writes_a_complete_registry_version(tmp_path):
    config = load_train_config(write_config(tmp_path))
    result = train_model(config, show_progress=False)
    ref = save_to_registry(config, result)
    files = {p.name for p in ref.path.iterdir()}
    assert {"model.safetensors", "govtag_model.json", "model_card.md", "model_card.json", "config.yaml",
            "tokenizer", "encoder"} <= files
    assert ModelRegistry(config.registry, "tiny").active_version() == ref.version
    card = json.loads((ref.path / "model_card.json").read_text(encoding="utf-8"))
    assert card["base"] == str(BASE) and card["data_hashes"] and card["training"]["gold_ids"]
    tagger = ModelTagger.load(ref)
    prediction = tagger.predictor.predict([("区司法局共办理行政复议案件22件。", "一、工作开展情况")])[0]
    assert sum(prediction.label_probs.values()) == pytest.approx(1.0)


def test_same_seed_same_weights_and_resume_matches(tmp_path):
    config = load_train_config(write_config(tmp_path))
    first = train_model(config, show_progress=False)
    second = train_model(config, show_progress=False)
    for key, value in weights(first).items():
        assert torch.equal(value, weights(second)[key]), key
    # a checkpoint is written at step 2 of phase B; resuming from it ends exactly where the full run ended
    manifests = list(config.work_dir.glob(f"tiny-*/{MANIFEST}"))
    assert len(manifests) == 1
    state = json.loads(manifests[0].read_text(encoding="utf-8"))
    assert (state["phase"], state["step"]) == ("B", 2)
    resumed = train_model(config, resume=True, show_progress=False)
    for key, value in weights(first).items():
        assert torch.equal(value, weights(resumed)[key]), key
    assert resumed.meta["final_loss"] == first.meta["final_loss"]
    for key, value in first.phase_a_weights.items():
        assert torch.equal(value, resumed.phase_a_weights[key]), key


def test_missing_base_model_says_where_it_looked(tmp_path):
    config = load_train_config(write_config(tmp_path, base_model=str(tmp_path / "no-such-model")))
    with pytest.raises(ModelNotFoundError, match="base model not found: .*no-such-model"):
        train_model(config, show_progress=False)


def test_bad_config_names_the_field(tmp_path):
    path = write_config(tmp_path, **{"optim.gold_steps": -1})
    with pytest.raises(ConfigError, match="optim.gold_steps"):
        load_train_config(path)


@pytest.mark.parametrize(("option", "value"), [("--gold-steps", "-5"), ("--weak-steps", "-1")])
def test_a_bad_step_override_is_refused_like_the_yaml(tmp_path, capsys, option, value):
    path = write_config(tmp_path)
    assert main(["train", "--config", str(path), option, value]) == 2
    err = capsys.readouterr().err
    assert f"{option} {value}: Input should be greater than or equal to 0" in err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "registry").exists()


def test_test_reports_are_never_trained_on(tmp_path):
    """A report listed under data.test stays out of the gold and the weak-labelled examples."""
    lines = (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    test_file = tmp_path / "test.jsonl"
    test_file.write_text(lines[2] + "\n", encoding="utf-8")  # rongchang-2019
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": json.loads(line)["id"], "text": json.loads(line)["text"]},
                                         ensure_ascii=False) + "\n" for line in lines[:5]), encoding="utf-8")
    config = load_train_config(write_config(tmp_path, **{
        "data.test": [str(test_file)], "data.corpus": str(corpus), "data.max_weak_sentences": 400}))
    data = build_training_data(config)
    assert {e.doc_id for e in data.train + data.holdout if e.source == "gold"} == {"ludian-2020", "zhonglou-2020"}
    # the weak set skips the test report and the gold reports
    assert {e.doc_id for e in data.train if e.source == "weak"} == {"ledu-2020", "yinzhou-2022"}


def test_a_report_both_trained_on_and_tested_is_refused(tmp_path):
    config = load_train_config(write_config(tmp_path))
    overlap = write_config(tmp_path, **{"data.test": [str(config.data.gold[0])]})
    with pytest.raises(ConfigError, match="zhonglou-2020"):
        build_training_data(load_train_config(overlap))


def test_segmentation_comes_from_the_pipeline_config_for_training_and_inference(tmp_path):
    """One segmentation path: a pipeline config's max_chars changes the training examples and the served
    segments together (no train/serve skew)."""
    from govtag.config import load_config
    from govtag.ingest import load_text
    from govtag.pipeline import Pipeline
    from govtag.units import unit_rows

    pipeline = tmp_path / "govtag.yaml"
    pipeline.write_text("backend: rules\nsegmentation:\n  max_chars: 40\n", encoding="utf-8")
    config = load_train_config(write_config(tmp_path, pipeline=str(pipeline)))
    data = build_training_data(config)
    gold_sentences = [example for example in data.train if example.source == "gold"]
    assert gold_sentences and max(len(example.text) for example in gold_sentences) <= 40
    served = Pipeline(load_config(pipeline))
    ludian = (SEEDS / "reports" / "ludian-2020.txt").read_text(encoding="utf-8")
    served_texts = {row["text"] for row in unit_rows(served.segment(load_text(ludian, "ludian-2020")))}
    trained_texts = {example.text for example in gold_sentences if example.doc_id == "ludian-2020"}
    assert trained_texts and trained_texts <= served_texts
    (tmp_path / "d").mkdir()
    default = build_training_data(load_train_config(write_config(tmp_path / "d", pipeline=None)))
    assert max(len(e.text) for e in default.train if e.source == "gold") > 40
