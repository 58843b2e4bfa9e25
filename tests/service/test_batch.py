"""POST /v1/annotate/batch: order, per-slot failures, options, limits."""

from __future__ import annotations

import httpx
from service_helpers import TEST_LIMITS, LiveServer, assert_error, assert_offsets


def test_batch_keeps_order_and_reports_a_failing_slot(api: tuple[httpx.Client, str], seed_texts: dict[str, str]) -> None:
    client, backend = api
    names = list(seed_texts)[:3]
    documents = [{"text": seed_texts[names[0]], "id": names[0]}, {"text": "  \n ", "id": "blank"}]
    documents += [{"text": seed_texts[name], "id": name} for name in names[1:]]
    response = client.post("/v1/annotate/batch", json={"documents": documents, "options": {"backend": backend}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["succeeded"] == len(documents) - 1 and body["failed"] == 1
    slots = body["results"]
    assert [slot["ok"] for slot in slots] == [True, False] + [True] * (len(names) - 1)
    failure = slots[1]["error"]
    assert failure["code"] == "empty_document" and failure["status"] == 422 and failure["message"]
    for slot, document in zip(slots, documents, strict=True):
        if slot["ok"]:
            assert slot["result"]["id"] == document["id"]
            assert slot["result"]["backend"] == backend
            assert_offsets(slot["result"], document["text"])


def test_document_options_replace_batch_options(rules_server: LiveServer, ludian_text: str) -> None:
    documents = [
        {"text": ludian_text, "id": "plans", "options": {"labels": ["plan"]}},
        {"text": ludian_text, "id": "defaults"},
    ]
    with rules_server.client() as client:
        body = client.post(
            "/v1/annotate/batch", json={"documents": documents, "options": {"entity_types": ["DOC_NO"], "include_text": False}}
        ).json()
    plans, defaults = (slot["result"] for slot in body["results"])
    assert {s["label"] for s in plans["sentences"]} == {"plan"}
    assert plans["text"] == ludian_text and {e["type"] for e in plans["entities"]} > {"DOC_NO"}
    assert defaults["text"] is None and {e["type"] for e in defaults["entities"]} == {"DOC_NO"}
    assert len({s["label"] for s in defaults["sentences"]}) > 1
    for result in (plans, defaults):
        assert_offsets(result, ludian_text)


def test_slot_failures_of_every_kind(rules_server: LiveServer) -> None:
    documents = [
        {"text": "一、工作开展情况\n共办理案件12件。", "id": "ok"},
        {"text": "报" * (TEST_LIMITS["max_text_chars"] + 1), "id": "long"},
        {"text": "下一步将继续推进。", "id": "model", "options": {"backend": "model"}},
        {"text": "", "id": "empty"},
    ]
    with rules_server.client() as client:
        body = client.post("/v1/annotate/batch", json={"documents": documents}).json()
    codes = [slot["result"]["id"] if slot["ok"] else (slot["error"]["status"], slot["error"]["code"]) for slot in body["results"]]
    assert codes == ["ok", (413, "text_too_long"), (422, "backend_not_served"), (422, "empty_document")]


def test_batch_request_errors(rules_server: LiveServer) -> None:
    too_many = [{"text": "报告"}] * (TEST_LIMITS["max_batch_documents"] + 1)
    with rules_server.client() as client:
        assert_error(client.post("/v1/annotate/batch", json={"documents": too_many}), 413, "too_many_documents")
        assert_error(client.post("/v1/annotate/batch", json={"documents": []}), 422, "invalid_request")
        assert_error(client.post("/v1/annotate/batch", json={"docs": [{"text": "报告"}]}), 422, "invalid_request")
        error = assert_error(
            client.post("/v1/annotate/batch", json={"documents": [{"text": "报告", "options": {"lang": "zh"}}]}), 422
        )
        assert "lang" in error["message"]
        assert_error(
            client.post("/v1/annotate/batch", content=b"[{", headers={"content-type": "application/json"}),
            400,
            "malformed_json",
        )
