"""The same corpus annotation as :mod:`govtag.corpus.run`, as a Ray Data pipeline.

The driver turns the inputs into a dataset of small item descriptors (ids,
paths, inline texts, metadata); ``map_batches`` runs them through a pool of
actors that each load the tagger once and read and tag their documents; the
driver receives the results in input order and writes them with the same
sinks as the local engine, so both engines produce the same files.

The actors read the pipeline config (and through it the model registry) from
the path the driver was given: on a cluster that path must be visible on every
node (a shared filesystem, or the same checkout and ``govtag train`` output on
each), see the README. Ray is an optional dependency (``pip install
'govtag[ray]'``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from govtag.corpus.inputs import CorpusItem
from govtag.corpus.progress import Progress
from govtag.corpus.run import Recorder, RunSummary, describe_failure, tag_isolating_failures
from govtag.corpus.sinks import ErrorLog, Sink
from govtag.digest import text_sha256
from govtag.errors import ConfigError, GovtagError
from govtag.schema import DocumentResult, OutputOptions

#: Documents per actor call (Ray Data's ``batch_size``), as the local engine's batches.
RAY_BATCH_DOCUMENTS = 8
#: Documents per Ray Data pipeline: what the driver holds at a time.
RAY_CHUNK_DOCUMENTS = 2000


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError("--engine ray needs Ray: pip install 'govtag[ray]' (ray[data])") from exc
    for name in ("ray", "ray.data"):  # govtag's own progress and summary say what matters
        logging.getLogger(name).setLevel(logging.ERROR)
    return ray


class TaggerActor:
    """One per Ray actor: loads the pipeline once, then reads and tags batches of items."""

    def __init__(
        self,
        config_path: str | None,
        backend: str | None,
        runtime: str,
        options: dict[str, Any],
        done: list[tuple[str, str]],
    ) -> None:
        from govtag.config import load_config
        from govtag.pipeline import Pipeline

        config = load_config(config_path)
        config.model.runtime = runtime  # as the driver resolved it for the run
        self.pipeline = Pipeline(config, backend=backend)
        self.options = OutputOptions.model_validate(options)
        self.done = {tuple(pair) for pair in done}  # complete in the output already (--resume)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        items = [_item_from_row(json.loads(row)) for row in batch["item"]]
        results: list[str | None] = [None] * len(items)
        errors: list[str | None] = [None] * len(items)
        skipped = [False] * len(items)
        loaded = []
        for index, item in enumerate(items):
            try:
                document = item.load(self.pipeline.config.ingest)
            except GovtagError as exc:
                errors[index] = _failure(exc)
                continue
            if self.done and (document.id, text_sha256(document.text)) in self.done:
                skipped[index] = True
            else:
                loaded.append((index, document))
        outcomes = tag_isolating_failures(self.pipeline, [doc for _, doc in loaded], self.options)
        for (index, _), outcome in zip(loaded, outcomes, strict=True):
            if isinstance(outcome, Exception):
                errors[index] = _failure(outcome)
            else:
                results[index] = outcome.model_dump_json()
        return {"item": list(batch["item"]), "result": results, "error": errors, "skipped": skipped}


def _failure(exc: Exception) -> str:
    reason, exit_code = describe_failure(exc)
    return json.dumps({"reason": reason, "exit_code": exit_code}, ensure_ascii=False)


def _item_row(item: CorpusItem) -> str:
    row = asdict(item)
    row["path"] = str(item.path) if item.path is not None else None
    return json.dumps(row, ensure_ascii=False)


def _item_from_row(row: dict[str, Any]) -> CorpusItem:
    row["path"] = Path(row["path"]) if row["path"] is not None else None
    return CorpusItem(**row)


def annotate_corpus_on_ray(
    items: Iterable[CorpusItem],
    config_path: str | None,
    backend: str | None,
    runtime: str,
    sink: Sink,
    errors: ErrorLog,
    progress: Progress,
    options: OutputOptions | None = None,
    resume: bool = False,
    address: str | None = None,
    workers: int = 1,
) -> RunSummary:
    """Annotate on a Ray cluster (``address``) or a local Ray instance started for the run.

    The items go to Ray in chunks of :data:`RAY_CHUNK_DOCUMENTS`, one Ray Data pipeline
    each, so the driver holds one chunk of descriptors (inline JSONL texts included) at
    a time, whatever the corpus size; each chunk's actors load the tagger anew, a cost
    of seconds against the minutes a chunk takes.
    """
    ray = _import_ray()
    done = sorted(sink.completed()) if resume else []
    record = Recorder(sink, errors, progress)
    started_here = False
    try:
        for chunk in _chunks(items, RAY_CHUNK_DOCUMENTS):
            if not ray.is_initialized():
                ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
                started_here = True
                context = ray.data.DataContext.get_current()
                context.execution_options.preserve_order = True  # the output follows the input, as locally
                context.enable_progress_bars = False
                context.print_on_execution_start = False
            dataset = ray.data.from_items([{"item": _item_row(item)} for item in chunk]).map_batches(
                TaggerActor,
                batch_size=RAY_BATCH_DOCUMENTS,
                compute=ray.data.ActorPoolStrategy(size=workers),
                fn_constructor_kwargs={
                    "config_path": config_path,
                    "backend": backend,
                    "runtime": runtime,
                    "options": (options or OutputOptions()).model_dump(mode="json"),
                    "done": done,
                },
                batch_format="numpy",
            )
            _write_results(dataset.iter_rows(), record)
    finally:
        if started_here:
            ray.shutdown()
    return record.summary


def _chunks(items: Iterable[CorpusItem], size: int) -> Iterator[list[CorpusItem]]:
    """Lists of at most ``size`` items; stdin is refused before any work starts on its chunk."""
    chunk: list[CorpusItem] = []
    for item in items:
        if item.stdin:
            raise ConfigError("--engine ray cannot read stdin; save it to a file")
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_results(rows: Iterator[dict[str, Any]], record: Recorder) -> None:
    for row in rows:
        item = _item_from_row(json.loads(row["item"]))
        if row["error"] is not None:
            failure = json.loads(row["error"])
            record.failure(item, failure["reason"], failure["exit_code"])
        elif row["skipped"]:
            record.skip()
        else:
            record.success(item, DocumentResult.model_validate_json(row["result"]))
