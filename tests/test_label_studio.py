"""The labelling round trip against a real Label Studio server, through its HTTP API as a user's script would.

The server runs from its own virtualenv, ``.venv-labelstudio`` (its pins clash with
the project's), which the set-up command creates. It listens on loopback only, keeps
its SQLite database in a temporary folder, and is started once for the session.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from govtag.cli.main import main
from tests.paths import ROOT, SEEDS

pytestmark = [pytest.mark.slow, pytest.mark.model]

LABEL_STUDIO = ROOT / ".venv-labelstudio" / "bin" / "label-studio"
REPORTS = [SEEDS / "reports" / "ludian-2020.txt", SEEDS / "reports" / "zhonglou-2020.txt"]
START_TIMEOUT_S = 240  # it starts in about 45 s on an idle machine; migrations run on first start


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory) -> Iterator[httpx.Client]:
    """A running Label Studio with one user, and an API client holding the user's token."""
    if not LABEL_STUDIO.exists():
        pytest.skip(f"Label Studio is not installed ({LABEL_STUDIO} is missing); `bash setup.sh` creates it")
    data = tmp_path_factory.mktemp("label-studio")
    port, token = _free_port(), secrets.token_hex(20)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LABEL_STUDIO_", "DJANGO_"))}
    env.update(LABEL_STUDIO_BASE_DATA_DIR=str(data), LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false")
    # 1.23 disables legacy tokens for new organisations; --enable-legacy-api-token is its switch to keep them
    command = [str(LABEL_STUDIO), "start", "--no-browser", "--data-dir", str(data),
               "--database", str(data / "label_studio.sqlite3"), "--internal-host", "127.0.0.1", "--port", str(port),
               "--username", "annotator@example.com", "--password", secrets.token_hex(12),
               "--user-token", token, "--enable-legacy-api-token"]
    log = (data / "server.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=data,
                              start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(server, base_url, data / "server.log")
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=120) as client:
            yield client
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _wait_until_healthy(server: subprocess.Popen, base_url: str, log_path) -> None:
    """Poll ``/health`` until it answers; fail with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"Label Studio exited with {server.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)  # the polling interval
    pytest.fail(f"Label Studio did not answer /health in {START_TIMEOUT_S} s:\n"
                f"{log_path.read_text(errors='replace')[-3000:]}")


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


def test_label_studio_round_trip(label_studio: httpx.Client, tmp_path, capsys, seed_gold):
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
