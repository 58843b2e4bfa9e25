"""Annotating reports with the current model and writing them for a labelling tool."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from govtag.errors import InputError
from govtag.ingest import load_path
from govtag.labels import doccano, label_studio
from govtag.labels.select import How, select
from govtag.pipeline import Pipeline
from govtag.schema import DocumentResult

TOOLS: tuple[str, ...] = ("label-studio", "doccano")


def annotate_reports(paths: Sequence[Path], pipeline: Pipeline) -> list[DocumentResult]:
    """The pipeline's result for each report; two reports with the same id (file name) are refused."""
    documents = [load_path(path, limits=pipeline.config.ingest) for path in paths]
    seen: dict[str, str | None] = {}
    for document in documents:
        if document.id in seen:
            raise InputError(f"{document.source}: the document id {document.id!r} is also {seen[document.id]}'s")
        seen[document.id] = document.source
    return pipeline.annotate_documents(documents)


def render(results: Sequence[DocumentResult], tool: str) -> str:
    """The file a tool imports: a JSON array of tasks (Label Studio) or JSON Lines (doccano)."""
    if tool == "label-studio":
        tasks = [json.dumps(label_studio.task(r), ensure_ascii=False) for r in results]
        return "[\n" + ",\n".join(tasks) + "\n]\n"
    if tool == "doccano":
        return "".join(json.dumps(doccano.record(r), ensure_ascii=False) + "\n" for r in results)
    raise ValueError(f"unknown labelling tool {tool!r} (expected one of {', '.join(TOOLS)})")


def export_reports(
    paths: Sequence[Path],
    tool: str,
    pipeline: Pipeline,
    how: How | None = None,
    count: int | None = None,
    seed: int = 0,
) -> tuple[str, list[DocumentResult]]:
    """The file content for ``tool`` and the results it holds (``how``/``count``: only a selection of them)."""
    results = annotate_reports(paths, pipeline)
    if how is not None:
        results = select(results, how, count or len(results), seed)
    return render(results, tool), results
