"""POST /v1/admin/train and GET /v1/admin/jobs/{id}: a real `govtag train` job of a few steps in the background."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from service_helpers import ADMIN_TOKEN, LiveServer, assert_error

from govtag.model.registry import ACTIVE_FILE, ModelRegistry
from tests.retrain_setup import seed_gold, tiny_config

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
JOB_LIMIT_S = 300  # guards against a hang only


@pytest.fixture
def training_server(start_server: Callable[..., LiveServer], tmp_path: Path) -> tuple[LiveServer, Path]:
    gold_dir = tmp_path / "labelled"
    gold_dir.mkdir()
    seed_gold(gold_dir, "ludian.jsonl", ["ludian-2020"])
    config = tiny_config(tmp_path, tmp_path / "models", "tiny", seed_gold(tmp_path, "test.jsonl", ["zhonglou-2020"]))
    live = start_server(default_backend="rules", backends=["rules"], admin_token=ADMIN_TOKEN,
                        training={"config": config, "gold_dir": gold_dir})
    return live, tmp_path


def wait_for(client, job_id: str) -> dict:
    deadline = time.monotonic() + JOB_LIMIT_S
    while time.monotonic() < deadline:
        job = client.get(f"/v1/admin/jobs/{job_id}", headers=AUTH).json()
        if job["status"] != "running":
            return job
        time.sleep(0.5)  # the polling interval
    pytest.fail(f"training job {job_id} still running after {JOB_LIMIT_S} s")


def test_training_is_disabled_until_configured(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        assert_error(client.post("/v1/admin/train", json={"add": []}), 401, "unauthorized")
        assert_error(client.post("/v1/admin/train", json={"add": []}, headers=AUTH), 404, "training_disabled")


def test_gold_files_must_be_inside_the_configured_folder(training_server) -> None:
    live, folder = training_server
    with live.client() as client:
        for name, code in (("../test.jsonl", "path_not_allowed"), (str(folder / "test.jsonl"), "path_not_allowed"),
                           ("missing.jsonl", "file_not_found")):
            error = assert_error(client.post("/v1/admin/train", json={"add": [name]}, headers=AUTH), 422, code)
            assert name in error["message"]
        assert_error(client.post("/v1/admin/train", json={"config": "../../etc/passwd"}, headers=AUTH), 422,
                     "path_not_allowed")
        assert_error(client.get("/v1/admin/jobs/nope", headers=AUTH), 404, "job_not_found")


def test_a_training_job_runs_in_the_background_one_at_a_time(training_server) -> None:
    live, folder = training_server
    with live.client() as client:
        started = client.post("/v1/admin/train", json={"add": ["ludian.jsonl"]}, headers=AUTH)
        assert started.status_code == 202, started.text
        job = started.json()
        assert job["status"] == "running" and job["version"] is None
        assert_error(client.post("/v1/admin/train", json={"add": ["ludian.jsonl"]}, headers=AUTH), 409, "job_running")
        assert client.get("/healthz").status_code == 200  # the service answers while it trains

        done = wait_for(client, job["id"])
        assert done["status"] == "succeeded", done
        assert done["returncode"] == 0 and done["finished_at"] is not None
        registry = ModelRegistry(folder / "models", "tiny")
        assert registry.versions() == [done["version"]]
        assert not (registry.folder / ACTIVE_FILE).exists()  # waits for `govtag model promote`
        assert any(line.startswith(f"saved tiny {done['version']}") for line in done["progress"]), done["progress"]
        assert registry.get(done["version"]).card()["training"]["gold_ids"] == ["ludian-2020"]

        again = client.post("/v1/admin/train", json={"add": ["ludian.jsonl"], "from_active": True}, headers=AUTH)
        assert again.status_code == 202, again.text  # the first one finished: a new job may start
        continued = wait_for(client, again.json()["id"])
        assert continued["status"] == "succeeded", continued
        assert registry.get(continued["version"]).card()["training"]["from_version"] == done["version"]
