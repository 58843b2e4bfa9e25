"""Prometheus metrics, kept in a registry of their own per app (several apps can share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from govtag.schema import DocumentResult

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "govtag_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "govtag_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("govtag_http_requests_in_flight", "HTTP requests being answered", registry=r)
        self.documents = Counter(
            "govtag_documents", "Documents annotated or rejected", ["backend", "outcome"], registry=r
        )
        self.sentences = Counter("govtag_sentences", "Sentences and headings tagged", ["backend"], registry=r)
        self.characters = Counter("govtag_characters", "Characters of text tagged", ["backend"], registry=r)
        self.entities = Counter("govtag_entities", "Entities found", ["backend", "type"], registry=r)
        self.batch_size = Histogram(
            "govtag_batch_size",
            "Documents per pipeline call (micro-batches and batch requests)",
            ["backend", "kind"],
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.inference = Histogram(
            "govtag_inference_duration_seconds",
            "Time of one pipeline call in the worker thread",
            ["backend"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "govtag_queue_wait_seconds",
            "Time a document waited in the queue before its batch started",
            ["backend"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.chunks = Counter(
            "govtag_inference_chunks",
            "Chunks of batches run in the worker threads (model: one batch of windows)",
            ["backend"],
            registry=r,
        )
        self.queue_depth = Gauge("govtag_queue_depth", "Documents waiting", ["backend"], registry=r)
        self.rejected = Counter(
            "govtag_rejected", "Requests turned away (queue_full, timeout, unavailable)", ["reason"], registry=r
        )
        self.reloads = Counter("govtag_model_reloads", "Model reloads", ["outcome"], registry=r)
        self.nonfinite_outputs = Counter(
            "govtag_model_nonfinite_outputs",
            "Pipeline calls of the serving model that gave NaN or infinite scores (it is then not ready)",
            ["backend"],
            registry=r,
        )
        self.ready = Gauge("govtag_ready", "1 when every configured backend is loaded and warm", registry=r)
        self.model = Info("govtag_model", "The model being served", registry=r)
        self.model_loaded = Gauge(
            "govtag_model_loaded", "1 for the model version being served", ["version"], registry=r
        )

    def observe_result(self, result: DocumentResult) -> None:
        self.documents.labels(result.backend, "ok").inc()
        self.sentences.labels(result.backend).inc(len(result.sentences))
        self.characters.labels(result.backend).inc(result.chars)
        for etype, count in result.summary.entities.items():
            if count:
                self.entities.labels(result.backend, etype).inc(count)

    def set_model(self, version: str | None, backends: list[str], ready: bool) -> None:
        self.model.info({"version": version or "none", "backends": ",".join(backends)})
        self.model_loaded.clear()
        self.model_loaded.labels(version or "none").set(1)
        self.ready.set(1 if ready else 0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
