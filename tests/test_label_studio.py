"""The labelling round trip against a real Label Studio server, through its HTTP API as a user's script would.

The server runs from its own virtualenv, ``.venv-labelstudio`` (its pins clash with
the project's), which the set-up command creates. It listens on loopback only, keeps
its SQLite database in a temporary folder, and is started once for the session.
"""

from __future__ import annotations

import copy
import json
import secrets

import httpx
import pytest

from govtag.cli.main import main
from tests.paths import SEEDS

pytestmark = [pytest.mark.slow, pytest.mark.model]

REPORTS = [SEEDS / "reports" / "ludian-2020.txt", SEEDS / "reports" / "zhonglou-2020.txt"]


def _span(region: dict) -> tuple[int, int, str]:
    return region["value"]["start"], region["value"]["end"], region["value"]["labels"][0]


def _correct(result: list[dict], text: str, gold: dict) -> tuple[list[dict], dict[str, tuple[int, int, str]]]:
    """What a person does in the labelling view: relabel a sentence, draw a missing ORG, delete an entity."""
    result = copy.deepcopy(result)
    sentence = next(r for r in result if r["from_name"] == "label" and r["value"]["labels"] == ["achievement"])
    relabelled = _span(sentence)
    sentence["value"]["labels"] = ["problem"]
    sentence["origin"] = "prediction-changed"
    wrong = next(r for r in result if r["from_name"] == "entity" and r["value"]["labels"] == ["NUM"])
    result.remove(wrong)
    taken = [(r["value"]["start"], r["value"]["end"]) for r in result if r["from_name"] == "entity"]
    missed = next(e for e in gold["entities"]
                  if e["type"] == "ORG" and not any(s < e["end"] and e["start"] < end for s, end in taken))
    drawn = {"id": secrets.token_urlsafe(7), "from_name": "entity", "to_name": "text", "type": "labels",
             "origin": "manual", "value": {"start": missed["start"], "end": missed["end"],
                                           "text": text[missed["start"] : missed["end"]], "labels": ["ORG"]}}
    result.append(drawn)
    return result, {"relabelled": relabelled, "deleted": _span(wrong), "added": _span(drawn)}


def test_label_studio_round_trip(label_studio: httpx.Client, tmp_path, capsys, seed_gold):  # noqa: F811
    tasks_file, gold_file, export_file = tmp_path / "tasks.json", tmp_path / "gold.jsonl", tmp_path / "export.json"
    assert main(["labels", "export", *map(str, REPORTS), "--to", "label-studio", "-o", str(tasks_file)]) == 0
    capsys.readouterr()
    assert main(["labels", "config", "--to", "label-studio"]) == 0
    label_config = capsys.readouterr().out

    project = label_studio.post("/api/projects/", json={"title": "govtag round trip", "label_config": label_config})
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]
    imported = label_studio.post(f"/api/projects/{project_id}/import",
                                 content=tasks_file.read_bytes(), headers={"Content-Type": "application/json"})
    assert imported.status_code == 201, imported.text
    assert (imported.json()["task_count"], imported.json()["prediction_count"]) == (2, 2)

    listed = label_studio.get("/api/tasks/", params={"project": project_id, "page_size": 10})
    assert listed.status_code == 200, listed.text
    edits: dict[str, dict] = {}
    predicted: dict[str, list[dict]] = {}
    for summary in sorted(listed.json()["tasks"], key=lambda t: t["id"]):
        task = label_studio.get(f"/api/tasks/{summary['id']}/").json()
        doc_id, text = task["data"]["id"], task["data"]["text"]
        [prediction] = task["predictions"]
        predicted[doc_id] = prediction["result"]
        if doc_id == "ludian-2020":  # corrected; the other report is accepted as the model labelled it
            gold = next(g for g in seed_gold if g["id"] == doc_id)
            result, edits[doc_id] = _correct(prediction["result"], text, gold)
        else:
            result = copy.deepcopy(prediction["result"])
        submitted = label_studio.post(f"/api/tasks/{task['id']}/annotations/", params={"project": project_id},
                                      json={"result": result, "parent_prediction": prediction["id"],
                                            "lead_time": 42.0, "was_cancelled": False})
        assert submitted.status_code == 201, submitted.text

    export = label_studio.get(f"/api/projects/{project_id}/export", params={"exportType": "JSON"})
    assert export.status_code == 200, export.text
    export_file.write_bytes(export.content)
    assert main(["labels", "import", str(export_file), "--from", "label-studio", "-o", str(gold_file)]) == 0

    gold = {record["id"]: record for record in map(json.loads, gold_file.read_text(encoding="utf-8").splitlines())}
    assert sorted(gold) == ["ludian-2020", "zhonglou-2020"]
    for doc_id, record in gold.items():
        segments = {(s["start"], s["end"], s["label"]) for s in record["segments"]}
        entities = {(e["start"], e["end"], e["type"]) for e in record["entities"]}
        model_segments = {_span(r) for r in predicted[doc_id] if r["from_name"] == "label"}
        model_entities = {_span(r) for r in predicted[doc_id] if r["from_name"] == "entity"}
        for entity in record["entities"]:
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]
        if doc_id not in edits:
            assert (segments, entities) == (model_segments, model_entities)
            continue
        relabelled, deleted, added = edits[doc_id]["relabelled"], edits[doc_id]["deleted"], edits[doc_id]["added"]
        assert model_segments - segments == {relabelled}
        assert segments - model_segments == {(relabelled[0], relabelled[1], "problem")}
        assert model_entities - entities == {deleted}
        assert entities - model_entities == {added}
