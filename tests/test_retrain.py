"""``govtag train --add [--from-active]`` and ``govtag model promote|rollback|list``: checks, gate, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govtag.cli.main import main
from govtag.digest import file_sha256
from govtag.model.promotion import compare, history
from govtag.model.registry import ModelRegistry
from tests.retrain_setup import pipeline_config, registry_with_default, seed_gold, tiny_config

EVALUATION = ["rongchang-2019"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    registry, _ = registry_with_default(tmp_path)
    tiny_config(tmp_path, registry, "govtag-default", seed_gold(tmp_path, "test.jsonl", EVALUATION))
    return tmp_path


def train(folder: Path, *args: str) -> int:
    return main(["train", "--config", str(folder / "train.yaml"), *args])


def test_an_added_report_of_the_evaluation_set_is_refused_naming_both(folder, capsys):
    same_id = seed_gold(folder, "same-id.jsonl", ["ludian-2020", "rongchang-2019"])
    assert train(folder, "--add", str(same_id)) == 2
    err = capsys.readouterr().err
    assert f"{same_id}:2: the document 'rongchang-2019' is in the evaluation set (data.test) at {folder}/test.jsonl:1" in err
    record = json.loads((folder / "test.jsonl").read_text(encoding="utf-8"))
    renamed = folder / "renamed.jsonl"
    renamed.write_text(json.dumps({**record, "id": "copy-of-rongchang"}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert train(folder, "--add", str(renamed)) == 2
    err = capsys.readouterr().err
    assert f"{renamed}:1: the text of 'copy-of-rongchang' is the text of {folder}/test.jsonl:1" in err
    assert not (folder / "runs").exists()


def test_a_document_id_used_twice_is_an_error_naming_both_places(folder, capsys):
    first = seed_gold(folder, "first.jsonl", ["ludian-2020"])
    second = seed_gold(folder, "second.jsonl", ["zhonglou-2020", "ludian-2020"])
    assert train(folder, "--add", str(first), str(second)) == 2
    err = capsys.readouterr().err
    assert f"{second}:2" in err and f"{first}:1" in err and "'ludian-2020'" in err


def test_an_invalid_added_file_is_not_trained_on(folder, capsys):
    record = json.loads(seed_gold(folder, "one.jsonl", ["ludian-2020"]).read_text(encoding="utf-8"))
    record["entities"][0]["end"] = len(record["text"]) + 5
    broken = folder / "broken.jsonl"
    broken.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert train(folder, "--add", str(broken)) == 2
    err = capsys.readouterr().err
    assert f"{broken}:1" in err and "nothing was written" in err
    assert not (folder / "runs").exists()


def test_the_gate_compares_every_figure_with_the_tolerance():
    active = {"label plan": 0.80, "entity ORG": 0.50}
    assert compare(active, {"label plan": 0.795, "entity ORG": 0.90}, 0.01) == []
    assert compare(active, {"label plan": 0.78, "entity ORG": 0.90}, 0.01) == ["label plan"]


@pytest.mark.slow
@pytest.mark.model
def test_train_add_then_gate_force_and_rollback(folder, capsys):
    """A 4-step model from the base encoder loses to the default model: refused, then forced, then rolled back."""
    registry = ModelRegistry(folder / "models", "govtag-default")
    default = registry.active_version()
    added = seed_gold(folder, "labelled.jsonl", ["ludian-2020"])
    assert train(folder, "--add", str(added), "--no-activate", "--result", str(folder / "a.json")) == 0
    candidate = json.loads((folder / "a.json").read_text(encoding="utf-8"))["version"]
    card = registry.get(candidate).card()
    assert card["training"]["added"] == [{"path": str(added), "sha256": file_sha256(added)}]
    assert card["training"]["from_version"] is None and card["training"]["gold_ids"] == ["ludian-2020"]
    assert registry.active_version() == default
    pipeline = pipeline_config(folder, folder / "models")
    capsys.readouterr()

    assert main(["model", "--config", str(pipeline), "promote", candidate]) == 1
    out = capsys.readouterr().out
    assert "decision: refused" in out and "label macro-F1" in out and "entity ORG" in out
    assert registry.active_version() == default
    [refused] = history(registry)
    assert refused["decision"] == "refused" and refused["drops"] and refused["previous"] == default
    assert set(refused["scores"]["active"]) == set(refused["scores"]["candidate"]) >= {"label plan", "entity NUM"}
    assert refused["evaluation_set"] == [{"path": str(folder / "test.jsonl"),
                                          "sha256": file_sha256(folder / "test.jsonl")}]

    assert main(["model", "--config", str(pipeline), "promote", candidate, "--force"]) == 0
    assert "promoted with --force" in capsys.readouterr().out
    assert registry.active_version() == candidate and history(registry)[-1]["decision"] == "forced"

    assert main(["train", "--config", str(folder / "train.yaml"), "--add", str(added), "--from-active",
                 "--no-activate", "--result", str(folder / "b.json")]) == 0
    continued = json.loads((folder / "b.json").read_text(encoding="utf-8"))["version"]
    meta = registry.get(continued).card()["training"]
    assert meta["from_version"] == candidate
    build_keys = {json.loads((registry.folder / v / "govtag_model.json").read_text())["build_key"]
                  for v in (candidate, continued)}
    assert len(build_keys) == 2  # the starting version is part of the build key

    assert main(["model", "--config", str(pipeline), "rollback"]) == 0
    assert registry.active_version() == default
    capsys.readouterr()
    assert main(["model", "--config", str(pipeline), "list"]) == 0
    listing = {line.split()[1] if line.startswith("*") else line.split()[0]: line
               for line in capsys.readouterr().out.splitlines()}
    assert listing[default].startswith("*")
    assert "added labelled.jsonl" in listing[candidate] and "gate: forced" in listing[candidate]
    assert f"from {candidate}" in listing[continued] and "gate: -" in listing[continued]
