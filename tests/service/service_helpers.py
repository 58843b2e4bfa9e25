"""Helpers for the service tests: live uvicorn servers, settings, and shared assertions."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from govtag.config import load_config
from govtag.errors import ModelNotFoundError
from govtag.model.registry import ModelRef, registry_for
from govtag.service.core import GovtagService
from govtag.service.settings import ServiceSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "configs" / "service.yaml"
# the pipeline config the servers use ($GOVTAG_CONFIG, as for the CLI, else the project's)
PIPELINE_CONFIG = Path(os.environ.get("GOVTAG_CONFIG") or ROOT / "configs" / "govtag.yaml").resolve()
SEED_REPORTS = ROOT / "seeds" / "reports"
ADMIN_TOKEN = "test-admin-token"

#: small limits so that the 413 tests stay cheap
TEST_LIMITS = {
    "max_text_chars": 50_000,
    "max_upload_bytes": 300_000,
    "max_batch_documents": 8,
    "max_request_bytes": 1_000_000,
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    settings: ServiceSettings
    server: uvicorn.Server
    thread: threading.Thread
    app: Any

    @property
    def service(self) -> GovtagService:
        return self.app.state.service

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 60.0), **kwargs)

    def wait(self, ready: bool = True, timeout: float = 240.0) -> None:
        """Until /healthz answers, and (ready=True) until /readyz says 200."""
        deadline = time.monotonic() + timeout
        path = "/readyz" if ready else "/healthz"
        last: Any = None
        with self.client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if not self.thread.is_alive():
                    raise RuntimeError(f"server thread for {self.url} died")
                try:
                    response = client.get(path)
                    last = response.json()
                    if response.status_code == 200:
                        return
                    if ready and not self.service.models.loading and last.get("status") == "unavailable":
                        raise RuntimeError(f"server at {self.url} is not ready: {last}")
                except httpx.HTTPError as exc:
                    last = exc
                time.sleep(0.05)
        raise TimeoutError(f"server at {self.url} not up after {timeout}s (last: {last})")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def make_settings(**overrides: Any) -> ServiceSettings:
    overrides.setdefault("pipeline_config", PIPELINE_CONFIG)
    overrides.setdefault("limits", TEST_LIMITS)
    overrides.setdefault("log_level", "warning")
    return load_settings(SETTINGS_FILE, **overrides)


# --- the default model ---------------------------------------------------------


def default_model_ref() -> ModelRef:
    """The configured registry's active model, or a test FAILURE that says how to build it."""
    config = load_config(PIPELINE_CONFIG)
    try:
        return registry_for(config.model).get(config.model.version)
    except ModelNotFoundError as exc:
        problem = str(exc)
    pytest.fail(
        "the default model is missing, so the model-backed service tests cannot run.\n"
        f"{problem}\nBuild it first with the set-up command "
        "(`govtag train --config configs/train-default.yaml --reuse`), or set GOVTAG_CONFIG to a "
        "pipeline config whose registry has one.",
        pytrace=False,
    )


# --- assertions shared by the tests ---------------------------------------------


def assert_offsets(result: dict[str, Any], text: str) -> None:
    """Every offset of a result indexes the submitted text exactly."""
    assert result["chars"] == len(text)
    if result.get("text") is not None:
        assert result["text"] == text
    for sentence in result["sentences"]:
        assert 0 <= sentence["start"] < sentence["end"] <= len(text)
        if sentence["text"] is not None:  # include_text: false drops sentence texts
            assert text[sentence["start"] : sentence["end"]] == sentence["text"]
    for entity in result["entities"]:
        assert 0 <= entity["start"] < entity["end"] <= len(text)
        assert text[entity["start"] : entity["end"]] == entity["text"]
    for row in result["summary"]["indicators"]:
        assert text[row["start"] : row["end"]] == row["text"]


def assert_error(response: httpx.Response, status: int | tuple[int, ...], code: str | None = None) -> dict[str, Any]:
    """A JSON error body naming the problem, with no stack trace."""
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body["error"]
