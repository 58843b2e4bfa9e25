"""The labelling round trip against a real doccano server, through its HTTP API as a user's script would.

doccano runs from its own virtualenv, ``.venv-doccano``, which the set-up command
creates: its web server (gunicorn, bound to loopback) and its task queue (a Celery
worker; doccano imports and exports datasets as background tasks), with SQLite in
a temporary folder, started once for the session.
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import httpx
import pytest

from govtag import ENTITY_TYPES, LABELS
from govtag.cli.main import main
from govtag.labels.offsets import Utf16Offsets
from tests.paths import SEEDS

pytestmark = [pytest.mark.slow, pytest.mark.model]

REPORTS = [SEEDS / "reports" / "ludian-2020.txt", SEEDS / "reports" / "zhonglou-2020.txt"]
TASK_TIMEOUT_S = 120


def _wait_for_task(client: httpx.Client, task_id: str) -> object:
    deadline = time.monotonic() + TASK_TIMEOUT_S
    while time.monotonic() < deadline:
        status = client.get(f"/v1/tasks/status/{task_id}").json()
        if status.get("ready"):
            assert status.get("error") is None, status
            return status["result"]
        time.sleep(0.5)  # the polling interval
    pytest.fail(f"doccano task {task_id} did not finish in {TASK_TIMEOUT_S} s")


def _in_python_indices(utf16: Utf16Offsets, names: dict[int, str]):
    """A doccano span (UTF-16 offsets, a label id) as ``(start, end, name)`` in Python indices."""
    def convert(span: dict) -> tuple[int | None, int | None, str]:
        return utf16.from_utf16(span["start_offset"]), utf16.from_utf16(span["end_offset"]), names[span["label"]]
    return convert


def test_doccano_round_trip(doccano: httpx.Client, tmp_path, seed_gold):  # noqa: F811 (the fixture)
    upload, gold_file = tmp_path / "upload.jsonl", tmp_path / "gold.jsonl"
    assert main(["labels", "export", *map(str, REPORTS), "--to", "doccano", "-o", str(upload)]) == 0
    project = doccano.post("/v1/projects", json={
        "name": "govtag round trip", "description": "sentence labels and entities", "guideline": "",
        "project_type": "SequenceLabeling", "resourcetype": "SequenceLabelingProject",
        "allow_overlapping": True, "grapheme_mode": False, "use_relation": False, "collaborative_annotation": False,
        "random_order": False})
    assert project.status_code == 201, project.text
    base = f"/v1/projects/{project.json()['id']}"

    stored = doccano.post("/v1/fp/process/", files={"filepond": (upload.name, upload.read_bytes(), "text/plain")})
    assert stored.status_code == 200, stored.text
    started = doccano.post(f"{base}/upload", json={"uploadIds": [stored.text], "format": "JSONL",
                                                   "task": "SequenceLabeling", "column_data": "text",
                                                   "column_label": "label", "encoding": "utf_8"})
    assert started.status_code == 200, started.text
    assert _wait_for_task(doccano, started.json()["task_id"]) == {"error": []}

    types = {t["text"]: t["id"] for t in doccano.get(f"{base}/span-types").json()}
    names = {type_id: name for name, type_id in types.items()}
    examples = doccano.get(f"{base}/examples", params={"limit": 10}).json()["results"]
    assert sorted(e["meta"]["doc_id"] for e in examples) == ["ludian-2020", "zhonglou-2020"]
    predicted: dict[str, tuple[set, set]] = {}
    edits: dict[str, tuple[int, int, str]] = {}  # the three edits of ludian-2020
    for example in examples:
        doc_id, text = example["meta"]["doc_id"], example["text"]
        utf16 = Utf16Offsets(text)
        spans = doccano.get(f"{base}/examples/{example['id']}/spans").json()
        as_python = _in_python_indices(utf16, names)
        predicted[doc_id] = ({as_python(s) for s in spans if names[s["label"]] in LABELS},
                             {as_python(s) for s in spans if names[s["label"]] in ENTITY_TYPES})
        if doc_id != "ludian-2020":
            continue  # accepted as the model labelled it
        # what a person does: relabel a sentence, draw a missing ORG, delete an entity
        sentence = next(s for s in spans if names[s["label"]] == "achievement")
        relabel = doccano.patch(f"{base}/examples/{example['id']}/spans/{sentence['id']}",
                                json={"label": types["problem"]})
        assert relabel.status_code == 200, relabel.text
        wrong = next(s for s in spans if names[s["label"]] == "NUM")
        assert doccano.delete(f"{base}/examples/{example['id']}/spans/{wrong['id']}").status_code == 204
        taken = [as_python(s)[:2] for s in spans if names[s["label"]] in ENTITY_TYPES and s is not wrong]
        gold = next(g for g in seed_gold if g["id"] == doc_id)
        missed = next(e for e in gold["entities"]
                      if e["type"] == "ORG" and not any(s < e["end"] and e["start"] < end for s, end in taken))
        drawn = doccano.post(f"{base}/examples/{example['id']}/spans", json={
            "label": types["ORG"], "start_offset": utf16.to_utf16(missed["start"]),
            "end_offset": utf16.to_utf16(missed["end"])})
        assert drawn.status_code == 201, drawn.text
        edits = {"relabelled": as_python(sentence), "deleted": as_python(wrong),
                 "added": (missed["start"], missed["end"], "ORG")}

    started = doccano.post(f"{base}/download", json={"format": "JSONL", "exportApproved": False})
    assert started.status_code == 200, started.text
    task_id = started.json()["task_id"]
    _wait_for_task(doccano, task_id)
    archive = doccano.get(f"{base}/download", params={"taskId": task_id})
    assert archive.status_code == 200, archive.text
    exported = tmp_path / "admin.jsonl"
    exported.write_bytes(zipfile.ZipFile(io.BytesIO(archive.content)).read("admin.jsonl"))
    assert main(["labels", "import", str(exported), "--from", "doccano", "-o", str(gold_file)]) == 0

    gold = {record["id"]: record for record in map(json.loads, gold_file.read_text(encoding="utf-8").splitlines())}
    assert sorted(gold) == ["ludian-2020", "zhonglou-2020"]
    for doc_id, record in gold.items():
        segments = {(s["start"], s["end"], s["label"]) for s in record["segments"]}
        entities = {(e["start"], e["end"], e["type"]) for e in record["entities"]}
        model_segments, model_entities = predicted[doc_id]
        if doc_id != "ludian-2020":
            assert (segments, entities) == (model_segments, model_entities)
            continue
        relabelled = edits["relabelled"]
        assert model_segments - segments == {relabelled}
        assert segments - model_segments == {(relabelled[0], relabelled[1], "problem")}
        assert model_entities - entities == {edits["deleted"]}
        assert entities - model_entities == {edits["added"]}
