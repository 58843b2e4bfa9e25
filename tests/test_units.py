"""The labelling workflow: units out, annotations in, gold with exact offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govtag.errors import GoldFormatError
from govtag.evaluate import evaluate, parse_annotated, read_annotated
from govtag.segment import SentenceSplitter
from govtag.types import Document
from govtag.units import gold_from_units, unit_rows
from tests.paths import SEEDS
from tests.test_cli import govtag


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _annotations_from_gold(gold, units: list[dict]) -> list[dict]:
    """What an annotator who agrees with the gold writes: a unit's label is the gold label
    of its first character, its entities the gold spans inside it, in order."""
    labels = {}
    for start, end, label in gold.segments:
        for i in range(start, end):
            labels[i] = label
    rows = []
    for unit in units:
        inside = sorted(e for e in gold.entities if unit["start"] <= e[0] and e[1] <= unit["end"])
        rows.append({"i": unit["i"], "label": labels.get(unit["start"], "other"),
                     "entities": [[t, gold.text[s:e]] for s, e, t in inside]})
    return rows


@pytest.fixture(scope="module")
def seed_gold():
    return next(d for d in read_annotated(SEEDS / "gold.jsonl") if d.id == "ludian-2020")


def _unit_files(tmp_path: Path, doc_id: str, text: str) -> tuple[Path, list[dict]]:
    units = unit_rows(SentenceSplitter().split(Document(doc_id, text)))
    (tmp_path / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    _write_jsonl(tmp_path / f"{doc_id}.units.jsonl", units)
    return tmp_path / f"{doc_id}.units.jsonl", units


def test_round_trip_reproduces_the_gold_entities_and_offsets(tmp_path, seed_gold):
    units_path, units = _unit_files(tmp_path, seed_gold.id, seed_gold.text)
    ann = tmp_path / f"{seed_gold.id}.ann.jsonl"
    _write_jsonl(ann, _annotations_from_gold(seed_gold, units))
    record = gold_from_units(seed_gold.id, seed_gold.text, units_path, ann)
    rebuilt = parse_annotated(record, "rebuilt")
    assert sorted(rebuilt.entities) == sorted(seed_gold.entities)
    for span in record["entities"] + record["segments"]:
        assert seed_gold.text[span["start"] : span["end"]].strip()
    scores = evaluate([seed_gold], [rebuilt])
    assert scores["entities"]["micro"]["f1"] == 1.0
    assert scores["labels"]["macro_f1"] > 0.97  # units may cut a gold segment; labels are per unit


def test_repeated_substrings_get_successive_offsets(tmp_path):
    text = "区司法局会同区司法局开展培训12次。\n下一步将继续。"
    units_path, units = _unit_files(tmp_path, "r", text)
    ann = tmp_path / "r.ann.jsonl"
    _write_jsonl(ann, [{"i": 0, "label": "achievement", "entities": [["ORG", "区司法局"], ["ORG", "区司法局"], ["NUM", "12次"]]},
                       {"i": 1, "label": "plan", "entities": []}])
    record = gold_from_units("r", text, units_path, ann)
    assert [(e["start"], e["end"]) for e in record["entities"]] == [(0, 4), (6, 10), (14, 17)]
    assert [s["label"] for s in record["segments"]] == ["achievement", "plan"]


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"i": 0, "label": "achievement", "entities": [["ORG", "市政府"]]}, {"i": 1, "label": "plan"}],
         "does not occur"),
        ([{"i": 0, "label": "achievement", "entities": [["ORG", "区司法局"], ["ORG", "区司法局"]]},
          {"i": 1, "label": "plan"}], "does not occur (again)"),
        ([{"i": 0, "label": "good", "entities": []}, {"i": 1, "label": "plan"}], "label 'good'"),
        ([{"i": 0, "label": "achievement", "entities": [["PER", "区司法局"]]}, {"i": 1, "label": "plan"}],
         "unknown entity type"),
        ([{"i": 0, "label": "achievement"}], "1 units have no annotation"),
        ([{"i": 1, "label": "plan"}], "expected the annotation of unit i=0"),
    ],
)
def test_bad_annotations_name_the_line(tmp_path, rows, message):
    text = "区司法局开展培训12次。\n下一步将继续。"
    units_path, _ = _unit_files(tmp_path, "r", text)
    ann = tmp_path / "r.ann.jsonl"
    _write_jsonl(ann, rows)
    with pytest.raises(GoldFormatError) as info:
        gold_from_units("r", text, units_path, ann)
    assert message in str(info.value)
    assert "r.ann.jsonl" in str(info.value)


def test_units_that_leave_text_uncovered_are_rejected(tmp_path):
    text = "第一句。\n第二句。"
    _write_jsonl(tmp_path / "r.units.jsonl", [{"i": 0, "start": 0, "end": 4}])
    _write_jsonl(tmp_path / "r.ann.jsonl", [{"i": 0, "label": "other"}])
    with pytest.raises(GoldFormatError, match="character 5"):
        gold_from_units("r", text, tmp_path / "r.units.jsonl", tmp_path / "r.ann.jsonl")


def test_cli_split_then_gold(tmp_path, seed_gold):
    report = SEEDS / "reports" / "ludian-2020.txt"
    proc = govtag("units", "split", str(report), "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr.decode()
    units = [json.loads(line) for line in (tmp_path / "ludian-2020.units.jsonl").read_text(encoding="utf-8").splitlines()]
    text = (tmp_path / "ludian-2020.txt").read_text(encoding="utf-8")
    assert all(text[u["start"] : u["end"]] == u["text"] for u in units)
    _write_jsonl(tmp_path / "ludian-2020.ann.jsonl", _annotations_from_gold(parse_annotated(
        {"id": "x", "text": text, "segments": [{"start": 0, "end": len(text), "label": "achievement"}]}, "x"), units))
    out = tmp_path / "gold.jsonl"
    proc = govtag("units", "gold", str(tmp_path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    [doc] = read_annotated(out)
    assert doc.text == text and len(doc.segments) == len(units)


def test_cli_gold_error_exit_code(tmp_path):
    (tmp_path / "r.txt").write_text("区司法局开展培训12次。", encoding="utf-8")
    _write_jsonl(tmp_path / "r.units.jsonl", [{"i": 0, "start": 0, "end": 12}])
    (tmp_path / "r.ann.jsonl").write_text('{"i": 0, "label": "achievement"}\n{oops\n', encoding="utf-8")
    proc = govtag("units", "gold", str(tmp_path), "-o", str(tmp_path / "gold.jsonl"))
    assert proc.returncode == 2
    assert b"r.ann.jsonl:2" in proc.stderr and b"Traceback" not in proc.stderr
    assert not (tmp_path / "gold.jsonl").exists()


def test_heldout_gold_is_rebuilt_exactly_from_its_unit_files():
    """seeds/heldout/gold.jsonl is what `govtag units gold` makes of the committed unit files."""
    folder = SEEDS / "heldout" / "units"
    committed = {json.loads(line)["id"]: json.loads(line)
                 for line in (SEEDS / "heldout" / "gold.jsonl").read_text(encoding="utf-8").splitlines()}
    assert len(committed) == 4
    for doc_id, record in committed.items():
        text = (folder / f"{doc_id}.txt").read_text(encoding="utf-8")
        rebuilt = gold_from_units(doc_id, text, folder / f"{doc_id}.units.jsonl", folder / f"{doc_id}.ann.jsonl")
        assert rebuilt == record
        covered = set()
        for seg in record["segments"]:
            covered.update(range(seg["start"], seg["end"]))
        assert all(i in covered for i, c in enumerate(text) if not c.isspace())


def test_cli_split_takes_folders_and_keeps_ids_unique(tmp_path):
    reports = tmp_path / "reports"
    for folder, text in (("2020", "一、工作开展情况\n区司法局开展培训12次。"), ("2021", "二、存在的问题\n执法队伍建设仍有差距。")):
        (reports / folder).mkdir(parents=True)
        (reports / folder / "report.txt").write_text(text, encoding="utf-8")
    (reports / "notes.xyz").write_text("not a report", encoding="utf-8")
    out = tmp_path / "units"
    proc = govtag("units", "split", str(reports), str(SEEDS / "reports" / "ludian-2020.txt"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert sorted(p.name for p in out.glob("*.units.jsonl")) == [
        "ludian-2020.units.jsonl", "report.units.jsonl", "report~2.units.jsonl"]
    assert (out / "report~2.txt").read_text(encoding="utf-8").startswith("二、存在的问题")
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = govtag("units", "split", str(empty), "-o", str(out))
    assert proc.returncode == 2 and b"no supported files" in proc.stderr


def test_a_document_id_in_two_gold_files_names_both_places(tmp_path):
    from govtag.evaluate import read_gold_files
    from govtag.training.examples import load_gold

    record = {"id": "r", "text": "区司法局开展培训12次。", "segments": [{"start": 0, "end": 12, "label": "achievement"}]}
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _write_jsonl(first, [{**record, "id": "q"}, record])
    _write_jsonl(second, [record])
    for read in (read_gold_files, load_gold):
        with pytest.raises(GoldFormatError) as info:
            read([first, second])
        assert f"{second}:1: the document id 'r' is also at {first}:2" in str(info.value)
    _write_jsonl(second, [record, record])
    with pytest.raises(GoldFormatError, match="b.jsonl:2: the document id 'r' is also at .*b.jsonl:1"):
        read_annotated(second)
    assert [doc.id for doc in read_gold_files([first])] == ["q", "r"]
