"""Small service holes: lone surrogates, server paths in answers, security headers, the schema's claims.

Every test talks to a real uvicorn server over loopback; the model-backed ones use
the default model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from service_helpers import PIPELINE_CONFIG, ROOT, TEST_LIMITS, LiveServer, assert_error, default_model_ref

from govtag.config import load_config

REPORT = "一、工作开展情况\n区司法局印发《行政执法公示办法》（区司发〔2020〕1号），办理复议案件12件。"


def post_raw(client: httpx.Client, path: str, body: str) -> httpx.Response:
    """POST JSON text as written (``\\ud800`` stays an escape, as a hostile client sends it)."""
    return client.post(path, content=body.encode("ascii"), headers={"content-type": "application/json"})


# --- lone surrogates ------------------------------------------------------------------


def test_a_lone_surrogate_fails_its_batch_slot_with_422(rules_server: LiveServer) -> None:
    report = json.dumps(REPORT)  # ASCII JSON: the report's characters as \\u escapes
    body = '{"documents": [{"text": "abc\\ud800def"}, {"text": ' + report + '}, {"text": "x\\udfff"}]}'
    with rules_server.client() as client:
        response = post_raw(client, "/v1/annotate/batch", body)
    assert response.status_code == 200, response.text
    slots = response.json()["results"]
    assert [slot["ok"] for slot in slots] == [False, True, False]
    first, _, last = (slot.get("error") for slot in slots)
    assert first["status"] == 422 and first["code"] == "invalid_unicode"
    assert "character 3" in first["message"] and "U+D800" in first["message"] and "surrogate" in first["message"]
    assert last["status"] == 422 and "U+DFFF" in last["message"]
    assert slots[1]["result"]["text"] == REPORT


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"text": "abc\\ud800def"}', "text: character 3"),  # a high surrogate with no pair
        ('{"text": "\\udc00 report"}', "text: character 0"),  # a low one
        ('{"text": "report", "id": "doc\\ud800"}', "id:"),
        ('{"text": "report", "\\ud800": 1}', "body:"),  # even a field name
    ],
)
def test_a_lone_surrogate_in_a_single_request_is_a_422(rules_server: LiveServer, body: str, where: str) -> None:
    with rules_server.client() as client:
        response = post_raw(client, "/v1/annotate", body)
    error = assert_error(response, 422)
    assert where in error["message"] and "surrogate" in error["message"]


def test_a_surrogate_pair_is_one_character(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        response = post_raw(client, "/v1/annotate", '{"text": "\\ud83d\\ude00 ' + json.dumps(REPORT)[1:-1] + '"}')
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["text"] == "\U0001f600 " + REPORT and result["chars"] == len(REPORT) + 2


def test_broken_json_with_a_surrogate_is_still_malformed(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        for body in ('{"text": "a"', '{"text": "\\ud800"', '{"text": "\\ud800", Infinity: 1}'):
            assert_error(post_raw(client, "/v1/annotate", body), 400, "malformed_json")
        not_utf8 = client.post("/v1/annotate", content=b'{"text": "\xff\\ud800"}', headers={"content-type": "application/json"})
        assert_error(not_utf8, 400, "malformed_json")


# --- no server paths -------------------------------------------------------------------


def _absolute_paths(text: str) -> list[str]:
    return re.findall(r"(?<![\w.:])/(?:work|tmp|home|root|usr|opt|var)/[^\s\"']*", text)


@pytest.mark.model
def test_model_info_and_metrics_show_names_not_paths(model_server: LiveServer) -> None:
    ref = default_model_ref()
    config = load_config(PIPELINE_CONFIG)
    base = ref.card()["base"]
    with model_server.client() as client:
        info_text = client.get("/v1/model").text
        metrics_text = client.get("/metrics").text
    for text in (info_text, metrics_text):
        assert str(ROOT) not in text and str(config.model.registry) not in text and str(ref.path) not in text
        assert _absolute_paths(text) == []
    info = json.loads(info_text)
    assert info["registry"] == ref.name
    assert info["model"]["base"] == Path(base).name  # the setup's base is a local folder
    assert all(tagger.get("base") in (None, Path(base).name) for tagger in info["taggers"].values())
    assert info["model_version"] == ref.version and ref.version in metrics_text


def test_a_load_error_names_no_server_path(start_server: Callable[..., LiveServer], tmp_path: Path) -> None:
    registry = tmp_path / "empty-registry"
    registry.mkdir()
    live = start_server(backends=["rules", "model"], default_backend="rules", model_registry=registry, wait_ready=False)
    with live.client() as client:
        info = _poll_model_info(client, lambda body: not body["loading"] and body["error"])
    assert "failed to load" in info["error"] and str(tmp_path) not in json.dumps(info)
    assert info["registry"] == load_config(PIPELINE_CONFIG).model.name


def _poll_model_info(client: httpx.Client, done: Callable[[dict], object], timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get("/v1/model").json()
        if done(body):
            return body
        time.sleep(0.05)  # polling with a deadline, not synchronising
    raise AssertionError(f"/v1/model never got there: {body}")


# --- security headers -------------------------------------------------------------------


def _assert_security_headers(response: httpx.Response) -> str:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    return policy


def test_every_answer_carries_the_security_headers(rules_server: LiveServer) -> None:
    limit = TEST_LIMITS["max_request_bytes"]
    with rules_server.client() as client:
        answers = {
            "page": client.get("/"),
            "script": client.get("/static/app.js"),
            "json": client.get("/v1/model"),
            "metrics": client.get("/metrics"),
            "404": client.get("/no/such/page"),
            "422": client.post("/v1/annotate", json={"text": ""}),
            "413": client.post("/v1/annotate", content=b"x" * (limit + 1), headers={"content-type": "application/json"}),
        }
    assert {name: response.status_code for name, response in answers.items()} == {
        "page": 200, "script": 200, "json": 200, "metrics": 200, "404": 404, "422": 422, "413": 413,
    }  # fmt: skip
    for response in answers.values():
        policy = _assert_security_headers(response)
        # the page's own files only: no inline code, nothing from elsewhere
        assert "'unsafe-inline'" not in policy and "http" not in policy and "script-src 'self'" in policy


def test_the_page_has_no_inline_code_for_the_policy_to_block() -> None:
    page = (ROOT / "service" / "static" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "<style" not in page and not re.search(r"\sstyle=|\son\w+=", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)


def test_the_docs_page_allows_exactly_its_inline_script(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        response = client.get("/docs")
    assert response.status_code == 200
    policy = _assert_security_headers(response)
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: install Debian's package (apt-get install -y chromium)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu"], headless=True
        )
        yield browser
        browser.close()


@pytest.mark.browser
def test_the_page_runs_under_its_policy(browser, rules_server: LiveServer) -> None:
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(rules_server.url + "/")
        page.fill("#text-input", REPORT)
        page.click("#submit-button")  # app.js ran, fetched the API and rendered
        page.wait_for_selector("#document .sent", timeout=60_000)
        colour = page.locator("#document .sent").first.evaluate("node => getComputedStyle(node).backgroundColor")
        assert colour not in ("", "rgba(0, 0, 0, 0)", "transparent")  # app.css applied
    finally:
        page.close()
    assert [line for line in console if "Content Security Policy" in line] == []


# --- the schema states what the server enforces -------------------------------------------


def test_the_schema_states_the_servers_limits(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    text = components["AnnotateRequest"]["properties"]["text"]
    assert text["minLength"] == 1 and text["pattern"] == r"\S" and str(TEST_LIMITS["max_text_chars"]) in text["description"]
    assert components["AnnotateRequest"]["properties"]["id"]["anyOf"][0]["maxLength"] == 200
    served = components["AnnotateOptions"]["properties"]["backend"]["anyOf"][0]["enum"]
    assert served == ["rules"]  # this server serves only the rules
    assert components["BatchRequest"]["properties"]["documents"]["maxItems"] == TEST_LIMITS["max_batch_documents"]
    upload = schema["paths"]["/v1/annotate"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["encoding"]["options"]["contentType"] == "application/json"
    assert upload["schema"]["properties"]["options"]["$ref"].endswith("/AnnotateOptions")
    assert "text/plain" in upload["encoding"]["file"]["contentType"]


@pytest.mark.parametrize(
    "options", [{"include_text": 0}, {"include_text": "true"}, {"labels": "plan"}, {"backend": 1}]
)
def test_wrongly_typed_options_are_refused_not_coerced(rules_server: LiveServer, options: dict) -> None:
    with rules_server.client() as client:
        assert_error(client.post("/v1/annotate", json={"text": REPORT, "options": options}), 422, "invalid_request")
        batch = client.post("/v1/annotate/batch", json={"documents": [{"text": REPORT}], "options": options})
        assert_error(batch, 422, "invalid_request")


def test_an_unserved_backend_is_refused_alone_and_in_its_batch_slot(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        assert_error(client.post("/v1/annotate", json={"text": REPORT, "options": {"backend": "model"}}), 422)
        batch = client.post(
            "/v1/annotate/batch", json={"documents": [{"text": REPORT, "options": {"backend": "model"}}, {"text": REPORT}]}
        )
    assert batch.status_code == 200
    assert [slot["ok"] for slot in batch.json()["results"]] == [False, True]
