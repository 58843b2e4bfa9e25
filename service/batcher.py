"""Micro-batching: documents from concurrent requests share one pipeline call.

Each backend has a bounded queue and a collector task. The collector takes the
first waiting document, waits up to ``max_wait_ms`` for more (at most
``max_batch_size``), and runs ``pipeline.annotate_documents`` on them in a worker
thread, so the event loop keeps accepting requests while PyTorch computes.

* A full queue rejects new work at once (429 with Retry-After), it never piles up.
* A request that times out cancels its futures; documents not yet started are
  skipped when the next batch is collected, so they cost nothing.
* If a whole batch fails, its documents are retried one by one so a single bad
  document fails alone.
* With batching disabled every document is its own batch (the same queue,
  limits and timeouts, no waiting): the baseline of the benchmark.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from govtag.pipeline import Pipeline
from govtag.schema import DocumentResult
from govtag.service.errors import Overloaded
from govtag.service.metrics import ServiceMetrics
from govtag.service.models import ModelManager
from govtag.service.settings import Batching
from govtag.types import Document

log = logging.getLogger("govtag.service")


@dataclass
class _Item:
    document: Document
    future: asyncio.Future[DocumentResult]
    queued_at: float = field(default_factory=time.perf_counter)


class _BackendQueue:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.items: deque[_Item] = deque()
        self.collecting: list[_Item] = []  # taken by the collector, not started yet
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def pending(self) -> int:
        """Documents waiting, in the queue or in the batch being collected (timed-out ones excluded)."""
        return sum(1 for item in (*self.items, *self.collecting) if not item.future.done())


class MicroBatcher:
    def __init__(
        self,
        models: ModelManager,
        batching: Batching,
        metrics: ServiceMetrics,
        threads: int = 1,
        retry_after_s: int = 1,
    ) -> None:
        self.models = models
        self.max_batch = batching.max_batch_size if batching.enabled else 1
        self.max_wait = batching.max_wait_ms / 1000.0 if batching.enabled else 0.0
        self.queue_size = batching.queue_size
        self.metrics = metrics
        self.retry_after_s = retry_after_s
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="govtag-infer")
        self._slots = asyncio.Semaphore(threads)
        self._queues: dict[str, _BackendQueue] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._closed = False

    # --- the request side --------------------------------------------------

    def submit(self, backend: str, documents: Sequence[Document]) -> list[asyncio.Future[DocumentResult]]:
        """Queue documents (all or none) and return one future per document, in order."""
        queue = self._queue(backend)
        if queue.pending() + len(documents) > self.queue_size:
            self.metrics.rejected.labels("queue_full").inc()
            raise Overloaded(
                f"the {backend} queue is full ({self.queue_size} documents waiting); retry later",
                code="queue_full",
                headers={"Retry-After": str(self.retry_after_s)},
            )
        loop = asyncio.get_running_loop()
        futures = []
        for document in documents:
            future: asyncio.Future[DocumentResult] = loop.create_future()
            queue.items.append(_Item(document, future))
            futures.append(future)
        self.metrics.queue_depth.labels(backend).set(queue.pending())
        queue.wakeup.set()
        return futures

    def _queue(self, backend: str) -> _BackendQueue:
        queue = self._queues.get(backend)
        if queue is None:
            queue = self._queues[backend] = _BackendQueue(backend)
            queue.task = asyncio.create_task(self._collect_forever(queue), name=f"batcher-{backend}")
        return queue

    # --- the collector side ------------------------------------------------

    def _take(self, queue: _BackendQueue, batch: list[_Item]) -> None:
        while queue.items and len(batch) < self.max_batch:
            item = queue.items.popleft()
            if not item.future.done():  # cancelled by a timeout: dropped unstarted
                batch.append(item)

    async def _collect_forever(self, queue: _BackendQueue) -> None:
        while not self._closed:
            batch: list[_Item] = []
            queue.collecting = batch
            while not batch:  # wait for work
                self._take(queue, batch)
                if not batch:
                    queue.wakeup.clear()
                    await queue.wakeup.wait()
            deadline = time.perf_counter() + self.max_wait
            while len(batch) < self.max_batch:  # let the batch fill up, at most max_wait
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    break
                queue.wakeup.clear()
                try:
                    await asyncio.wait_for(queue.wakeup.wait(), remaining)
                except TimeoutError:
                    pass
                self._take(queue, batch)
            # Wait for a worker without holding one while idle (other backends share them),
            # then top the batch up with whatever arrived in the meantime.
            await self._slots.acquire()
            try:
                self._take(queue, batch)
                queue.collecting = []
                self.metrics.queue_depth.labels(queue.backend).set(queue.pending())
                task = asyncio.create_task(self._run_batch(queue.backend, batch))
            except BaseException:
                self._slots.release()
                raise
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run_batch(self, backend: str, batch: list[_Item]) -> None:
        try:
            live = [item for item in batch if not item.future.done()]
            if not live:
                return
            try:
                pipeline = self.models.pipeline_for(backend)  # fixed for this batch, whatever reloads do
            except Exception as exc:
                for item in live:
                    _settle(item, exc=exc)
                return
            now = time.perf_counter()
            for item in live:
                self.metrics.queue_wait.labels(backend).observe(now - item.queued_at)
            self.metrics.batch_size.labels(backend, "micro").observe(len(live))
            loop = asyncio.get_running_loop()
            started = time.perf_counter()
            outcomes = await loop.run_in_executor(
                self.executor, _annotate_isolating_failures, pipeline, [item.document for item in live]
            )
            self.metrics.inference.labels(backend).observe(time.perf_counter() - started)
            for item, outcome in zip(live, outcomes, strict=True):
                if isinstance(outcome, DocumentResult):
                    self.metrics.observe_result(outcome)
                    _settle(item, result=outcome)
                else:
                    self.metrics.documents.labels(backend, "error").inc()
                    _settle(item, exc=outcome)
        except Exception as exc:  # never let a batch leave futures hanging
            log.exception("batch on %s failed", backend)
            for item in batch:
                _settle(item, exc=exc)
        finally:
            self._slots.release()

    async def close(self) -> None:
        self._closed = True
        for queue in self._queues.values():
            if queue.task is not None:
                queue.task.cancel()
            for item in (*queue.items, *queue.collecting):
                item.future.cancel()
        for queue in self._queues.values():
            if queue.task is not None:
                try:
                    await queue.task
                except (asyncio.CancelledError, Exception):
                    pass
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        self.executor.shutdown(wait=False, cancel_futures=True)


def _settle(item: _Item, result: DocumentResult | None = None, exc: BaseException | None = None) -> None:
    if item.future.done():
        return  # the request gave up (timeout) or was cancelled
    if exc is not None:
        item.future.set_exception(exc)
    else:
        item.future.set_result(result)  # type: ignore[arg-type]


def _annotate_isolating_failures(
    pipeline: Pipeline, documents: list[Document]
) -> list[DocumentResult | Exception]:
    """One pipeline call for the batch; if it fails, one call per document to find the culprit."""
    try:
        return list(pipeline.annotate_documents(documents))
    except Exception as exc:
        if len(documents) == 1:
            return [exc]
    outcomes: list[DocumentResult | Exception] = []
    for document in documents:
        try:
            outcomes.append(pipeline.annotate_documents([document])[0])
        except Exception as exc:
            outcomes.append(exc)
    return outcomes
