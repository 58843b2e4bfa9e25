"""``govtag annotate`` on corpora: JSON Lines inputs, tables, errors, and resuming a killed run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from govtag.corpus.inputs import count_corpus, iter_corpus
from tests.paths import ROOT, SEEDS

GOVTAG = str(Path(sys.executable).parent / "govtag")
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "reports.jsonl"


def govtag(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([GOVTAG, *args], input=stdin, capture_output=True, cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    """The first 24 reports of the shared corpus, in its own format (id, title, text, extra keys)."""
    path = tmp_path_factory.mktemp("corpus") / "reports.jsonl"
    with CORPUS.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for _, line in zip(range(24), source):
            out.write(line)
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_shapes_metadata_and_bad_lines(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("一、工作开展情况\n区司法局办理行政复议案件12件。", encoding="utf-8")
    corpus = tmp_path / "in.jsonl"
    corpus.write_text(
        "\n".join(
            [
                json.dumps({"id": "t1", "text": "下一步，我们将继续推进依法行政。", "title": "标题", "year": 2020}),
                json.dumps({"id": "p1", "path": "docs/a.txt"}),
                "{not json",
                json.dumps({"id": "x1", "body": "neither text nor path"}),
                json.dumps({"id": "gone", "path": "docs/missing.txt"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = govtag("annotate", str(corpus), "--backend", "rules", "--format", "parquet", "-o", str(out))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert "2 annotated, 3 failed, 0 skipped" in stderr
    errors = read_jsonl(out / "errors.jsonl")
    assert [e["id"] for e in errors] == ["in:3", "x1", "gone"]
    assert errors[0]["source"].endswith("in.jsonl:3") and "invalid JSON" in errors[0]["reason"]
    assert "neither 'text' nor 'path'" in errors[1]["reason"]
    assert "no such file" in errors[2]["reason"]
    documents = ds.dataset(out / "documents").to_table().to_pylist()
    by_id = {row["doc_id"]: row for row in documents}
    assert set(by_id) == {"t1", "p1"}
    assert json.loads(by_id["t1"]["metadata"]) == {"title": "标题", "year": 2020}
    assert by_id["p1"]["source"].endswith("in.jsonl:2")
    assert by_id["t1"]["n_plan"] == 1


def test_ids_are_unique_within_a_run(tmp_path: Path) -> None:
    for folder in ("2020", "2021"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text("区司法局办理案件12件。", encoding="utf-8")
    ids = [item.id for item in iter_corpus([str(tmp_path)])]
    assert ids == ["report", "report~2"]
    assert count_corpus([str(tmp_path)]) == 2


def test_tables_agree_with_the_jsonl_output_and_answer_a_duckdb_query(tmp_path: Path, small_corpus: Path) -> None:
    jsonl = tmp_path / "out.jsonl"
    tables = tmp_path / "tables"
    assert govtag("annotate", str(small_corpus), "--backend", "rules", "--format", "jsonl", "-o", str(jsonl)).returncode == 0
    proc = govtag("annotate", str(small_corpus), "--backend", "rules", "--format", "parquet", "-o", str(tables),
                  "--part-size", "5")
    assert proc.returncode == 0, proc.stderr.decode()
    results = read_jsonl(jsonl)
    assert len(results) == 24
    assert len(list((tables / "documents").glob("*.parquet"))) == 5  # 24 documents, 5 per part
    texts = {r["id"]: r["text"] for r in results}
    sentences = ds.dataset(tables / "sentences").to_table().to_pylist()
    entities = ds.dataset(tables / "entities").to_table().to_pylist()
    assert len(sentences) == sum(len(r["sentences"]) for r in results)
    assert len(entities) == sum(len(r["entities"]) for r in results)
    for row in sentences + entities:
        assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"]
    for row in entities:
        if row["sentence_index"] is not None:
            sentence = next(s for s in sentences if s["doc_id"] == row["doc_id"] and s["index"] == row["sentence_index"])
            assert sentence["start"] <= row["start"] < sentence["end"]
            assert sentence["label"] == row["sentence_label"]
    share = duckdb.sql(
        f"""
        SELECT doc_id, avg(CASE WHEN label = 'problem' THEN 1 ELSE 0 END) AS problem_share
        FROM read_parquet('{tables}/sentences/*.parquet') GROUP BY doc_id ORDER BY problem_share DESC LIMIT 1
        """
    ).fetchall()
    top = share[0][0]
    expected = max(results, key=lambda r: sum(s["label"] == "problem" for s in r["sentences"]) / len(r["sentences"]))
    assert top == expected["id"]


def test_csv_tables(tmp_path: Path) -> None:
    out = tmp_path / "csv"
    proc = govtag("annotate", str(SEEDS / "reports"), "--backend", "rules", "--format", "csv", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    rows = duckdb.sql(f"SELECT count(*), count(DISTINCT doc_id) FROM read_csv_auto('{out}/sentences/*.csv')").fetchall()[0]
    assert rows[1] == len(list((SEEDS / "reports").glob("*.txt")))
    heading = duckdb.sql(
        f"SELECT heading_path FROM read_csv_auto('{out}/sentences/*.csv') WHERE heading_path LIKE '% > %' LIMIT 1"
    ).fetchall()
    assert heading


def test_resume_refuses_formats_that_cannot_resume(tmp_path: Path) -> None:
    proc = govtag("annotate", str(SEEDS / "reports"), "--backend", "rules", "--resume", "-o", str(tmp_path / "a.json"))
    assert proc.returncode == 3
    assert "--resume needs --format jsonl, parquet, csv" in proc.stderr.decode()


def _kill_when(process: subprocess.Popen, ready, timeout: float = 300.0) -> None:
    """SIGKILL ``process`` as soon as ``ready()`` holds (checked every 20 ms)."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_a_killed_run_resumes_to_the_uninterrupted_output(tmp_path: Path, small_corpus: Path, fmt: str) -> None:
    def command(out: Path, *extra: str) -> list[str]:
        return [GOVTAG, "annotate", str(small_corpus), "--backend", "rules", "--format", fmt, "-o", str(out),
                "--part-size", "3", *extra]

    reference, killed = tmp_path / f"ref.{fmt}", tmp_path / f"killed.{fmt}"
    assert subprocess.run(command(reference), capture_output=True, cwd=ROOT).returncode == 0

    def halfway() -> bool:
        if fmt == "jsonl":
            return killed.is_file() and killed.read_bytes().count(b"\n") >= 8
        return len(list((killed / "documents").glob(f"*.{fmt}"))) >= 3 if killed.is_dir() else False

    process = subprocess.Popen(command(killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _kill_when(process, halfway)

    if fmt == "jsonl":  # only whole records, except perhaps a last line cut by the kill
        lines = killed.read_bytes().split(b"\n")
        for line in lines[:-1]:
            json.loads(line)
        done_before = len(lines) - 1
    else:
        done_before = ds.dataset(killed / "documents", format=fmt).count_rows()
    assert 0 < done_before < 24

    resumed = subprocess.run(command(killed, "--resume"), capture_output=True, cwd=ROOT)
    stderr = resumed.stderr.decode()
    assert resumed.returncode == 0, stderr
    assert f"{24 - done_before} annotated, 0 failed, {done_before} skipped" in stderr
    if fmt == "jsonl":
        assert killed.read_bytes() == reference.read_bytes()
    else:
        for table in ("documents", "sentences", "entities"):
            key = ["doc_id", "start", "end"] if table != "documents" else ["doc_id"]
            ours = ds.dataset(killed / table, format=fmt).to_table().sort_by([(k, "ascending") for k in key])
            theirs = ds.dataset(reference / table, format=fmt).to_table().sort_by([(k, "ascending") for k in key])
            assert ours.equals(theirs), table


@pytest.mark.model
def test_worker_processes_write_what_one_process_writes(tmp_path: Path, small_corpus: Path) -> None:
    """--workers 2: two tagging processes, the same bytes in the same order as one process (default model)."""
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = govtag("annotate", str(small_corpus), "--format", "jsonl", "-o", str(one), "--quiet")
    assert first.returncode == 0, first.stderr.decode()
    second = govtag("annotate", str(small_corpus), "--format", "jsonl", "-o", str(two), "--workers", "2")
    assert second.returncode == 0, second.stderr.decode()
    assert "24 annotated, 0 failed" in second.stderr.decode()
    assert two.read_bytes() == one.read_bytes()


def test_workers_with_a_missing_model_fail_once_and_clearly(tmp_path: Path) -> None:
    config = tmp_path / "govtag.yaml"
    config.write_text(f"model:\n  registry: {tmp_path / 'no-models'}\n", encoding="utf-8")
    proc = govtag("annotate", str(SEEDS / "reports"), "--format", "jsonl", "-o", str(tmp_path / "o.jsonl"),
                  "--workers", "2", "--config", str(config))
    assert proc.returncode == 4, proc.stderr.decode()
    assert proc.stderr.decode().count("govtag: error:") == 1
    assert "Traceback" not in proc.stderr.decode()
