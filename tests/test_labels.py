"""The labelling round trip: export for Label Studio and doccano, import, and every check on the way back."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from govtag import ENTITY_TYPES, LABELS
from govtag.cli.main import main
from govtag.digest import text_sha256
from govtag.errors import GoldFormatError
from govtag.labels import doccano, label_studio
from govtag.labels.export import export_reports, render
from govtag.labels.importer import MAX_LISTED, read_labels
from govtag.labels.offsets import Utf16Offsets
from govtag.labels.select import select, sentence_entropy, uncertainty
from govtag.pipeline import Pipeline
from tests.paths import SEEDS

REPORTS = SEEDS / "reports"
# Two sentences and a heading; 𠀀 (U+20000) and 😀 lie outside the BMP, so after them
# a browser's UTF-16 offsets run ahead of Python's.
TEXT = "一、工作情况\n区政府印发《实施方案》。\n\n𠀀区司法局办理3件😀。下一步将继续推进。"


def _spans(text: str) -> dict[str, tuple[int, int]]:
    def at(part: str) -> tuple[int, int]:
        start = text.index(part)
        return start, start + len(part)

    return {name: at(part) for name, part in {
        "heading": "一、工作情况", "first": "区政府印发《实施方案》。", "second": "𠀀区司法局办理3件😀。",
        "third": "下一步将继续推进。", "区政府": "区政府", "实施方案": "实施方案", "区司法局": "区司法局", "3件": "3件",
    }.items()}


SPANS = _spans(TEXT)


def _region(region_id: str, control: str, span: tuple[int, int], name: str, text: str = TEXT, **value) -> dict:
    start, end = span
    return {"id": region_id, "from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [name], **value}}


def _good_result() -> list[dict]:
    return [
        _region("s0", "label", SPANS["heading"], "achievement"),
        _region("s1", "label", SPANS["first"], "achievement"),
        _region("s2", "label", SPANS["second"], "achievement"),
        _region("s3", "label", SPANS["third"], "plan"),
        _region("e0", "entity", SPANS["区政府"], "ORG"),
        _region("e1", "entity", SPANS["实施方案"], "POLICY"),
        _region("e2", "entity", SPANS["区司法局"], "ORG"),
        _region("e3", "entity", SPANS["3件"], "NUM"),
    ]


def _task(result: list[dict], task_id: int = 7, doc_id: str = "doc-1", text: str = TEXT, **data) -> dict:
    return {"id": task_id, "data": {"text": text, "id": doc_id, "text_sha256": text_sha256(text), **data},
            "annotations": [{"id": 100 + task_id, "result": result, "was_cancelled": False,
                             "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}],
            "predictions": []}


def _write(path: Path, content) -> Path:
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def _write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _problems(path: Path, fmt: str | None = None) -> list[str]:
    return read_labels([path], fmt).problems


# --- offsets -------------------------------------------------------------------------------------------


def test_utf16_offsets_match_the_utf16_encoding():
    utf16 = Utf16Offsets(TEXT)
    assert utf16.differs and utf16.utf16_length == len(TEXT.encode("utf-16-le")) // 2
    for index in range(len(TEXT) + 1):
        offset = len(TEXT[:index].encode("utf-16-le")) // 2
        assert utf16.to_utf16(index) == offset
        assert utf16.from_utf16(offset) == index
    astral = TEXT.index("𠀀")
    assert utf16.from_utf16(utf16.to_utf16(astral) + 1) is None  # between the two halves of 𠀀
    assert utf16.from_utf16(utf16.utf16_length + 1) is None


# --- a good Label Studio export --------------------------------------------------------------------------


def test_label_studio_annotation_becomes_gold(tmp_path):
    report = read_labels([_write(tmp_path / "ls.json", [_task(_good_result())])], "label-studio")
    assert report.problems == []
    [gold] = report.gold
    assert gold["id"] == "doc-1" and gold["text"] == TEXT
    assert [(s["start"], s["end"], s["label"]) for s in gold["segments"]] == [
        (*SPANS["heading"], "achievement"), (*SPANS["first"], "achievement"),
        (*SPANS["second"], "achievement"), (*SPANS["third"], "plan")]
    assert [(e["type"], e["text"]) for e in gold["entities"]] == [
        ("ORG", "区政府"), ("POLICY", "实施方案"), ("ORG", "区司法局"), ("NUM", "3件")]
    for entity in gold["entities"]:
        assert TEXT[entity["start"] : entity["end"]] == entity["text"]


def test_utf16_offsets_from_the_browser_are_detected_and_converted(tmp_path):
    utf16 = Utf16Offsets(TEXT)
    result = _good_result()
    for region in result:
        if region["id"] in ("s2", "s3", "e2", "e3"):  # after 𠀀: as a browser counts them
            value = region["value"]
            value["start"], value["end"] = utf16.to_utf16(value["start"]), utf16.to_utf16(value["end"])
    assert result[6]["value"]["start"] != SPANS["区司法局"][0]  # the counts really differ here
    report = read_labels([_write(tmp_path / "ls.json", [_task(result)])], "label-studio")
    assert report.problems == []
    assert any("task 7" in note and "4 span(s) counted in UTF-16" in note for note in report.notes)
    [gold] = report.gold
    expected = read_labels([_write(tmp_path / "plain.json", [_task(_good_result())])], "label-studio").gold[0]
    assert gold == expected
    assert {e["text"] for e in gold["entities"]} == {"区政府", "实施方案", "区司法局", "3件"}


# --- every validation error names the task and the reason -------------------------------------------------


def _edited(edit) -> list[dict]:
    result = _good_result()
    edit(result)
    return result


def _relabel(index: int, name: str):
    def edit(result):
        result[index]["value"]["labels"] = [name]
    return edit


def _set(index: int, **value):
    def edit(result):
        result[index]["value"].update(value)
    return edit


def _append(region: dict):
    return lambda result: result.append(region)


def _drop(index: int):
    return lambda result: result.pop(index)


@pytest.mark.parametrize(("edit", "message"), [
    (_relabel(1, "goal"), "region 's1': unknown label 'goal' (expected one of achievement, problem, plan, other)"),
    (_relabel(4, "PERSON"), "region 'e0': unknown entity type 'PERSON'"),
    (_set(4, labels=["ORG", "NUM"]), "region 'e0': expected exactly one label"),
    (_set(4, start=45, end=48), "region 'e0': entity 'ORG' at 45..48: out of range (the text has 41 characters)"),
    (_set(4, end=80), "region 'e0': entity 'ORG' at 7..80: out of range"),
    (_set(5, text="实施办法"), ("region 'e1': entity 'POLICY' at 13..17: the stated text '实施办法' does not match "
                              "the document's '实施方案'")),
    (_set(5, start=17, end=13), "entity 'POLICY' at 17..13: empty or reversed span"),
    (_set(5, start="13"), "offsets must be whole numbers"),
    (_append(_region("e9", "entity", SPANS["区政府"], "ORG")), ("region 'e9': entity 'ORG' at 7..10 duplicate of "
                                                             "region 'e0'")),
    (_append(_region("e9", "entity", (SPANS["区政府"][0], SPANS["区政府"][1] + 2), "ORG")), ("region 'e9': entity "
                                                                                       "'ORG' at 7..12 overlaps")),
    (_append(_region("s9", "label", SPANS["first"], "plan")), "labels the same span as region 's1'"),
    (_drop(3), "9 character(s) have no sentence label: 32..41 '下一步将继续推进。'"),
    (_append({"id": "c1", "from_name": "sentiment", "to_name": "text", "type": "choices",
              "value": {"choices": ["good"]}}), ("region 'c1': a 'choices' result from 'sentiment' to 'text' is not in "
                                                "the labelling config")),
])
def test_each_problem_names_the_file_task_region_and_reason(tmp_path, edit, message):
    path = _write(tmp_path / "ls.json", [_task(_edited(edit))])
    problems = _problems(path, "label-studio")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: task 7 (doc-1), annotation 107: ")
    assert message in problems[0]


def test_a_stated_text_that_matches_under_no_count_is_a_mismatch_not_a_conversion(tmp_path):
    utf16 = Utf16Offsets(TEXT)
    start, end = SPANS["区司法局"]
    bad = _set(6, start=utf16.to_utf16(start) + 1, end=utf16.to_utf16(end) + 1)  # off by one more
    problems = _problems(_write(tmp_path / "ls.json", [_task(_edited(bad))]), "label-studio")
    assert len(problems) == 1 and "region 'e2'" in problems[0] and "does not match" in problems[0]


def test_a_text_changed_since_export_is_refused(tmp_path):
    task = _task(_good_result())
    task["data"]["text_sha256"] = text_sha256(TEXT.replace("区政府", "县政府"))
    problems = _problems(_write(tmp_path / "ls.json", [task]), "label-studio")
    assert problems == [(f"{tmp_path / 'ls.json'}: task 7 (doc-1), annotation 107: the text differs from the text "
                        "that was exported (text_sha256 does not match)")]


def test_the_same_document_twice_is_refused(tmp_path):
    path = _write(tmp_path / "ls.json", [_task(_good_result(), 7), _task(_good_result(), 8)])
    problems = _problems(path, "label-studio")
    assert len(problems) == 1
    assert "task 8 (doc-1)" in problems[0] and "'doc-1' was already used by" in problems[0] and "task 7" in problems[0]


def test_all_problems_are_listed_capped_and_nothing_is_written(tmp_path, capsys):
    tasks = [_task(_edited(_relabel(1, "goal")), task_id=i, doc_id=f"doc-{i}") for i in range(MAX_LISTED + 10)]
    path = _write(tmp_path / "ls.json", tasks)
    out = tmp_path / "gold.jsonl"
    assert main(["labels", "import", str(path), "--from", "label-studio", "-o", str(out)]) == GoldFormatError.exit_code
    err = capsys.readouterr().err
    assert f"{MAX_LISTED + 10} problem(s) in the labels; nothing was written" in err
    assert "task 0 (doc-0)" in err and f"task {MAX_LISTED - 1} (doc-{MAX_LISTED - 1})" in err
    assert f"task {MAX_LISTED} (doc-{MAX_LISTED})" not in err and "... and 10 more" in err
    assert not out.exists()


def test_one_bad_document_keeps_the_good_ones_out_too(tmp_path, capsys):
    path = _write(tmp_path / "ls.json", [_task(_good_result(), 1, "a"), _task(_edited(_drop(0)), 2, "b")])
    out = tmp_path / "gold.jsonl"
    assert main(["labels", "import", str(path), "--from", "label-studio", "-o", str(out)]) != 0
    assert "task 2 (b)" in capsys.readouterr().err
    assert not out.exists()


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "ls.json"
    path.write_text('[\n{"id": 1,\n  "data": }\n]', encoding="utf-8")
    with pytest.raises(GoldFormatError, match=r"ls\.json:3: invalid JSON"):
        read_labels([path], "label-studio")


# --- choosing the annotation ------------------------------------------------------------------------------


def _three_annotations() -> dict:
    task = _task(_good_result())
    base = task["annotations"][0]
    older = {**copy.deepcopy(base), "id": 1, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00Z"}
    newer = {**copy.deepcopy(base), "id": 2, "created_at": "2026-01-02T00:00:00Z", "updated_at": "2026-01-03T00:00Z"}
    cancelled = {"id": 3, "result": [], "was_cancelled": True, "created_at": "2026-01-04T00:00:00Z"}
    older["result"][3]["value"]["labels"] = ["other"]
    newer["result"][3]["value"]["labels"] = ["problem"]
    task["annotations"] = [older, cancelled, newer]
    return task


@pytest.mark.parametrize(("choice", "label"), [("latest", "problem"), ("first", "other"), ("1", "other"),
                                                ("2,9", "problem")])
def test_the_annotation_is_chosen_and_cancelled_ones_are_ignored(tmp_path, choice, label):
    report = read_labels([_write(tmp_path / "ls.json", [_three_annotations()])], "label-studio", choice)
    assert report.problems == []
    assert report.gold[0]["segments"][3]["label"] == label


def test_tasks_without_an_annotation_are_skipped_with_a_note(tmp_path):
    unlabelled = {**_task(_good_result(), 8, "doc-2"), "annotations": []}
    report = read_labels([_write(tmp_path / "ls.json", [_task(_good_result()), unlabelled])], "label-studio")
    assert [g["id"] for g in report.gold] == ["doc-1"]
    assert any("task 8 (doc-2): no submitted annotation, skipped" in note for note in report.notes)
    report = read_labels([_write(tmp_path / "ls.json", [_task(_good_result())])], "label-studio", "5")
    assert report.gold == [] and "no such annotation" in report.notes[0]
    with pytest.raises(GoldFormatError, match="no labelled documents"):
        report.raise_for_problems()


# --- doccano and gold files -------------------------------------------------------------------------------


def _doccano_line(**changes) -> dict:
    utf16 = Utf16Offsets(TEXT)
    spans = [(SPANS[key], name) for key, name in [("heading", "achievement"), ("first", "achievement"),
                                                   ("second", "achievement"), ("third", "plan"), ("区政府", "ORG"),
                                                   ("实施方案", "POLICY"), ("区司法局", "ORG"), ("3件", "NUM")]]
    line = {"id": 12, "text": TEXT, "doc_id": "doc-1", "text_sha256": text_sha256(TEXT), "Comments": [],
            "label": [[utf16.to_utf16(s), utf16.to_utf16(e), name] for (s, e), name in spans]}
    line.update(changes)
    return line


def test_doccano_export_is_read_in_utf16_code_units(tmp_path):
    report = read_labels([_write_jsonl(tmp_path / "d.jsonl", [_doccano_line()])], "doccano")
    assert report.problems == []
    expected = read_labels([_write(tmp_path / "ls.json", [_task(_good_result())])], "label-studio").gold
    assert report.gold == expected


@pytest.mark.parametrize(("changes", "message"), [
    ({"label": [[0, 6, "achievement"], [0, 3, "PERSON"]]}, ("label #2: unknown label 'PERSON' (expected one of "
                                                          "achievement, problem, plan, other, ORG, DOC_NO, NUM, POLICY)")),
    ({"label": [[0, 6, "achievement"], [6, 1000, "plan"]]}, ("label #2: segment 'plan' at 6..1000: out of range "
                                                          "(UTF-16 offsets beyond the text's")),
    ({"label": [[0, 43, "other"], [22, 25, "ORG"]]}, ("label #2: entity 'ORG' at 22..25: out of range (UTF-16 offsets "
                                                     "inside a character outside the BMP)")),
    ({"label": "ORG"}, "label must be a list of [start, end, NAME]"),
    ({"text_sha256": "0" * 64}, "the text differs from the text that was exported"),
])
def test_doccano_problems_name_the_line(tmp_path, changes, message):
    path = _write_jsonl(tmp_path / "d.jsonl", [_doccano_line(), _doccano_line(doc_id="doc-2", **changes)])
    problems = _problems(path, "doccano")
    assert problems and all(p.startswith(f"{path}:2: ") for p in problems), problems
    assert any(message in p for p in problems), problems


def test_gold_files_are_checked_line_by_line(tmp_path, seed_gold, capsys):
    bad = copy.deepcopy(seed_gold[1])
    bad["entities"][0]["text"] = "别的机构"
    bad["segments"].pop(3)
    path = _write_jsonl(tmp_path / "gold.jsonl", [seed_gold[0], bad])
    problems = _problems(path)  # the format is told from the file
    assert len(problems) == 2 and all(p.startswith(f"{path}:2: ") for p in problems)
    assert "entities #1: entity 'ORG' at 0..7: the stated text '别的机构' does not match" in problems[0]
    assert "have no sentence label" in problems[1]
    assert main(["labels", "check", str(SEEDS / "gold.jsonl")]) == 0
    assert f"{len(seed_gold)} documents in 1 file(s): no problems" in capsys.readouterr().out


def test_seed_gold_survives_its_own_check_unchanged(seed_gold, tmp_path):
    report = read_labels([SEEDS / "gold.jsonl"], "gold")
    assert report.problems == []
    for mine, theirs in zip(report.gold, seed_gold, strict=True):
        assert mine["segments"] == sorted(theirs["segments"], key=lambda s: (s["start"], s["end"]))
        assert [(e["start"], e["end"], e["type"]) for e in mine["entities"]] == sorted(
            (e["start"], e["end"], e["type"]) for e in theirs["entities"])


# --- export, edit, import ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(rules_pipeline):
    content, results = export_reports([REPORTS / "ludian-2020.txt", REPORTS / "zhonglou-2020.txt"], "label-studio",
                                      rules_pipeline)
    return json.loads(content), results


def _edit_like_a_person(result: list[dict], text: str, gold: dict) -> tuple[list[dict], dict]:
    """Change one sentence's label, add an ORG the model missed (from the seed gold), delete one entity.

    Returns the edited result and the three regions concerned.
    """
    result = copy.deepcopy(result)
    sentence = next(r for r in result if r["from_name"] == "label" and r["value"]["labels"] == ["achievement"])
    sentence["value"]["labels"] = ["problem"]
    deleted = next(r for r in result if r["from_name"] == "entity" and r["value"]["labels"] == ["NUM"])
    result.remove(deleted)
    taken = [(r["value"]["start"], r["value"]["end"]) for r in result if r["from_name"] == "entity"]
    missed = next(e for e in gold["entities"]
                  if e["type"] == "ORG" and not any(s < e["end"] and e["start"] < end for s, end in taken))
    added = {"id": "new1", "from_name": "entity", "to_name": "text", "type": "labels",
             "value": {"start": missed["start"], "end": missed["end"], "text": text[missed["start"] : missed["end"]],
                       "labels": ["ORG"]}}
    result.append(added)
    return result, {"relabelled": sentence, "deleted": deleted, "added": added}


def _gold_of(result: list[dict], doc_id: str, text: str) -> dict:
    spans = sorted((r["value"]["start"], r["value"]["end"], r["from_name"], r["value"]["labels"][0]) for r in result)
    return {"id": doc_id, "text": text,
            "segments": [{"start": s, "end": e, "label": n} for s, e, c, n in spans if c == "label"],
            "entities": [{"start": s, "end": e, "type": n, "text": text[s:e]} for s, e, c, n in spans if c == "entity"]}


def test_label_studio_round_trip_equals_the_edited_gold(exported, tmp_path, seed_gold):
    tasks, results = exported
    assert [t["data"]["id"] for t in tasks] == ["ludian-2020", "zhonglou-2020"]
    expected = []
    for number, task in enumerate(tasks, start=1):
        task["id"] = number
        prediction = task["predictions"][0]
        assert prediction["model_version"] == "rules" and 0 <= prediction["score"] <= 1
        if number == 1:
            gold = next(g for g in seed_gold if g["id"] == task["data"]["id"])
            annotation_result, _ = _edit_like_a_person(prediction["result"], task["data"]["text"], gold)
        else:
            annotation_result = copy.deepcopy(prediction["result"])  # accepted as it is
        task["annotations"] = [{"id": 50 + number, "result": annotation_result, "was_cancelled": False,
                                "created_at": "2026-01-01T00:00:00Z", "prediction": prediction}]
        expected.append(_gold_of(annotation_result, task["data"]["id"], task["data"]["text"]))
    export = _write(tmp_path / "export.json", tasks)
    out = tmp_path / "gold.jsonl"
    assert main(["labels", "import", str(export), "--from", "label-studio", "-o", str(out)]) == 0
    gold = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert gold == expected
    unedited = {(s.start, s.end, s.label) for s in results[0].sentences}
    assert len({(s["start"], s["end"], s["label"]) for s in gold[0]["segments"]} - unedited) == 1


def test_doccano_round_trip_equals_the_edited_gold(rules_pipeline, tmp_path, seed_gold):
    content, results = export_reports([REPORTS / "ludian-2020.txt"], "doccano", rules_pipeline)
    [line] = [json.loads(x) for x in content.splitlines()]
    assert line["doc_id"] == "ludian-2020" and line["text_sha256"] == results[0].text_sha256
    names = {name for _, _, name in line["label"]}
    assert names <= set(LABELS) | set(ENTITY_TYPES) and "achievement" in names and "ORG" in names
    text = line["text"]
    # doccano's export: its own id, the metadata at the top level, the person's edits
    as_regions = [{"from_name": "label" if n in LABELS else "entity", "value": {"start": s, "end": e, "labels": [n]}}
                  for s, e, n in line["label"]]
    for region in as_regions:
        region["value"]["text"] = text[region["value"]["start"] : region["value"]["end"]]
    edited, _ = _edit_like_a_person(as_regions, text, next(g for g in seed_gold if g["id"] == "ludian-2020"))
    exported = {"id": 31, "text": text, "doc_id": line["doc_id"], "text_sha256": line["text_sha256"], "Comments": [],
                "label": [[r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]] for r in edited]}
    out = tmp_path / "gold.jsonl"
    assert main(["labels", "import", str(_write_jsonl(tmp_path / "admin.jsonl", [exported])), "--from", "doccano",
                 "-o", str(out)]) == 0
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == [
        _gold_of(edited, "ludian-2020", text)]


def test_doccano_export_writes_utf16_offsets(rules_pipeline):
    result = rules_pipeline.annotate("😀一、工作情况\n区政府印发《实施方案》。", doc_id="emoji")
    [line] = [json.loads(x) for x in render([result], "doccano").splitlines()]
    entity = next(e for e in result.entities if e.text == "区政府")
    assert [entity.start + 1, entity.end + 1, "ORG"] in line["label"]  # 😀 is two code units
    parsed = doccano.parse_record(line, "x:1")
    assert parsed.counting == "utf16" and parsed.doc_id == "emoji"


# --- the labelling config and the tasks agree -----------------------------------------------------------------


def test_config_matches_the_exported_tasks(exported, capsys):
    assert main(["labels", "config", "--to", "label-studio"]) == 0
    root = ET.fromstring(capsys.readouterr().out)
    controls = {c.get("name"): [label.get("value") for label in c] for c in root.iter("Labels")}
    assert controls == {"label": list(LABELS), "entity": list(ENTITY_TYPES)}
    assert all(c.get("toName") == "text" for c in root.iter("Labels"))
    [text] = root.iter("Text")
    assert (text.get("name"), text.get("value")) == ("text", "$text")
    tasks, _ = exported
    for task in tasks:
        for region in task["predictions"][0]["result"]:
            assert region["value"]["labels"][0] in controls[region["from_name"]]
            start, end = region["value"]["start"], region["value"]["end"]
            assert task["data"]["text"][start:end] == region["value"]["text"]


# --- selection -------------------------------------------------------------------------------------------------


def test_sentence_entropy_runs_from_certain_to_undecided():
    assert sentence_entropy({"achievement": 1.0, "problem": 0.0, "plan": 0.0, "other": 0.0}) == 0.0
    assert sentence_entropy({label: 0.25 for label in LABELS}) == pytest.approx(1.0)
    assert 0 < sentence_entropy({"achievement": 0.6, "problem": 0.4}) < 1


def test_uncertain_selection_picks_the_least_certain_documents(rules_pipeline):
    results = [rules_pipeline.annotate(text, doc_id=doc_id) for doc_id, text in [
        ("clear", "一、工作开展情况\n制定并印发了实施方案。"),
        ("mixed", "现将有关情况报告如下。下一步将继续推进。存在的问题仍然不少。"),
        ("plain", "区政府完成了各项工作。"),
    ]]
    scores = {r.id: uncertainty(r) for r in results}
    chosen = select(results, "uncertain", 1)
    assert [r.id for r in chosen] == [max(scores, key=scores.get)]
    assert len(select(results, "uncertain", 5)) == 3
    first = [r.id for r in select(results, "random", 2, seed=3)]
    assert first == [r.id for r in select(results, "random", 2, seed=3)] and len(first) == 2


def test_cli_export_selects_and_writes_tasks(tmp_path, capsys):
    out = tmp_path / "tasks.json"
    reports = [str(REPORTS / name) for name in ("ludian-2020.txt", "zhonglou-2020.txt", "ledu-2020.txt")]
    assert main(["labels", "export", *reports, "--to", "label-studio", "-o", str(out), "--backend", "rules",
                 "--select", "random", "2", "--seed", "1"]) == 0
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 2 and "2 of 3 reports written" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["labels", "export", *reports, "--to", "doccano", "-o", str(out), "--select", "most", "2"])


@pytest.mark.model
def test_export_with_the_default_model_carries_its_version(model_taggers, default_config):
    pipeline = Pipeline(default_config, tagger=model_taggers["merged"])
    content, results = export_reports([REPORTS / "ludian-2020.txt"], "label-studio", pipeline, "uncertain", 1)
    [task] = json.loads(content)
    prediction = task["predictions"][0]
    assert prediction["model_version"] == pipeline.model_version is not None
    assert prediction["score"] == pytest.approx(1 - uncertainty(results[0]), abs=1e-4)
    assert label_studio.parse_export([task], "t")[2] == ["t: task #1 (ludian-2020): no submitted annotation, skipped"]
