"""The ``govtag`` console command, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT, SEEDS

GOVTAG = str(Path(sys.executable).parent / "govtag")


def govtag(*args: str, stdin: bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([GOVTAG, *args], input=stdin, capture_output=True, cwd=cwd, timeout=300)


def test_annotate_one_file_json():
    proc = govtag("annotate", str(SEEDS / "reports" / "ludian-2020.txt"), "--backend", "rules", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    text = result["text"]
    assert result["id"] == "ludian-2020" and result["backend"] == "rules"
    for item in result["sentences"] + result["entities"]:
        assert text[item["start"] : item["end"]] == item["text"]
    assert "鲁政办发〔2019〕63号" in {e["text"] for e in result["entities"] if e["type"] == "DOC_NO"}


def test_folder_with_a_bad_file_keeps_going(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("一、工作开展情况\n印发《实施方案》，办理案件12件。", encoding="utf-8")
    (folder / "b.txt").write_bytes("下一步，我们将继续推进依法行政。".encode("gbk"))
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = govtag("annotate", str(folder), "--backend", "rules", "--format", "jsonl", "-o", str(out))
    assert proc.returncode != 0
    assert b"empty" in proc.stderr
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["a", "b"]
    assert results[1]["sentences"][0]["label"] == "plan"
    assert results[1]["text"] == "下一步，我们将继续推进依法行政。"


def test_missing_file_exit_code_and_message(tmp_path):
    proc = govtag("annotate", str(tmp_path / "nope.txt"), "--backend", "rules")
    assert proc.returncode == 2
    assert b"nope.txt" in proc.stderr and b"Traceback" not in proc.stderr


def test_glob_and_markdown(tmp_path):
    out = tmp_path / "seeds.md"
    proc = govtag("annotate", str(SEEDS / "reports" / "l*.txt"), "--backend", "rules", "--format", "md", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    report = out.read_text(encoding="utf-8")
    assert "# ledu-2020" in report and "# ludian-2020" in report
    assert "## Achievements" in report and "**DOC_NO**" in report and "| metric |" in report


def test_stdin():
    proc = govtag("annotate", "-", "--backend", "rules", "--no-text", stdin="存在的问题：执法队伍力量薄弱。".encode())
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    assert result["id"] == "stdin" and result["text"] is None and len(result["text_sha256"]) == 64


def test_evaluate_prints_table_and_writes_json(tmp_path):
    out = tmp_path / "scores.json"
    proc = govtag("evaluate", "--gold", str(SEEDS / "gold.jsonl"), "--backend", "rules", "--json", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"macro-F1" in proc.stdout and b"DOC_NO" in proc.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["entities"]["per_type"]["DOC_NO"]["f1"] >= 0.95


def test_evaluate_per_document(tmp_path):
    out = tmp_path / "scores.json"
    proc = govtag("evaluate", "--gold", str(SEEDS / "gold.jsonl"), "--backend", "rules", "--per-document",
                  "--json", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(out.read_text(encoding="utf-8"))
    assert list(report["per_document"]) == report["documents"]
    for doc_id, scores in report["per_document"].items():
        assert doc_id.encode() in proc.stdout
        assert 0.0 <= scores["label_macro_f1"] <= 1.0
    assert min(s["label_macro_f1"] for s in report["per_document"].values()) <= report["labels"]["macro_f1"] + 0.05


def test_evaluate_a_prediction_file_round_trip(tmp_path):
    pred = tmp_path / "pred.jsonl"
    proc = govtag("annotate", str(SEEDS / "reports"), "--backend", "rules", "--format", "jsonl", "-o", str(pred))
    assert proc.returncode == 0, proc.stderr.decode()
    proc = govtag("evaluate", "--gold", str(SEEDS / "gold.jsonl"), "--pred", str(pred))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"system: " + str(pred).encode() in proc.stdout


def test_evaluate_bad_gold_line(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "text": "x", "segments": []}\n{oops\n', encoding="utf-8")
    proc = govtag("evaluate", "--gold", str(gold), "--backend", "rules")
    assert proc.returncode == 2
    assert b"gold.jsonl:2" in proc.stderr


def test_help_is_written_for_users() -> None:
    for command in ("annotate", "evaluate", "train", "crossval", "pretrain", "model", "serve", "units", "labels",
                    "indicators"):
        proc = govtag(command, "--help")
        assert proc.returncode == 0, command
        shown = proc.stdout.decode()
        assert "``" not in shown and ":func:" not in shown and ":mod:" not in shown, command
