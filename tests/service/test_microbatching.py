"""Micro-batching, back-pressure (429) and timeouts (504), on live servers with a slowed rules tagger."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
from service_helpers import LiveServer, assert_error, assert_offsets

from govtag.config import GovtagConfig
from govtag.tag import create_taggers
from govtag.tag.base import Tagger
from govtag.types import SegmentedDocument, Tagging


class SlowTagger(Tagger):
    """The rules tagger plus a fixed delay per call; records the ids of every batch it tags."""

    name = "rules"

    def __init__(self, inner: Tagger, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.batches: list[list[str]] = []
        self._lock = threading.Lock()

    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        with self._lock:
            self.batches.append([doc.document.id for doc in docs])
        time.sleep(self.delay)
        return self.inner.tag_batch(docs)

    def served_batches(self) -> list[list[str]]:
        return [batch for batch in self.batches if batch != ["warm-up"]]


def slow_factory(delay: float) -> tuple[SlowTagger, Callable[[GovtagConfig, Iterable[str]], dict[str, Tagger]]]:
    holder: dict[str, SlowTagger] = {}

    def factory(config: GovtagConfig, backends: Iterable[str]) -> dict[str, Tagger]:
        holder["tagger"] = SlowTagger(create_taggers(config, ["rules"])["rules"], delay)
        return {"rules": holder["tagger"]}

    class Proxy:  # the tagger is only built once the server loads it
        def __getattr__(self, name: str):  # noqa: ANN204
            return getattr(holder["tagger"], name)

    return Proxy(), factory  # type: ignore[return-value]


def _post_all(url: str, bodies: list[dict], timeout: float = 60.0) -> list[httpx.Response]:
    def post(body: dict) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=timeout) as client:
            return client.post("/v1/annotate", json=body)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def _rules(**overrides):
    return {"default_backend": "rules", "backends": ["rules"], **overrides}


def test_concurrent_requests_share_pipeline_calls(start_server: Callable[..., LiveServer]) -> None:
    tagger, factory = slow_factory(0.3)
    live = start_server(
        tagger_factory=factory, batching={"enabled": True, "max_batch_size": 16, "max_wait_ms": 50}, **_rules()
    )
    texts = [f"一、工作开展情况\n第{i}号：共办理案件{i + 1}件。" for i in range(16)]
    responses = _post_all(live.url, [{"text": text, "id": f"doc-{i}"} for i, text in enumerate(texts)])
    assert [r.status_code for r in responses] == [200] * 16
    for i, (response, text) in enumerate(zip(responses, texts, strict=True)):
        assert response.json()["id"] == f"doc-{i}"
        assert_offsets(response.json(), text)
    batches = tagger.served_batches()
    assert sorted(doc for batch in batches for doc in batch) == sorted(f"doc-{i}" for i in range(16))
    assert max(len(batch) for batch in batches) > 1
    assert len(batches) <= 4, batches  # 16 requests, 0.3 s a call: far fewer calls than requests
    with live.client() as client:
        metrics = client.get("/metrics").text
    assert 'govtag_batch_size_bucket{backend="rules",kind="micro",le="1.0"}' in metrics


def test_batching_off_tags_one_document_per_call(start_server: Callable[..., LiveServer]) -> None:
    tagger, factory = slow_factory(0.02)
    live = start_server(tagger_factory=factory, batching={"enabled": False}, **_rules())
    responses = _post_all(live.url, [{"text": f"共办理案件{i}件。", "id": f"d{i}"} for i in range(8)])
    assert [r.status_code for r in responses] == [200] * 8
    assert sorted(len(batch) for batch in tagger.served_batches()) == [1] * 8


def test_full_queue_answers_429_with_retry_after(start_server: Callable[..., LiveServer]) -> None:
    _, factory = slow_factory(0.4)
    live = start_server(
        tagger_factory=factory,
        batching={"enabled": True, "max_batch_size": 1, "max_wait_ms": 0, "queue_size": 2},
        limits={"max_batch_documents": 2},
        retry_after_s=3,
        **_rules(),
    )
    responses = _post_all(live.url, [{"text": f"共办理案件{i}件。", "id": f"q{i}"} for i in range(10)])
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) == {200, 429}, statuses
    assert statuses.count(200) >= 3  # one running and two queued at any time
    for response in responses:
        if response.status_code == 429:
            assert_error(response, 429, "queue_full")
            assert response.headers["Retry-After"] == "3"
    with live.client() as client:  # the server recovers once the queue drains
        assert client.post("/v1/annotate", json={"text": "共办理案件1件。"}).status_code == 200
        assert 'govtag_rejected_total{reason="queue_full"}' in client.get("/metrics").text


def test_timeout_is_504_and_unstarted_work_is_dropped(start_server: Callable[..., LiveServer]) -> None:
    tagger, factory = slow_factory(1.0)
    live = start_server(
        tagger_factory=factory,
        batching={"enabled": True, "max_batch_size": 1, "max_wait_ms": 0},
        request_timeout_s=0.4,
        **_rules(),
    )

    def post(doc_id: str, delay: float) -> httpx.Response:
        time.sleep(delay)
        with httpx.Client(base_url=live.url, timeout=30) as client:
            return client.post("/v1/annotate", json={"text": "共办理案件12件。", "id": doc_id})

    with ThreadPoolExecutor(max_workers=2) as pool:
        running = pool.submit(post, "running", 0.0)
        waiting = pool.submit(post, "waiting", 0.1)
        started = time.monotonic()
        assert_error(running.result(), 504, "timeout")
        assert_error(waiting.result(), 504, "timeout")
        assert time.monotonic() - started < 0.9  # answered at the timeout, not when the work ended
    time.sleep(1.5)  # the running call ends; the waiting document must never be tagged
    ids = [doc for batch in tagger.served_batches() for doc in batch]
    assert ids == ["running"], ids
    with live.client() as client:
        assert 'govtag_rejected_total{reason="timeout"} 2.0' in client.get("/metrics").text


class RenamedTagger(SlowTagger):
    """The rules under another backend name, to run two queues without a model."""

    def __init__(self, inner: Tagger, name: str) -> None:
        super().__init__(inner, 0.0)
        self.name = name


def test_backends_share_the_worker_without_starving_each_other(start_server: Callable[..., LiveServer]) -> None:
    def factory(config: GovtagConfig, backends: Iterable[str]) -> dict[str, Tagger]:
        rules = create_taggers(config, ["rules"])["rules"]
        return {name: RenamedTagger(rules, name) for name in backends}

    live = start_server(tagger_factory=factory, default_backend="rules", backends=["rules", "model"])
    with live.client(timeout=10) as client:
        for backend in ("rules", "model", "rules", "model"):
            response = client.post("/v1/annotate", json={"text": "共办理案件12件。", "options": {"backend": backend}})
            assert response.status_code == 200, response.text
            assert response.json()["backend"] == backend


class ExplodingTagger(SlowTagger):
    """The rules, except that any batch holding a document with BOOM raises an internal error."""

    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        if any("BOOM" in doc.text for doc in docs):
            raise RuntimeError("secret internal detail /srv/private/path")
        return super().tag_batch(docs)


def test_an_internal_error_fails_only_its_document_without_leaking(start_server: Callable[..., LiveServer]) -> None:
    def factory(config: GovtagConfig, backends: Iterable[str]) -> dict[str, Tagger]:
        return {"rules": ExplodingTagger(create_taggers(config, ["rules"])["rules"], 0.0)}

    live = start_server(
        tagger_factory=factory, batching={"enabled": True, "max_batch_size": 8, "max_wait_ms": 50}, **_rules()
    )
    documents = [{"text": "共办理案件1件。", "id": "a"}, {"text": "BOOM 共办理案件2件。", "id": "b"}, {"text": "共办理案件3件。", "id": "c"}]
    with live.client() as client:
        response = client.post("/v1/annotate/batch", json={"documents": documents})
        assert response.status_code == 200, response.text
        slots = response.json()["results"]
        assert [slot["ok"] for slot in slots] == [True, False, True]
        assert slots[1]["error"]["status"] == 500 and slots[1]["error"]["code"] == "internal_error"
        assert "secret" not in response.text and "Traceback" not in response.text

        error = assert_error(client.post("/v1/annotate", json={"text": "BOOM"}), 500, "internal_error")
        assert "secret" not in error["message"]
        assert client.post("/v1/annotate", json={"text": "共办理案件4件。"}).status_code == 200
        assert client.get("/healthz").status_code == 200
