"""GET /v1/model and POST /v1/admin/reload: model info, auth, hot reload under traffic, broken models."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from service_helpers import ADMIN_TOKEN, LiveServer, assert_error, assert_offsets, default_model_ref

from govtag.model.registry import ACTIVE_FILE, MODEL_META

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ALL_BACKENDS = ["rules", "model", "merged"]


def _wait_loaded(live: LiveServer, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while live.service.models.loading or live.service.models.generation is None:
        assert time.monotonic() < deadline, "the server never finished loading"
        time.sleep(0.05)


def _registry_with(tmp_path: Path, versions: dict[str, Path | None], active: str | None) -> Path:
    """A registry in tmp_path: each version links to a real model folder, or (None) is a broken copy."""
    real = default_model_ref()
    folder = tmp_path / "models" / real.name
    folder.mkdir(parents=True)
    for version, source in versions.items():
        if source is not None:
            (folder / version).symlink_to(source, target_is_directory=True)
        else:
            broken = folder / version
            shutil.copytree(real.path, broken)
            (broken / "model.safetensors").write_bytes(b"\x00garbage, not a safetensors file\xff" * 64)
    if active is not None:
        (folder / ACTIVE_FILE).write_text(active + "\n", encoding="utf-8")
    return tmp_path / "models"


# --- GET /v1/model ------------------------------------------------------------------


def test_model_info_rules_only(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        info = client.get("/v1/model").json()
    assert info["rules_only"] is True and info["ready"] is True
    assert "rules-only" in info["message"]
    assert info["model"] is None and info["model_version"] is None
    assert info["backends"] == ["rules"] and info["default_backend"] == "rules"
    assert info["taggers"]["rules"]["backend"] == "rules"


@pytest.mark.model
def test_model_info_with_the_default_model(model_server: LiveServer) -> None:
    ref = default_model_ref()
    with model_server.client() as client:
        info = client.get("/v1/model").json()
    assert info["ready"] is True and info["rules_only"] is False
    assert info["model_version"] == ref.version
    model = info["model"]
    assert model["version"] == ref.version and model["backend"] == "model"
    assert model["base"] and model["labels"] and isinstance(model["metrics"], dict)
    assert set(info["loaded_backends"]) == set(ALL_BACKENDS)
    assert info["registry_active_version"] == ref.version and ref.version in info["registry_versions"]


# --- auth ---------------------------------------------------------------------------


def test_reload_is_disabled_without_a_token(start_server: Callable[..., LiveServer]) -> None:
    live = start_server(default_backend="rules", backends=["rules"], admin_token=None)
    with live.client() as client:
        assert_error(client.post("/v1/admin/reload", headers=AUTH), 404, "admin_disabled")


def test_reload_needs_the_right_bearer_token(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        response = client.post("/v1/admin/reload")
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert_error(client.post("/v1/admin/reload", headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
        assert_error(client.post("/v1/admin/reload", headers={"Authorization": ADMIN_TOKEN}), 401, "unauthorized")
        response = client.post("/v1/admin/reload", headers=AUTH)
        assert response.status_code == 200, response.text
        assert response.json()["reloaded"] is True


# --- reload under traffic -------------------------------------------------------------


def test_reload_during_traffic_fails_no_request(api: tuple[httpx.Client, str], ludian_text: str) -> None:
    client, backend = api
    stop = threading.Event()
    outcomes: list[tuple[int, str | None]] = []
    lock = threading.Lock()
    text = ludian_text[:1500]

    def hammer() -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=120) as own:
            while not stop.is_set():
                response = own.post("/v1/annotate", json={"text": text, "options": {"backend": backend}})
                version = None
                if response.status_code == 200:
                    result = response.json()
                    assert_offsets(result, text)
                    version = result["model_version"]
                with lock:
                    outcomes.append((response.status_code, version))

    before = client.get("/v1/model").json()["generation"]
    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        for _ in range(2):
            response = client.post("/v1/admin/reload", headers=AUTH, timeout=300)
            assert response.status_code == 200, response.text
            time.sleep(0.3)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
    statuses = [status for status, _ in outcomes]
    assert len(statuses) >= 4 and set(statuses) == {200}, statuses
    assert client.get("/v1/model").json()["generation"] == before + 2
    assert client.get("/readyz").status_code == 200


# --- broken and missing models -------------------------------------------------------


@pytest.mark.model
def test_broken_model_is_rejected_and_the_old_one_keeps_serving(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    real = default_model_ref()
    broken = "99991231T235959-broken"
    registry = _registry_with(tmp_path, {real.version: real.path, broken: None}, active=real.version)
    assert (registry / real.name / broken / MODEL_META).is_file()
    live = start_server(model_registry=registry, backends=ALL_BACKENDS, default_backend="merged", admin_token=ADMIN_TOKEN)
    with live.client() as client:
        assert client.get("/v1/model").json()["model_version"] == real.version
        (registry / real.name / ACTIVE_FILE).write_text(broken + "\n", encoding="utf-8")

        error = assert_error(client.post("/v1/admin/reload", headers=AUTH, timeout=300), 409, "reload_failed")
        assert real.version in error["message"]  # says what is still being served
        assert "checksum mismatch" in error["message"] and "model.safetensors" in error["message"]  # and why

        for backend in ALL_BACKENDS:
            response = client.post("/v1/annotate", json={"text": "一、工作开展情况\n共办理案件12件。", "options": {"backend": backend}})
            assert response.status_code == 200, response.text
            if backend != "rules":
                assert response.json()["model_version"] == real.version
        info = client.get("/v1/model").json()
        assert info["model_version"] == real.version and info["registry_active_version"] == broken
        assert client.get("/readyz").status_code == 200

        (registry / real.name / ACTIVE_FILE).write_text(real.version + "\n", encoding="utf-8")
        response = client.post("/v1/admin/reload", headers=AUTH, timeout=300)
        assert response.status_code == 200, response.text
        assert response.json()["model_version"] == real.version


def test_missing_model_is_reported_and_rules_keep_serving(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    empty = tmp_path / "empty-registry"
    empty.mkdir()
    live = start_server(
        model_registry=empty, backends=ALL_BACKENDS, default_backend="merged", admin_token=ADMIN_TOKEN, wait_ready=False
    )
    _wait_loaded(live)
    with live.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        response = client.get("/readyz")
        assert response.status_code == 503 and response.headers["Retry-After"]
        ready = response.json()
        assert ready["status"] == "unavailable"
        assert "no trained model" in ready["error"]["message"] and str(empty) in ready["error"]["message"]
        assert ready["backends"] == {"rules": True, "model": False, "merged": False}

        ok = client.post("/v1/annotate", json={"text": "共办理案件12件。", "options": {"backend": "rules"}})
        assert ok.status_code == 200
        for body in ({"text": "共办理案件12件。"}, {"text": "共办理案件12件。", "options": {"backend": "model"}}):
            response = client.post("/v1/annotate", json=body)
            error = assert_error(response, 503, "model_unavailable")
            assert "no trained model" in error["message"] and response.headers["Retry-After"]

        info = client.get("/v1/model").json()
        assert info["ready"] is False and "no trained model" in info["error"]
        error = assert_error(client.post("/v1/admin/reload", headers=AUTH), 409, "reload_failed")
        assert "no trained model" in error["message"]
        assert client.post("/v1/annotate", json={"text": "共办理案件12件。", "options": {"backend": "rules"}}).status_code == 200


@pytest.mark.model
def test_reload_picks_up_a_model_added_after_start(start_server: Callable[..., LiveServer], tmp_path: Path) -> None:
    real = default_model_ref()
    registry = tmp_path / "models"
    registry.mkdir()
    live = start_server(model_registry=registry, backends=ALL_BACKENDS, admin_token=ADMIN_TOKEN, wait_ready=False)
    _wait_loaded(live)
    with live.client() as client:
        assert client.get("/readyz").status_code == 503
        (registry / real.name).mkdir()
        (registry / real.name / real.version).symlink_to(real.path, target_is_directory=True)
        response = client.post("/v1/admin/reload", headers=AUTH, timeout=300)
        assert response.status_code == 200, response.text
        assert response.json()["model_version"] == real.version
        assert client.get("/readyz").status_code == 200
        response = client.post("/v1/annotate", json={"text": "共办理案件12件。", "options": {"backend": "model"}})
        assert response.status_code == 200 and response.json()["model_version"] == real.version
