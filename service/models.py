"""The taggers being served, and their atomic replacement on reload.

A :class:`Generation` holds one pipeline per backend, all built from one model
load. The manager swaps whole generations with a single assignment, so a batch
that already took a generation finishes on it while the next batch takes the
new one: a reload never drops or mixes requests.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from govtag.config import GovtagConfig
from govtag.errors import GovtagError
from govtag.pipeline import Pipeline
from govtag.service.errors import Conflict, Unavailable, Unprocessable
from govtag.service.metrics import ServiceMetrics
from govtag.tag import create_taggers
from govtag.tag.base import Tagger

log = logging.getLogger("govtag.service")

TaggerFactory = Callable[[GovtagConfig, Iterable[str]], Mapping[str, Tagger]]

#: A tiny report run through every new pipeline before it serves (loads lazy
#: weights and kernels, and proves the model answers).
WARMUP_TEXT = (
    "一、工作开展情况\n区司法局印发《行政执法公示办法》（区司发〔2020〕1号），办理复议案件12件。\n"
    "二、存在的问题\n执法队伍建设仍有差距。\n三、下一步工作计划\n我们将继续推进依法行政。"
)


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
        self.loading = False
        self._lock = asyncio.Lock()
        self._counter = 0

    # --- what requests see -------------------------------------------------

    @property
    def ready(self) -> bool:
        gen = self.generation
        return gen is not None and self.error is None and all(b in gen.pipelines for b in self.backends)

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
        pipelines = {b: Pipeline(self.config, backend=b, tagger=taggers[b]) for b in backends}
        for backend, pipeline in pipelines.items():
            started = time.perf_counter()
            pipeline.annotate(WARMUP_TEXT, doc_id="warm-up")
            log.info("backend %s warm (%.2fs)", backend, time.perf_counter() - started)
        self._counter += 1
        return Generation(self._counter, pipelines)

    def _publish(self, gen: Generation, error: str | None) -> None:
        self.generation = gen  # the atomic swap
        self.error = error
        self.metrics.set_model(gen.model_version, sorted(gen.pipelines), self.ready)

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
            return gen
