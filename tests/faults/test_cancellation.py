"""Cancellation and fairness in the micro-batcher, on live servers.

* A request past its deadline stops consuming compute: with the real model, at
  most one chunk (one batch of windows) runs after its 504, and a small request
  sent during the long one is answered between the long one's chunks.
* Batches are formed round-robin across requests: a single-document request
  that arrives behind a many-document one is not queued behind all of it.

Chunks are counted by wrapping the real network (model) or the real rules
tagger; the tests wait on those counts and on the batcher's state, not on time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from service_helpers import SEED_REPORTS, LiveServer, assert_error, default_model_ref

from govtag.config import GovtagConfig
from govtag.ingest import load_text
from govtag.tag import create_taggers
from govtag.tag.base import Tagger
from govtag.types import SegmentedDocument, Tagging

WAIT_LIMIT_S = 120.0  # only reached when something hangs


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT_LIMIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


# --- the model: chunked, cancellable, interleaved -------------------------------


class CountingNetwork:
    """The real network, counting its forward passes (one per chunk of windows)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, **batch: Any) -> Any:
        with self._lock:
            self.calls += 1
        return self.inner(**batch)


CHUNK_WINDOWS = 4  # small chunks keep the test quick; the mechanism is the same at 32


@pytest.fixture(scope="module")
def counted_model(start_server: Callable[..., LiveServer]) -> tuple[LiveServer, CountingNetwork]:
    default_model_ref()
    holder: dict[str, CountingNetwork] = {}

    def factory(config: GovtagConfig, backends: Iterable[str]) -> dict[str, Tagger]:
        model = create_taggers(config, ["model"])["model"]
        model.predictor.batch_size = CHUNK_WINDOWS  # type: ignore[attr-defined]
        network = CountingNetwork(model.predictor.network)  # type: ignore[attr-defined]
        model.predictor.network = holder["network"] = network  # type: ignore[attr-defined]
        return {"model": model}

    live = start_server(
        tagger_factory=factory,
        default_backend="model",
        backends=["model"],
        request_timeout_s=4.0,
        batching={"enabled": True, "max_batch_size": 4, "max_wait_ms": 0},
    )
    return live, holder["network"]


@pytest.mark.model
def test_a_timed_out_request_stops_within_one_chunk_and_small_ones_run_between_its_chunks(
    counted_model: tuple[LiveServer, CountingNetwork],
) -> None:
    live, network = counted_model
    batcher = live.service.batcher
    assert batcher is not None
    long_text = (SEED_REPORTS / "ludian-2020.txt").read_text(encoding="utf-8") * 3
    documents = [{"text": long_text, "id": f"long-{i}"} for i in range(8)]  # two batches of four
    sentences = len(documents) * len(live.service.models.pipeline_for("model").segment(load_text(long_text)).segments)
    before = network.calls

    with ThreadPoolExecutor(max_workers=1) as pool, live.client(timeout=WAIT_LIMIT_S) as client:
        large: Future[httpx.Response] = pool.submit(client.post, "/v1/annotate/batch", json={"documents": documents})
        _wait_for(lambda: network.calls >= before + 3, "the long batch to run a few chunks")
        with live.client(timeout=WAIT_LIMIT_S) as other:
            small = other.post("/v1/annotate", json={"text": "一、工作开展情况\n共办理案件12件。", "id": "small"})
        # answered between the long batch's chunks, long before that batch could end
        assert small.status_code == 200, small.text
        assert not large.done()
        assert_error(large.result(), 504, "timeout")
        at_timeout = network.calls

    _wait_for(lambda: not batcher.busy, "the worker to drop the abandoned batch")
    assert network.calls - at_timeout <= 1, (at_timeout, network.calls)  # at most the chunk in flight
    # a document has at least one window per sentence: most of the work never ran
    assert network.calls - before < sentences / CHUNK_WINDOWS / 2
    metrics = live.service.metrics.registry
    assert metrics.get_sample_value("govtag_documents_total", {"backend": "model", "outcome": "cancelled"}) == 8

    with live.client(timeout=WAIT_LIMIT_S) as client:  # the worker is free for the next request at once
        after = client.post("/v1/annotate", json={"text": "共办理案件3件。"})
    assert after.status_code == 200, after.text


# --- the rules: round-robin across requests ------------------------------------------


class GatedTagger(Tagger):
    """The rules tagger; the first batch waits for ``release``, and every batch's ids are recorded."""

    name = "rules"

    def __init__(self, inner: Tagger) -> None:
        self.inner = inner
        self.release = threading.Event()
        self.first_started = threading.Event()
        self.batches: list[list[str]] = []

    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        ids = [doc.document.id for doc in docs]
        if ids != ["warm-up"]:
            self.batches.append(ids)
            if len(self.batches) == 1:
                self.first_started.set()
                if not self.release.wait(WAIT_LIMIT_S):
                    raise RuntimeError("never released")
        return self.inner.tag_batch(docs)


def test_batches_take_documents_round_robin_across_requests(start_server: Callable[..., LiveServer]) -> None:
    holder: dict[str, GatedTagger] = {}

    def factory(config: GovtagConfig, backends: Iterable[str]) -> dict[str, Tagger]:
        holder["tagger"] = GatedTagger(create_taggers(config, ["rules"])["rules"])
        return {"rules": holder["tagger"]}

    live = start_server(
        tagger_factory=factory,
        default_backend="rules",
        backends=["rules"],
        batching={"enabled": True, "max_batch_size": 2, "max_wait_ms": 0},
    )
    tagger = holder["tagger"]
    batcher = live.service.batcher
    assert batcher is not None
    many = [{"text": f"共办理案件{i}件。", "id": f"a{i}"} for i in range(6)]

    def post(path: str, body: dict[str, Any]) -> httpx.Response:
        with live.client(timeout=WAIT_LIMIT_S) as client:
            return client.post(path, json=body)

    with ThreadPoolExecutor(max_workers=2) as pool:
        large = pool.submit(post, "/v1/annotate/batch", {"documents": many})
        assert tagger.first_started.wait(WAIT_LIMIT_S)
        small = pool.submit(post, "/v1/annotate", {"text": "共办理案件9件。", "id": "b"})
        _wait_for(lambda: batcher._queues["rules"].pending() == 5, "both requests to be queued")
        tagger.release.set()
        assert large.result().status_code == 200 and small.result().status_code == 200
    # FIFO by document would have run b last, after a2..a5
    assert tagger.batches == [["a0", "a1"], ["b"], ["a2", "a3"], ["a4", "a5"]], tagger.batches
