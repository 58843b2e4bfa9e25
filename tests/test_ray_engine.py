"""``govtag annotate --engine ray``: a real local Ray instance, the same output as the local engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests.paths import ROOT, SEEDS

GOVTAG = str(Path(sys.executable).parent / "govtag")

pytestmark = [pytest.mark.model, pytest.mark.slow]


def annotate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([GOVTAG, "annotate", *args], capture_output=True, cwd=ROOT, timeout=900)


def test_ray_output_equals_the_local_output_on_the_seeds(tmp_path: Path) -> None:
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    reports = str(SEEDS / "reports")
    first = annotate(reports, "--format", "jsonl", "-o", str(local))
    assert first.returncode == 0, first.stderr.decode()
    second = annotate(reports, "--format", "jsonl", "-o", str(on_ray), "--engine", "ray", "--workers", "2")
    assert second.returncode == 0, second.stderr.decode()
    assert on_ray.read_bytes() == local.read_bytes()
    results = [json.loads(line) for line in local.read_text(encoding="utf-8").splitlines()]
    assert len(results) == len(list((SEEDS / "reports").glob("*.txt")))
    assert {r["backend"] for r in results} == {"merged"}


def test_ray_tables_resume_and_errors(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted((SEEDS / "reports").glob("*.txt"))[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "empty.txt").write_text(" \n", encoding="utf-8")
    out = tmp_path / "tables"
    run = annotate(str(folder), "--backend", "rules", "--format", "parquet", "-o", str(out), "--engine", "ray")
    assert run.returncode == 2, run.stderr.decode()
    assert "3 annotated, 1 failed, 0 skipped" in run.stderr.decode()
    assert [json.loads(line)["id"] for line in (out / "errors.jsonl").read_text().splitlines()] == ["empty"]
    local = tmp_path / "local"
    annotate(str(folder), "--backend", "rules", "--format", "parquet", "-o", str(local))
    for table in ("documents", "sentences", "entities"):
        assert ds.dataset(out / table).to_table().equals(ds.dataset(local / table).to_table()), table
    again = annotate(str(folder), "--backend", "rules", "--format", "parquet", "-o", str(out), "--engine", "ray",
                     "--resume")
    assert "0 annotated, 1 failed, 3 skipped" in again.stderr.decode()


def test_ray_in_chunks_writes_what_one_pipeline_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver hands Ray a chunk at a time (memory stays flat); the output does not show the seams."""
    from govtag.corpus import ray_engine
    from govtag.corpus.inputs import iter_corpus
    from govtag.corpus.progress import Progress
    from govtag.corpus.sinks import ErrorLog, JsonlSink

    local = tmp_path / "local.jsonl"
    assert annotate(str(SEEDS / "reports"), "--backend", "rules", "--format", "jsonl", "-o", str(local)).returncode == 0
    monkeypatch.setattr(ray_engine, "RAY_CHUNK_DOCUMENTS", 2)  # five reports: three pipelines
    chunked = tmp_path / "chunked.jsonl"
    sink = JsonlSink(chunked)
    summary = ray_engine.annotate_corpus_on_ray(
        iter_corpus([str(SEEDS / "reports")]), str(ROOT / "configs" / "govtag.yaml"), "rules", "torch", sink,
        ErrorLog(None), Progress(5, enabled=False), workers=1,
    )
    sink.close()
    assert (summary.succeeded, summary.failed) == (5, 0)
    assert chunked.read_bytes() == local.read_bytes()
