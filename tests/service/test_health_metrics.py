"""GET /healthz, /readyz, /metrics, the OpenAPI docs, and the settings validation."""

from __future__ import annotations

import re

import pytest
from service_helpers import SETTINGS_FILE, LiveServer

from govtag.errors import ConfigError
from govtag.service.settings import load_settings


def test_health_and_readiness(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "backends": {"rules": True}}


def _sample(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$", re.M)
    match = pattern.search(metrics)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_documents_sentences_and_characters(rules_server: LiveServer, ludian_text: str) -> None:
    with rules_server.client() as client:
        before = client.get("/metrics")
        assert before.headers["content-type"].startswith("text/plain")
        result = client.post("/v1/annotate", json={"text": ludian_text}).json()
        client.post("/v1/annotate", json={"text": ""})
        client.post("/v1/annotate/batch", json={"documents": [{"text": ludian_text}, {"text": ludian_text}]})
        after = client.get("/metrics").text
    b = before.text
    assert _sample(after, "govtag_documents_total", backend="rules", outcome="ok") - _sample(
        b, "govtag_documents_total", backend="rules", outcome="ok"
    ) == 3
    assert _sample(after, "govtag_characters_total", backend="rules") - _sample(
        b, "govtag_characters_total", backend="rules"
    ) == 3 * len(ludian_text)
    assert _sample(after, "govtag_sentences_total", backend="rules") - _sample(
        b, "govtag_sentences_total", backend="rules"
    ) == 3 * len(result["sentences"])
    assert _sample(after, "govtag_http_requests_total", method="POST", route="/v1/annotate", status="422") >= 1
    assert _sample(after, "govtag_http_request_duration_seconds_count", method="POST", route="/v1/annotate") >= 2
    assert _sample(after, "govtag_batch_size_count", backend="all", kind="request") >= 1
    assert _sample(after, "govtag_batch_size_count", backend="rules", kind="micro") >= 1
    assert 'govtag_model_info{backends="rules",version="none"} 1.0' in after
    assert _sample(after, "govtag_ready") == 1.0
    assert "govtag_queue_depth" in after and "govtag_inference_duration_seconds_bucket" in after


def test_openapi_and_docs(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        spec = client.get("/openapi.json").json()
        assert {"/v1/annotate", "/v1/annotate/batch", "/v1/model", "/v1/admin/reload", "/healthz", "/readyz", "/metrics"} <= set(spec["paths"])
        body = spec["paths"]["/v1/annotate"]["post"]["requestBody"]["content"]
        assert {"application/json", "multipart/form-data"} <= set(body)
        docs = client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_settings_are_validated(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "service.yaml"
    bad.write_text("port: 99999\nbatching:\n  max_batch_size: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(bad)
    assert "port" in str(info.value) and "batching.max_batch_size" in str(info.value)

    bad.write_text("limits:\n  max_batch_documents: 500\nbatching:\n  queue_size: 100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="queue_size"):
        load_settings(bad)

    bad.write_text("colour: red\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="colour"):
        load_settings(bad)

    with pytest.raises(ConfigError, match="default_backend"):
        load_settings(SETTINGS_FILE, default_backend="model", backends=["rules"])

    monkeypatch.setenv("GOVTAG_SERVICE_BATCHING__ENABLED", "false")
    monkeypatch.setenv("GOVTAG_SERVICE_PORT", "9123")
    settings = load_settings(SETTINGS_FILE, port=None)
    assert settings.batching.enabled is False and settings.port == 9123
    assert settings.batching.max_batch_size == 16  # the file still fills the rest of the section
    assert settings.pipeline_config is not None and settings.pipeline_config.is_absolute()
    assert load_settings(SETTINGS_FILE, port=7000).port == 7000  # the CLI wins

    monkeypatch.setenv("GOVTAG_SERVICE_REQUEST_TIMEOUT_S", "-1")
    with pytest.raises(ConfigError, match="request_timeout_s"):
        load_settings(SETTINGS_FILE)
