"""Micro-batching with fair, chunked, cancellable execution.

Documents from concurrent requests share one pipeline call (a *batch*), and a
batch runs in *chunks*: ``Pipeline.annotate_steps`` does one bounded piece of work
(for the model, one batch of windows) per step, in a worker thread, so the event
loop keeps accepting requests while PyTorch computes.

* **Forming batches.** Each backend has a bounded queue holding, per request, the
  documents not yet started. A batch takes documents round-robin across the
  waiting requests (one from each in turn, at most ``max_batch_size``), so a
  request of 64 documents does not push a later single-document request 64 places
  back. When nothing is running it waits up to ``max_wait_ms`` to fill up.
* **Taking turns.** Up to ``max_active`` batches are in progress at once. A worker
  runs one chunk of the batch at the front, then puts it at the back: batches
  advance in turn, chunk by chunk. A new batch is formed between two chunks, and
  while the workers are busy only from requests that have nothing in progress yet,
  so a small request arriving during a long one runs after the chunk in flight,
  instead of after the whole long batch; a long request's own later documents wait
  for its current batch, they do not crowd the rotation.
* **Cancellation.** A request that times out (or is cancelled) cancels its futures.
  Before every chunk the batch drops the documents whose futures are done: their
  remaining windows are skipped, and a batch whose documents are all gone is
  abandoned. Work for a cancelled request stops within one chunk.
* **Back-pressure.** A full queue rejects new work at once (429 with Retry-After).
* **Failures.** If a batch fails, its live documents are retried as batches of one,
  so a single bad document fails alone.
* With batching disabled every document is its own batch (the same queue, limits,
  turns and timeouts, no waiting): the baseline of the benchmark.
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
from govtag.tag.steps import Steps
from govtag.types import Document

log = logging.getLogger("govtag.service")


@dataclass
class _Item:
    document: Document
    future: asyncio.Future[DocumentResult]
    request: _Request
    queued_at: float = field(default_factory=time.perf_counter)


@dataclass(eq=False)
class _Request:
    """The documents of one ``submit`` call that have not been started yet."""

    waiting: deque[_Item] = field(default_factory=deque)
    in_progress: int = 0  # batches holding documents of this request


class _BackendQueue:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.requests: deque[_Request] = deque()  # with waiting documents, in round-robin order

    def pending(self) -> int:
        """Documents waiting to be started (timed-out ones excluded)."""
        return sum(1 for request in self.requests for item in request.waiting if not item.future.done())

    def take(self, limit: int, newcomers_only: bool) -> tuple[list[_Item], int]:
        """Up to ``limit`` live documents, one per request in turn (only idle requests if ``newcomers_only``).

        Also returns how many documents of requests that gave up were dropped on the way.
        """
        taken: list[_Item] = []
        dropped = 0
        progress = True
        while len(taken) < limit and progress:
            progress = False
            for request in list(self.requests):
                if len(taken) >= limit:
                    break
                if newcomers_only and request.in_progress:
                    continue
                while request.waiting:
                    item = request.waiting.popleft()
                    if item.future.done():  # cancelled by a timeout: dropped unstarted
                        dropped += 1
                        continue
                    taken.append(item)
                    progress = True
                    break
                if not request.waiting:
                    self.requests.remove(request)
        # the requests served last go to the back of the rotation
        served = {id(item.request) for item in taken}
        for request in [r for r in self.requests if id(r) in served]:
            self.requests.remove(request)
            self.requests.append(request)
        return taken, dropped


class _Batch:
    """Documents of one backend tagged by one step generator, advanced chunk by chunk."""

    def __init__(self, backend: str, pipeline: Pipeline, items: list[_Item]) -> None:
        self.backend = backend
        self.pipeline = pipeline
        self.items = items
        self.live = [True] * len(items)
        self.finished = False
        self.steps: Steps[list[DocumentResult]] = pipeline.annotate_steps(
            [item.document for item in items], wanted=self._wanted
        )
        self.compute_s = 0.0
        for item in items:
            item.request.in_progress += 1

    def _wanted(self, index: int) -> bool:
        return self.live[index]

    def refresh(self) -> int:
        """Drop the documents whose requests gave up (on the event loop, between chunks); how many were dropped."""
        live = [alive and not item.future.done() for alive, item in zip(self.live, self.items)]
        dropped = sum(self.live) - sum(live)
        self.live = live
        return dropped

    def advance(self) -> list[DocumentResult] | None:
        """One chunk, in a worker thread: the results once the last chunk is done, else None."""
        started = time.perf_counter()
        try:
            next(self.steps)
            return None
        except StopIteration as stop:
            return stop.value
        finally:
            self.compute_s += time.perf_counter() - started

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.steps.close()
        for item in self.items:
            item.request.in_progress -= 1


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
        self.max_active = max(batching.max_active, threads)
        self.metrics = metrics
        self.retry_after_s = retry_after_s
        self.threads = threads
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="govtag-infer")
        self._queues: dict[str, _BackendQueue] = {}
        self._turns: deque[_Batch] = deque()  # batches in progress, waiting for their next chunk
        self._running = 0  # chunks being computed now
        self._wakeup = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._closed = False

    # --- the request side --------------------------------------------------

    def submit(self, backend: str, documents: Sequence[Document]) -> list[asyncio.Future[DocumentResult]]:
        """Queue the documents of one request (all or none); one future per document, in order."""
        queue = self._queue(backend)
        if queue.pending() + len(documents) > self.queue_size:
            self.metrics.rejected.labels("queue_full").inc()
            raise Overloaded(
                f"the {backend} queue is full ({self.queue_size} documents waiting); retry later",
                code="queue_full",
                headers={"Retry-After": str(self.retry_after_s)},
            )
        loop = asyncio.get_running_loop()
        request = _Request()
        futures = []
        for document in documents:
            future: asyncio.Future[DocumentResult] = loop.create_future()
            request.waiting.append(_Item(document, future, request))
            futures.append(future)
        if request.waiting:
            queue.requests.append(request)
        self.metrics.queue_depth.labels(backend).set(queue.pending())
        self._start_workers()
        self._wakeup.set()
        return futures

    def _queue(self, backend: str) -> _BackendQueue:
        queue = self._queues.get(backend)
        if queue is None:
            queue = self._queues[backend] = _BackendQueue(backend)
        return queue

    def _start_workers(self) -> None:
        if not self._workers and not self._closed:
            self._workers = [
                asyncio.create_task(self._work_forever(), name=f"batcher-worker-{n}") for n in range(self.threads)
            ]

    # --- the worker side ---------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether any batch is in progress (running a chunk or waiting for its next one)."""
        return bool(self._turns) or self._running > 0

    async def _work_forever(self) -> None:
        while not self._closed:
            batch = await self._next_batch()
            try:
                await self._run_chunk(batch)
            except Exception as exc:  # never let a batch leave futures hanging
                log.exception("batch on %s failed", batch.backend)
                batch.finish()
                for item in batch.items:
                    _settle(item, exc=exc)

    async def _next_batch(self) -> _Batch:
        while True:
            self._form_batch()
            if self._turns:
                return self._turns.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()
            if not self.busy:
                await self._let_fill_up()

    async def _let_fill_up(self) -> None:
        """With nothing running, wait up to max_wait for a full batch before forming one."""
        deadline = time.perf_counter() + self.max_wait
        while not any(queue.pending() >= self.max_batch for queue in self._queues.values()):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), remaining)
            except TimeoutError:
                return

    def _form_batch(self) -> None:
        """Start at most one new batch, if there is room and waiting work (see the module docstring)."""
        in_progress = len(self._turns) + self._running
        if in_progress >= self.max_active:
            return
        newcomers_only = in_progress >= self.threads  # every worker has a batch: don't crowd the rotation
        for backend in self._backend_rotation():
            queue = self._queues[backend]
            items, dropped = queue.take(self.max_batch, newcomers_only)
            self.metrics.documents.labels(backend, "cancelled").inc(dropped)
            if not items:
                continue
            self.metrics.queue_depth.labels(backend).set(queue.pending())
            try:
                pipeline = self.models.pipeline_for(backend)  # fixed for this batch, whatever reloads do
            except Exception as exc:
                for item in items:
                    _settle(item, exc=exc)
                continue
            now = time.perf_counter()
            for item in items:
                self.metrics.queue_wait.labels(backend).observe(now - item.queued_at)
            self.metrics.batch_size.labels(backend, "micro").observe(len(items))
            self._turns.append(_Batch(backend, pipeline, items))
            return

    def _backend_rotation(self) -> list[str]:
        """Backends in turn, so that one backend's queue cannot shut out another's."""
        backends = list(self._queues)
        if backends:
            first = backends.pop(0)  # dicts keep insertion order: rotate by re-inserting
            self._queues[first] = self._queues.pop(first)
            backends.append(first)
        return backends

    async def _run_chunk(self, batch: _Batch) -> None:
        dropped = batch.refresh()
        self.metrics.documents.labels(batch.backend, "cancelled").inc(dropped)
        if not any(batch.live):  # every request of this batch gave up: drop its remaining chunks
            batch.finish()
            return
        loop = asyncio.get_running_loop()
        self._running += 1
        try:
            results = await loop.run_in_executor(self.executor, batch.advance)
            self.metrics.chunks.labels(batch.backend).inc()
            self._form_batch()  # while counted as running: a newcomer goes before this batch's next turn
        except Exception as exc:
            self._failed(batch, exc)
            return
        finally:
            self._running -= 1
        if results is None:
            self._turns.append(batch)
            self._wakeup.set()  # for an idle worker
            return
        batch.finish()
        self._wakeup.set()  # room for a new batch, for an idle worker
        self.metrics.inference.labels(batch.backend).observe(batch.compute_s)
        for item, alive, result in zip(batch.items, batch.live, results, strict=True):
            if alive:
                self.metrics.observe_result(result)
                _settle(item, result=result)

    def _failed(self, batch: _Batch, exc: Exception) -> None:
        """A failing batch of several documents is retried as batches of one, to find the culprit."""
        batch.finish()
        live = [item for item, alive in zip(batch.items, batch.live) if alive and not item.future.done()]
        if len(batch.items) == 1:
            for item in live:
                self.metrics.documents.labels(batch.backend, "error").inc()
                _settle(item, exc=exc)
            return
        for item in live:
            self._turns.append(_Batch(batch.backend, batch.pipeline, [item]))
        self._wakeup.set()

    async def close(self) -> None:
        self._closed = True
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            try:
                await worker
            except (asyncio.CancelledError, Exception):
                pass
        for queue in self._queues.values():
            for request in queue.requests:
                for item in request.waiting:
                    item.future.cancel()
        for batch in self._turns:
            for item in batch.items:
                item.future.cancel()
            batch.finish()
        self._turns.clear()
        self.executor.shutdown(wait=False, cancel_futures=True)


def _settle(item: _Item, result: DocumentResult | None = None, exc: BaseException | None = None) -> None:
    if item.future.done():
        return  # the request gave up (timeout) or was cancelled
    if exc is not None:
        item.future.set_exception(exc)
    else:
        item.future.set_result(result)  # type: ignore[arg-type]
