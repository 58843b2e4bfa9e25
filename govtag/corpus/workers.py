"""Several tagging processes on one machine (``govtag annotate --workers N``).

Each worker process loads its own pipeline once and gets an equal share of the
CPU's threads; the parent reads the inputs, sends batches of documents and
writes the results in input order, so the output is the same as with one
process. At most two batches per worker are in flight: memory stays flat
however long the corpus is.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from govtag.config import GovtagConfig
from govtag.errors import GovtagError
from govtag.schema import DocumentResult, OutputOptions
from govtag.types import Document

_pipeline = None  # the worker process's own pipeline


class WorkerError(GovtagError):
    """A worker process of the pool is gone."""


def _start_worker(config: GovtagConfig, backend: str | None, threads: int) -> None:
    import torch

    from govtag.pipeline import Pipeline

    torch.set_num_threads(threads)
    global _pipeline
    _pipeline = Pipeline(config, backend=backend)


def _tag(documents: list[Document], options: OutputOptions | None) -> list[DocumentResult | Exception]:
    from govtag.corpus.run import tag_isolating_failures

    assert _pipeline is not None, "worker not started"
    return tag_isolating_failures(_pipeline, documents, options)


def default_threads(workers: int) -> int:
    """An equal share of this process's CPUs for each worker (at least one)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cpus // workers)


class WorkerPool:
    """``workers`` processes with a pipeline each; ``submit`` returns a future of the batch's outcomes."""

    def __init__(self, config: GovtagConfig, backend: str | None, workers: int) -> None:
        self.config = config
        self.workers = workers
        if (backend or config.backend) != "rules":
            from govtag.model.registry import active_model_ref

            active_model_ref(config.model)  # a missing model is this process's clear error, not N broken workers
        # spawn: a clean interpreter per worker (no forked torch thread pools or locks)
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(config, backend, default_threads(workers)),
        )

    @property
    def in_flight_limit(self) -> int:
        return 2 * self.workers

    def submit(self, documents: list[Document], options: OutputOptions | None) -> Future:
        return self._executor.submit(_tag, documents, options)

    @staticmethod
    def outcomes(future: Future) -> list[DocumentResult | Exception]:
        """A submitted batch's outcomes; a worker that died (killed, out of memory) ends the run clearly."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise WorkerError(
                "a tagging worker process died (killed, or out of memory?); "
                "what was written is kept: rerun with --resume"
            ) from exc

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
