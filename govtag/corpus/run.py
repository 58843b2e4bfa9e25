"""Annotate a stream of corpus items into a sink: batched, resumable, one failure never stops the run."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

from govtag.corpus.inputs import CorpusItem
from govtag.corpus.progress import Progress
from govtag.corpus.sinks import ErrorLog, Sink
from govtag.corpus.workers import WorkerPool
from govtag.digest import text_sha256
from govtag.errors import GovtagError
from govtag.pipeline import Pipeline
from govtag.schema import DocumentResult, OutputOptions
from govtag.types import Document

#: A batch is tagged when it holds this many documents or characters (whichever comes first).
BATCH_DOCUMENTS = 8
BATCH_CHARS = 200_000
#: Documents at least this long get a line of their own (they take a while).
LONG_DOCUMENT_CHARS = 200_000


@dataclass
class RunSummary:
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    chars: int = 0
    exit_code: int = 0  # of the first failure

    def line(self) -> str:
        return (
            f"govtag: {self.succeeded} annotated, {self.failed} failed, {self.skipped} skipped "
            f"(already complete), {self.chars:,} characters"
        )


@dataclass
class Recorder:
    """Where each document's outcome goes, the same for every engine."""

    sink: Sink
    errors: ErrorLog
    progress: Progress
    summary: RunSummary = field(default_factory=RunSummary)

    def success(self, item: CorpusItem, result: DocumentResult) -> None:
        self.sink.write(result, item.where, item.metadata)
        self.summary.succeeded += 1
        self.summary.chars += result.chars
        self.progress.advance(1, result.chars)

    def failure(self, item: CorpusItem, reason: str, exit_code: int) -> None:
        self.summary.failed += 1
        self.summary.exit_code = self.summary.exit_code or exit_code
        self.errors.add(item.id, item.where, reason)
        self.progress.note(f"govtag: error: {reason}")
        self.progress.advance(1)

    def skip(self) -> None:
        self.summary.skipped += 1
        self.progress.advance(1)


def describe_failure(exc: Exception) -> tuple[str, int]:
    """The reason to record for a failed document, and the exit code it stands for."""
    if isinstance(exc, GovtagError):
        return str(exc), exc.exit_code
    return f"internal error: {type(exc).__name__}: {exc}", 1


def annotate_corpus(
    items: Iterable[CorpusItem],
    pipeline: Pipeline | WorkerPool,
    sink: Sink,
    errors: ErrorLog,
    progress: Progress,
    options: OutputOptions | None = None,
    resume: bool = False,
    stdin_bytes: bytes | None = None,
) -> RunSummary:
    """Read, tag and write every item; failures go to ``errors``; completed documents are skipped on resume.

    ``pipeline`` is this process's pipeline or a pool of worker processes; a pool tags
    the batches in parallel and they are written in input order as they come back.
    """
    in_flight_limit = pipeline.in_flight_limit if isinstance(pipeline, WorkerPool) else 0
    record = Recorder(sink, errors, progress)
    done = sink.completed() if resume else set()
    limits = pipeline.config.ingest
    batch: list[tuple[CorpusItem, Document]] = []
    in_flight: deque[tuple[list[CorpusItem], Future]] = deque()

    def write_oldest() -> None:
        batch_items, outcomes = in_flight.popleft()
        for item, outcome in zip(batch_items, WorkerPool.outcomes(outcomes), strict=True):
            if isinstance(outcome, Exception):
                record.failure(item, *describe_failure(outcome))
            else:
                record.success(item, outcome)

    def flush() -> None:
        documents = [document for _, document in batch]
        if isinstance(pipeline, WorkerPool):
            future = pipeline.submit(documents, options)
        else:
            future = Future()
            future.set_result(tag_isolating_failures(pipeline, documents, options))
        in_flight.append(([item for item, _ in batch], future))
        batch.clear()
        while len(in_flight) > in_flight_limit or (in_flight and in_flight[0][1].done()):
            write_oldest()

    for item in items:
        try:
            document = item.load(limits, stdin_bytes)
        except GovtagError as exc:
            record.failure(item, *describe_failure(exc))
            continue
        if done and (document.id, text_sha256(document.text)) in done:
            record.skip()
            continue
        if len(document.text) >= LONG_DOCUMENT_CHARS:
            progress.note(f"govtag: tagging {item.where} ({len(document.text):,} characters) ...")
        batch.append((item, document))
        if len(batch) >= BATCH_DOCUMENTS or sum(len(d.text) for _, d in batch) >= BATCH_CHARS:
            flush()
    if batch:
        flush()
    while in_flight:
        write_oldest()
    return record.summary


def tag_isolating_failures(
    pipeline: Pipeline, documents: list[Document], options: OutputOptions | None
) -> list[DocumentResult | Exception]:
    """One pipeline call for the batch; if it fails, one call per document so that only the culprit fails."""
    try:
        return list(pipeline.annotate_documents(documents, options))
    except Exception as exc:
        if len(documents) == 1:
            return [exc]
    outcomes: list[DocumentResult | Exception] = []
    for document in documents:
        try:
            outcomes.append(pipeline.annotate_documents([document], options)[0])
        except Exception as exc:
            outcomes.append(exc)
    return outcomes
