"""The service object behind the routes: configuration, models, batcher, limits, metrics."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from govtag.config import GovtagConfig, choose_model, load_config
from govtag.errors import ConfigError, InputError, LimitExceededError
from govtag.ingest import load_text
from govtag.ingest.sandbox import ParseSandbox, SandboxLimits
from govtag.schema import DocumentResult, OutputOptions, apply_options
from govtag.service.batcher import MicroBatcher
from govtag.service.errors import (
    PayloadTooLarge,
    ServiceError,
    Timeout,
    Unavailable,
    from_input_error,
)
from govtag.service.metrics import ServiceMetrics
from govtag.service.models import ModelManager, TaggerFactory
from govtag.service.parse_slots import ParseSlots
from govtag.service.schemas import AnnotateOptions
from govtag.service.settings import ServiceSettings
from govtag.service.unicode_check import check_no_surrogates
from govtag.tag import create_taggers
from govtag.types import Document

log = logging.getLogger("govtag.service")


@dataclass
class Job:
    """One document of a request, ready to queue (or the error that stopped it)."""

    document: Document | None
    backend: str
    output: OutputOptions
    error: ServiceError | None = None


def load_pipeline_config(settings: ServiceSettings) -> GovtagConfig:
    config = load_config(settings.pipeline_config)
    if settings.model_registry is not None:
        config.model.registry = settings.model_registry.resolve()
    return choose_model(config, settings.model)


class GovtagService:
    def __init__(self, settings: ServiceSettings, tagger_factory: TaggerFactory = create_taggers) -> None:
        self.settings = settings
        self.config = load_pipeline_config(settings)
        self.default_backend = settings.default_backend or self.config.backend
        self.backends = settings.resolved_backends(self.config.backend)
        if self.default_backend not in self.backends:
            raise ConfigError(
                f"the default backend {self.default_backend!r} (from {self.config.source or 'the pipeline config'}) "
                f"is not among the served backends {self.backends}; set default_backend or backends"
            )
        self.metrics = ServiceMetrics()
        self.models = ModelManager(
            self.config,
            self.backends,
            self.default_backend,
            self.metrics,
            tagger_factory=tagger_factory,
            retry_after_s=settings.retry_after_s,
        )
        parsing = settings.parsing
        self.sandbox = ParseSandbox(SandboxLimits(parsing.memory_mb * 2**20, parsing.timeout_s), self.config.ingest)
        self.parse_slots = ParseSlots(parsing.max_concurrent, parsing.max_waiting, settings.retry_after_s, self.metrics)
        self.batcher: MicroBatcher | None = None
        self._load_task: asyncio.Task[None] | None = None
        self.started_at = time.time()

    # --- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Start the batcher and load the models in the background (/readyz says when they are warm)."""
        self.batcher = MicroBatcher(
            self.models,
            self.settings.batching,
            self.metrics,
            threads=self.settings.inference_threads,
            retry_after_s=self.settings.retry_after_s,
        )
        self._load_task = asyncio.create_task(self.models.load_initial(), name="load-models")
        await asyncio.to_thread(self.sandbox.warm_up)

    async def stop(self) -> None:
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        if self.batcher is not None:
            await self.batcher.close()

    # --- input -------------------------------------------------------------

    def check_length(self, chars: int, what: str = "text") -> None:
        limit = self.settings.limits.max_text_chars
        if chars > limit:
            raise PayloadTooLarge(f"{what} has {chars} characters; the limit is {limit}", code="text_too_long")

    def from_text(self, text: str, doc_id: str | None) -> Document:
        self.check_length(len(text))
        check_no_surrogates(text, "text")
        if doc_id is not None:
            check_no_surrogates(doc_id, "id")
        try:
            return load_text(text, doc_id or "doc")
        except InputError as exc:
            raise from_input_error(exc) from exc

    async def from_upload(
        self, data: bytes, filename: str | None, doc_id: str | None, content_type: str | None
    ) -> Document:
        """Parse an upload in the sandbox: bounded in memory, time and concurrency (see ``parsing``)."""
        limit = self.settings.limits.max_upload_bytes
        if len(data) > limit:
            raise PayloadTooLarge(f"the file has {len(data)} bytes; the limit is {limit}", code="file_too_large")
        async with self.parse_slots.slot():
            try:
                document = await asyncio.to_thread(
                    self.sandbox.load_bytes, data, filename, doc_id, content_type, self.settings.request_timeout_s
                )
            except InputError as exc:
                if isinstance(exc, LimitExceededError):
                    self.metrics.rejected.labels("parse_limit").inc()
                    log.warning("upload %r refused: %s", filename, exc)
                raise from_input_error(exc) from exc
        self.check_length(len(document.text), what=f"{filename or 'the upload'} (as text)")
        return document

    def resolve(self, options: AnnotateOptions | None) -> tuple[str, OutputOptions]:
        """The backend and output options of a request."""
        options = options or AnnotateOptions()
        return options.backend or self.default_backend, options.output_options()

    def check_backend(self, backend: str) -> None:
        """Fail fast (422 not served, 503 not loaded) instead of queueing work that cannot run."""
        self.models.pipeline_for(backend)

    # --- annotation --------------------------------------------------------

    async def annotate(self, jobs: list[Job]) -> list[DocumentResult | ServiceError]:
        """Queue every valid job (all or none), wait for all within the request timeout."""
        assert self.batcher is not None, "the service is not started"
        deadline = time.perf_counter() + self.settings.request_timeout_s
        by_backend: dict[str, list[int]] = {}
        for index, job in enumerate(jobs):
            if job.error is None:
                by_backend.setdefault(job.backend, []).append(index)
            else:
                self.metrics.documents.labels(job.backend, "invalid").inc()
        futures: dict[int, asyncio.Future[DocumentResult]] = {}
        try:
            for backend, indexes in by_backend.items():
                queued = self.batcher.submit(backend, [jobs[i].document for i in indexes])  # type: ignore[misc]
                futures.update(zip(indexes, queued, strict=True))
        except ServiceError:
            for future in futures.values():
                future.cancel()
            raise
        if futures:
            try:
                _, pending = await asyncio.wait(futures.values(), timeout=max(0.0, deadline - time.perf_counter()))
            finally:  # on a timeout, or when the request itself is cancelled
                for future in futures.values():
                    future.cancel()  # unstarted documents leave the queue; no-op for finished ones
            if pending:
                self.metrics.rejected.labels("timeout").inc()
                raise Timeout(
                    f"annotation did not finish within {self.settings.request_timeout_s:g} s", code="timeout"
                )
        outcomes: list[DocumentResult | ServiceError] = []
        for index, job in enumerate(jobs):
            if job.error is not None:
                outcomes.append(job.error)
                continue
            if futures[index].cancelled():  # the batcher closed: the server is shutting down
                outcomes.append(Unavailable("the service is shutting down", code="shutting_down"))
                continue
            exc = futures[index].exception()
            if exc is None:
                outcomes.append(apply_options(futures[index].result(), job.output))
            else:
                outcomes.append(self._as_service_error(exc, job))
        return outcomes

    @staticmethod
    def _as_service_error(exc: BaseException, job: Job) -> ServiceError:
        if isinstance(exc, ServiceError):
            return exc
        if isinstance(exc, InputError):
            return from_input_error(exc)
        doc_id = job.document.id if job.document else "?"
        log.error("annotating %r failed", doc_id, exc_info=exc)
        return ServiceError("internal error while annotating this document", status_code=500)
