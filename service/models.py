"""The taggers being served, and their atomic replacement on reload.

A :class:`Generation` holds one pipeline per backend, all built from one model
load. The manager swaps whole generations with a single assignment, so a batch
that already took a generation finishes on it while the next batch takes the
new one: a reload never drops or mixes requests.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govtag.config import GovtagConfig
from govtag.errors import GovtagError
from govtag.model.predictor import NonFiniteOutputError
from govtag.pipeline import Pipeline
from govtag.schema import DocumentResult, OutputOptions
from govtag.service.errors import Conflict, Unavailable, Unprocessable
from govtag.service.metrics import ServiceMetrics
from govtag.tag import create_taggers
from govtag.tag.base import Tagger
from govtag.tag.steps import Steps, Wanted
from govtag.types import Document

log = logging.getLogger("govtag.service")

TaggerFactory = Callable[[GovtagConfig, Iterable[str]], Mapping[str, Tagger]]

#: A tiny report run through every new pipeline before it serves (loads lazy
#: weights and kernels, and proves the model answers).
WARMUP_TEXT = (
    "一、工作开展情况\n区司法局印发《行政执法公示办法》（区司发〔2020〕1号），办理复议案件12件。\n"
    "二、存在的问题\n执法队伍建设仍有差距。\n三、下一步工作计划\n我们将继续推进依法行政。"
)


class CheckedPipeline(Pipeline):
    """A pipeline that reports NaN/inf model scores to its manager and answers 503 instead.

    The model's predictor raises :class:`NonFiniteOutputError` on such scores, so no
    document is ever answered with them; the manager then marks the model unhealthy.
    """

    def __init__(self, config: GovtagConfig, backend: str, tagger: Tagger, manager: "ModelManager") -> None:
        super().__init__(config, backend=backend, tagger=tagger)
        self.manager = manager

    def annotate_steps(
        self, documents: Sequence[Document], options: OutputOptions | None = None, wanted: Wanted = None
    ) -> Steps[list[DocumentResult]]:
        # annotate_documents runs these steps too, so both paths are checked
        try:
            return (yield from super().annotate_steps(documents, options, wanted))
        except NonFiniteOutputError as exc:
            message = self.manager.report_nonfinite(self, str(exc))
            raise Unavailable(message, code="model_unhealthy") from exc


@dataclass(frozen=True)
class Generation:
    number: int
    pipelines: Mapping[str, Pipeline]
    loaded_at: float = field(default_factory=time.time)

    @property
    def model_version(self) -> str | None:
        for pipeline in self.pipelines.values():
            if pipeline.model_version:
                return pipeline.model_version
        return None

    def info(self) -> dict[str, dict[str, Any]]:
        return {backend: pipeline.tagger.info() for backend, pipeline in self.pipelines.items()}


def return_freed_memory() -> None:
    """Hand freed heap pages back to the OS.

    glibc keeps the pages of freed large blocks (a model's tensors) for reuse,
    so without this the server's RSS climbs by a model's size at every reload.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def describe_load_error(exc: BaseException) -> str:
    if isinstance(exc, GovtagError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class ModelManager:
    """Builds generations off the event loop and hands out the current one."""

    def __init__(
        self,
        config: GovtagConfig,
        backends: list[str],
        default_backend: str,
        metrics: ServiceMetrics,
        tagger_factory: TaggerFactory = create_taggers,
        retry_after_s: int = 1,
    ) -> None:
        self.config = config
        self.backends = backends
        self.default_backend = default_backend
        self.metrics = metrics
        self.tagger_factory = tagger_factory
        self.retry_after_s = retry_after_s
        self.generation: Generation | None = None
        self.error: str | None = None  # why a configured backend is not being served
        self.health_error: str | None = None  # the serving model gave NaN/inf; cleared by a successful reload
        self.loading = False
        self._lock = asyncio.Lock()
        self._counter = 0

    # --- what requests see -------------------------------------------------

    @property
    def ready(self) -> bool:
        gen = self.generation
        return (
            gen is not None
            and self.error is None
            and self.health_error is None
            and all(b in gen.pipelines for b in self.backends)
        )

    @property
    def uses_model(self) -> bool:
        return any(b != "rules" for b in self.backends)

    def pipeline_for(self, backend: str) -> Pipeline:
        """The current pipeline of a backend, or a 422/503 that says why there is none."""
        if backend not in self.backends:
            served = ", ".join(self.backends)
            raise Unprocessable(
                f"backend {backend!r} is not served here (this server runs: {served})", code="backend_not_served"
            )
        gen = self.generation
        if gen is None or backend not in gen.pipelines:
            reason = self.error or "the model is still loading"
            raise Unavailable(
                f"backend {backend!r} is not available: {reason}",
                code="model_unavailable",
                headers={"Retry-After": str(self.retry_after_s)},
            )
        return gen.pipelines[backend]

    # --- loading -----------------------------------------------------------

    def _build(self, backends: list[str]) -> Generation:
        """Runs in a worker thread: load taggers, wrap them in pipelines, warm each up."""
        taggers = self.tagger_factory(self.config, backends)
        pipelines = {b: CheckedPipeline(self.config, b, taggers[b], self) for b in backends}
        for backend, pipeline in pipelines.items():
            started = time.perf_counter()
            pipeline.annotate(WARMUP_TEXT, doc_id="warm-up")
            log.info("backend %s warm (%.2fs)", backend, time.perf_counter() - started)
        self._counter += 1
        return Generation(self._counter, pipelines)

    def _publish(self, gen: Generation, error: str | None) -> None:
        self.generation = gen  # the atomic swap
        self.error = error
        self.health_error = None
        self.metrics.set_model(gen.model_version, sorted(gen.pipelines), self.ready)

    def report_nonfinite(self, pipeline: Pipeline, detail: str) -> str:
        """Called from a worker thread: mark the serving model unhealthy (not ready) until a reload.

        A pipeline of a generation that is not (or no longer) served, e.g. one failing
        its warm-up during a reload, changes nothing here. Returns the client's message.
        """
        gen = self.generation
        version = pipeline.model_version or "?"
        message = (
            f"the model {version} produced NaN or infinite scores on this document ({detail}); it is marked "
            f"unhealthy and /readyz reports not ready until a verified model is reloaded"
        )
        if gen is not None and gen.pipelines.get(pipeline.backend) is pipeline:
            self.metrics.nonfinite_outputs.labels(pipeline.backend).inc()
            if self.health_error is None:
                log.error("model %s unhealthy: %s", version, detail)
            self.health_error = f"the model {version} produced NaN or infinite scores; reload a verified model"
            self.metrics.ready.set(0)
        return message

    async def load_initial(self) -> None:
        """Load every configured backend; if the model fails, serve rules alone and say why."""
        async with self._lock:
            self.loading = True
            try:
                try:
                    gen = await asyncio.to_thread(self._build, self.backends)
                    self._publish(gen, None)
                    log.info("serving %s (model %s)", ", ".join(self.backends), gen.model_version or "none")
                    return
                except Exception as exc:  # any load failure must leave a running service
                    what = "the model" if self.uses_model else "the rules backend"
                    self.error = f"{what} failed to load: {describe_load_error(exc)}"
                    log.error("%s", self.error, exc_info=not isinstance(exc, GovtagError))
                if self.uses_model and "rules" in self.backends:
                    try:
                        gen = await asyncio.to_thread(self._build, ["rules"])
                        self._publish(gen, self.error)
                    except Exception:
                        log.exception("the rules backend failed to start")
                self.metrics.ready.set(0)
            finally:
                self.loading = False

    async def reload(self) -> Generation:
        """Build the registry's current model and swap it in; on failure keep serving the old one."""
        if self._lock.locked():
            raise Conflict("a model load or reload is already running", code="reload_in_progress")
        async with self._lock:
            self.loading = True
            old = self.generation
            try:
                gen = await asyncio.to_thread(self._build, self.backends)
            except Exception as exc:
                self.metrics.reloads.labels("failed").inc()
                return_freed_memory()  # the half-built generation is gone
                message = describe_load_error(exc)
                log.error("reload failed: %s", message, exc_info=not isinstance(exc, GovtagError))
                still = f"still serving model {old.model_version}" if old and old.model_version else (
                    "still serving the previous taggers" if old else "nothing is being served"
                )
                raise Conflict(f"model failed to load ({still}): {message}", code="reload_failed") from exc
            finally:
                self.loading = False
            self._publish(gen, None)
            self.metrics.reloads.labels("ok").inc()
            log.info(
                "reloaded: model %s -> %s", old.model_version if old else None, gen.model_version or "none"
            )
            if old is not None:  # once the last batch on the old model lets go of it
                weakref.finalize(old, return_freed_memory)
            return gen
