"""docs/output.md lists every field of a real output and every column of the tables; --no-text and percentages."""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow.parquet as pq
import pytest

from govtag.corpus.tables import TABLES
from tests.paths import ROOT, SEEDS
from tests.test_cli import govtag

DOC = ROOT / "docs" / "output.md"
SEED = SEEDS / "reports" / "yinzhou-2022.txt"
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+) \|", re.MULTILINE)


def documented(section: str) -> dict[str, str]:
    """``{field: type}`` of the table under the heading ``section`` of docs/output.md (each field once)."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n{section}\n") + len(section) + 2
    following = re.search(r"\n#+ ", text[start:])
    rows = ROW.findall(text[start : start + following.start()] if following else text[start:])
    fields = {name: kind.strip() for name, kind in rows}
    assert len(fields) == len(rows), f"a field is listed twice under {section}"
    return fields


def field_paths(value: Any, fields: dict[str, str], prefix: str = "") -> set[str]:
    """Every field path of a JSON value: ``a.b``, ``list[].c``; a ``map`` field's keys are not fields."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            if not fields.get(path, "").startswith("map"):
                paths |= field_paths(item, fields, path)
    elif isinstance(value, list):
        for item in value:
            paths |= field_paths(item, fields, f"{prefix}[]")
    return paths


@pytest.fixture(scope="module")
def seed_output() -> dict[str, Any]:
    proc = govtag("annotate", str(SEED), "--format", "json")  # the default model
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def test_every_field_of_a_real_output_is_documented(seed_output):
    fields = documented("## The JSON document")
    found = field_paths(seed_output, fields)
    assert seed_output["model_version"] and {"entities[].indicator.metric.text", "sentences[].scores"} <= found
    assert found - set(fields) == set(), "fields missing from docs/output.md"
    assert set(fields) - found <= {"entities[].indicator.period.start", "entities[].indicator.period.end",
                                   "entities[].indicator.period.text", "entities[].indicator.subject.start",
                                   "entities[].indicator.subject.end", "entities[].indicator.subject.text"} | {
        f for f in fields if f.startswith("metadata")}, "documented fields that a seed does not produce"


def test_every_column_of_the_tables_is_documented(tmp_path):
    out = tmp_path / "tables"
    proc = govtag("annotate", str(SEED), "--format", "parquet", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    for table in TABLES:
        columns = pq.read_table(out / table).column_names
        assert columns == list(documented(f"### {table}")), table


def test_the_source_of_a_web_page_and_its_metadata(tmp_path):
    page = tmp_path / "notice.html"
    page.write_bytes(
        "<html><head><meta charset='gb18030'><title>2020年法治政府建设年度报告</title></head><body>"
        "<h1>2020年法治政府建设年度报告</h1><div>来源：县司法局 发布时间：2021-03-05</div>"
        "<p>一、工作开展情况</p><p>全年办理行政复议案件22件，办结率达98.5%。</p></body></html>".encode("gb18030"))
    proc = govtag("annotate", str(page), "--backend", "rules")
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    assert result["source"] == {"path": str(page), "format": "html", "encoding": "gb18030"}
    assert result["metadata"].get("date") == "2021-03-05" and result["metadata"].get("source") == "县司法局"
    assert set(result["metadata"]) <= {"title", "source", "date"}


def test_no_text_leaves_out_every_text_of_the_document():
    proc = govtag("annotate", str(SEED), "--backend", "rules", "--no-text")
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    text = SEED.read_text(encoding="utf-8")
    assert result["text"] is None and result["sentences"] and result["summary"]["indicators"]
    assert all(sentence["text"] is None for sentence in result["sentences"])
    assert all(row["sentence"] is None for row in result["summary"]["indicators"])
    assert all(text[e["start"] : e["end"]] == e["text"] for e in result["entities"])
    refused = govtag("annotate", str(SEED), "--backend", "rules", "--no-text", "--format", "md")
    assert refused.returncode == 3 and b"--no-text" in refused.stderr


def test_percentages_keep_their_figure_and_give_the_ratio(rules_pipeline):
    result = rules_pipeline.annotate("一、工作开展情况\n办结率达58.75%，同比提高3个百分点，差错率为2‰，共办理案件12件。")
    values = {e.text: e.normalized for e in result.entities if e.type == "NUM"}
    assert (values["58.75%"].value, values["58.75%"].unit, values["58.75%"].ratio) == (58.75, "%", 0.5875)
    assert (values["2‰"].value, values["2‰"].unit, values["2‰"].ratio) == (2, "‰", 0.002)
    assert (values["3个百分点"].value, values["3个百分点"].ratio) == (3, None)
    assert (values["12件"].value, values["12件"].unit, values["12件"].ratio) == (12, "件", None)
    assert {row.text: row.value for row in result.summary.indicators}["58.75%"] == 58.75
