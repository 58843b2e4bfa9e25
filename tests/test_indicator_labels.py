"""The indicator relation: worksheets out, annotations in, a gold file with exact offsets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from govtag.errors import GoldFormatError
from govtag.evaluate import AnnotatedDoc, read_annotated
from govtag.indicator_labels import (
    KINDS,
    build_folder,
    build_indicators,
    read_indicators,
    worksheet_rows,
)
from tests.paths import ROOT, SEEDS
from tests.test_cli import govtag

# ludian-2020 labelled by docs/indicators.md: n -> (metric, kind, period, subject[, extra keys])
LUDIAN = {
    1: ("相关单位和部门", "count", "2019年4月", None),
    2: ("协调小组", "count", None, "委员会", {"subject_occurrence": 1}),
    3: ("承接上级下放行政职权", "count", None, None),
    4: ("调整", "count", None, None),
    5: ("取消", "count", None, None),
    6: ("承接并指派实施主体的事项", "count", "截至目前", None),
    7: ("二级及以上办理深度的事项", "count", "截至目前", None),
    8: ("网上可办率", "rate", "截至目前", None),
    9: ("跑动次数为0和1的事项数量", "count", None, None),
    10: ("“最多跑一次”率", "rate", None, None),
    11: ("“一网通办率”", "rate", None, None),
    12: ("审批时限", "change", None, None),
    13: ("办件数量", "rate", None, None),
    14: ("行政审批事项实际提前率", "rate", None, None),
    15: ("行政诉讼案件", "count", "2019年至今", None),
    16: ("败诉", "count", "2019年至今", None),
    17: ("梳理了本系统行业法律法规", "count", "2018年", None),
    18: ("学习法律法规", "count", "自2016年以来", "各级党组织理论学习中心组"),
    19: ("邀请举办普法讲座", "count", None, None),
    20: ("参加干部", "count", None, None),
    21: ("各类法治宣讲", "count", "“七五普法”期间", None),
    22: ("受教育群众", "count", "“七五普法”期间", None),
    23: ("兼职人员", "count", "目前", "这两个办公室"),
    24: ("兼职人员", "target", None, None),
    25: ("工作经费", "target", "每年", "依法治县委员会", {"metric_occurrence": 3}),
    26: ("依法治县委员会办公室、法治政府建设工作经费", "target", "每年", None),
    27: ("行政执法培训经费", "target", "每年", None),
    28: ("行政执法考试经费", "target", "每年", None),
    29: ("依法治县、行政执法督查工作经费", "target", "每年", None),
    30: ("行政应诉经费", "target", "每年", None),
}


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _rows(labels: dict[int, tuple]) -> list[dict]:
    rows = []
    for n, (metric, kind, period, subject, *extra) in sorted(labels.items()):
        rows.append({"n": n, "metric": metric, "kind": kind, "period": period, "subject": subject,
                     **(extra[0] if extra else {})})
    return rows


@pytest.fixture(scope="module")
def seeds() -> dict[str, AnnotatedDoc]:
    return {doc.id: doc for doc in read_annotated(SEEDS / "gold.jsonl")}


@pytest.fixture(scope="module")
def ludian(seeds) -> AnnotatedDoc:
    return seeds["ludian-2020"]


def _sentence_of(doc: AnnotatedDoc, start: int, end: int) -> tuple[int, int]:
    return next((s, e) for s, e, _ in doc.segments if s <= start and end <= e)


# -- worksheets ---------------------------------------------------------------------------------------------


def test_worksheet_lists_every_gold_num_in_text_order_with_its_marked_sentence(seeds):
    for doc in seeds.values():
        rows = worksheet_rows(doc)
        nums = sorted((s, e) for s, e, t in doc.entities if t == "NUM")
        assert [(r["start"], r["end"]) for r in rows] == nums
        assert [r["n"] for r in rows] == list(range(1, len(nums) + 1))
        for row in rows:
            assert set(row) == {"n", "start", "end", "num", "sentence"}  # no segment label
            assert doc.text[row["start"] : row["end"]] == row["num"]
            s, e = _sentence_of(doc, row["start"], row["end"])
            assert row["sentence"].count("⟦") == 1 and row["sentence"].count("⟧") == 1
            assert row["sentence"].replace("⟦", "").replace("⟧", "") == doc.text[s:e]
            assert f"⟦{row['num']}⟧" in row["sentence"]
            assert row["sentence"].index("⟦") == row["start"] - s


def test_worksheet_marks_only_its_own_num_in_a_shared_sentence(ludian):
    rows = worksheet_rows(ludian)
    assert rows[2]["sentence"] == "已承接上级下放行政职权⟦19项⟧,调整463项,取消26项;"
    assert rows[3]["sentence"] == "已承接上级下放行政职权19项,调整⟦463项⟧,取消26项;"


def test_a_num_across_two_segments_is_refused():
    doc = AnnotatedDoc("r", "共12件。3件", [(0, 5, "achievement"), (5, 7, "achievement")], [(3, 6, "NUM")])
    with pytest.raises(GoldFormatError, match="lies in no single segment"):
        worksheet_rows(doc)


# -- building: offsets --------------------------------------------------------------------------------------


def test_ludian_labels_resolve_to_the_phrases_in_each_sentence(tmp_path, ludian):
    ind = tmp_path / "ludian-2020.ind.jsonl"
    _write_jsonl(ind, _rows(LUDIAN))
    record, _ = build_indicators(ludian, ind)
    assert record["id"] == "ludian-2020" and len(record["indicators"]) == 30
    for n, item in enumerate(record["indicators"], start=1):
        num = item["num"]
        s, e = _sentence_of(ludian, num["start"], num["end"])
        assert ludian.text[num["start"] : num["end"]] == num["text"]
        metric, kind, period, subject = LUDIAN[n][:4]
        assert item["kind"] == kind
        for field, expected in (("metric", metric), ("period", period), ("subject", subject)):
            span = item[field]
            if expected is None:
                assert span is None
                continue
            assert span["text"] == expected == ludian.text[span["start"] : span["end"]]
            assert s <= span["start"] and span["end"] <= e
            assert span["end"] <= num["start"] or num["end"] <= span["start"]


def test_the_nearest_occurrence_is_taken_and_noted(tmp_path, seeds):
    doc = seeds["rongchang-2019"]
    rows = [{"n": n, "metric": None, "kind": "count", "period": None, "subject": None} for n in range(1, 80)]
    rows[78] = {"n": 79, "metric": "领导干部", "kind": "count", "period": "2019年", "subject": None}
    ind = tmp_path / "rongchang-2019.ind.jsonl"
    _write_jsonl(ind, rows)
    record, notes = build_indicators(doc, ind)
    item = record["indicators"][78]
    assert item["num"]["text"] == "236名"
    assert item["metric"]["start"] == item["num"]["end"]  # 领导干部 right after ⟦236名⟧, not the earlier ones
    s, _ = _sentence_of(doc, item["num"]["start"], item["num"]["end"])
    sentence = doc.text[s : item["num"]["start"]]
    second = sentence.index("2019年", sentence.index("2019年") + 1)
    assert item["period"]["start"] == s + second  # the nearer 2019年, in 134名's clause
    assert any("ind.jsonl:79" in note and "'领导干部' occurs" in note for note in notes)
    assert any("'2019年' occurs 2 times" in note and "took occurrence 2" in note for note in notes)


def test_an_occurrence_number_picks_the_kth_occurrence(tmp_path, seeds):
    doc = seeds["yinzhou-2022"]
    rows = [{"n": n, "metric": None, "kind": "count", "period": None, "subject": None} for n in range(1, 83)]
    ind = tmp_path / "yinzhou-2022.ind.jsonl"
    rows[18] = {"n": 19, "metric": "合格案卷数", "kind": "rate", "period": None, "subject": None}
    _write_jsonl(ind, rows)
    nearest = build_indicators(doc, ind)[0]["indicators"][18]
    rows[18]["metric_occurrence"] = 1
    _write_jsonl(ind, rows)
    first, notes = build_indicators(doc, ind)
    chosen = first["indicators"][18]
    assert chosen["num"]["text"] == "67\u00a0%"  # a no-break space, as in the report
    assert doc.text[nearest["metric"]["start"] - 1] == "不"  # nearest: inside 不合格案卷数, after the figure
    assert chosen["metric"]["end"] < chosen["num"]["start"]  # the 1st: 合格案卷数⟦424卷⟧ before it
    assert doc.text[chosen["metric"]["end"] : chosen["num"]["start"]] == "424卷占比"
    assert not any("ind.jsonl:19" in note for note in notes)


def test_a_tie_goes_to_the_occurrence_before_the_figure(tmp_path):
    text = "案件受理⟦x⟧受理案件。".replace("⟦x⟧", "5件")
    doc = AnnotatedDoc("r", text, [(0, len(text), "achievement")], [(4, 6, "NUM")])
    ind = tmp_path / "r.ind.jsonl"
    _write_jsonl(ind, [{"n": 1, "metric": "受理", "kind": "count", "period": None, "subject": None}])
    record, _ = build_indicators(doc, ind)
    assert (record["indicators"][0]["metric"]["start"], record["indicators"][0]["metric"]["end"]) == (2, 4)


def _doc_examples() -> dict[str, dict[int, dict]]:
    """The worked examples of docs/indicators.md, section 7, as annotation lines per document."""
    cell = re.compile(r"^`([^`]+)`(?: \((\d+)(?:st|nd|rd|th)\))?$")
    examples: dict[str, dict[int, dict]] = {}
    for line in (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        source = re.fullmatch(r"([a-z0-9-]+) #(\d+)", cells[0]) if line.startswith("| ") else None
        if source is None:
            continue
        row: dict = {"n": int(source[2]), "kind": cells[3]}
        for field, value in zip(("metric", "period", "subject"), (cells[2], cells[4], cells[5])):
            if value == "—":
                row[field] = None
                continue
            match = cell.match(value)
            assert match, f"bad cell {value!r} in: {line}"
            row[field] = match[1]
            if match[2]:
                row[f"{field}_occurrence"] = int(match[2])
        assert row["n"] not in examples.setdefault(source[1], {}), f"example given twice: {line}"
        examples[source[1]][row["n"]] = row
    return examples


def test_every_worked_example_of_the_guideline_resolves_in_its_sentence(tmp_path, seeds):
    examples = _doc_examples()
    assert sum(len(rows) for rows in examples.values()) >= 25 and set(examples) <= set(seeds)
    for doc_id, rows in examples.items():
        doc = seeds[doc_id]
        count = len(worksheet_rows(doc))
        lines = [rows.get(n, {"n": n, "metric": None, "kind": "count", "period": None, "subject": None})
                 for n in range(1, count + 1)]
        ind = tmp_path / f"{doc_id}.ind.jsonl"
        _write_jsonl(ind, lines)
        record, _ = build_indicators(doc, ind)
        for n, row in rows.items():
            item = record["indicators"][n - 1]
            assert item["kind"] == row["kind"] in KINDS
            for field in ("metric", "period", "subject"):
                assert (item[field] or {}).get("text") == row[field], f"{doc_id} #{n} {field}"
            for field in ("metric", "period", "subject"):
                if f"{field}_occurrence" not in row:
                    continue
                without = {k: v for k, v in row.items() if k != f"{field}_occurrence"}
                _write_jsonl(ind, [without if line["n"] == n else line for line in lines])
                nearest = build_indicators(doc, ind)[0]["indicators"][n - 1][field]
                assert nearest["start"] != item[field]["start"], f"{doc_id} #{n}: {field}_occurrence changes nothing"
                _write_jsonl(ind, lines)


def test_the_annotation_line_examples_of_the_guideline_build(tmp_path, seeds):
    """Section 8.2 shows three lines of real documents; each must build as printed."""
    guide = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    block = guide.split("Examples (rongchang-2019 #64, yinzhou-2022 #19, ludian-2020 #25):")[1]
    lines = [json.loads(li) for li in block.split("```json")[1].split("```")[0].strip().splitlines()]
    built = {}
    for doc_id, line in zip(("rongchang-2019", "yinzhou-2022", "ludian-2020"), lines, strict=True):
        count = len(worksheet_rows(seeds[doc_id]))
        rows = [line if n == line["n"] else {"n": n, "metric": None, "kind": "count", "period": None, "subject": None}
                for n in range(1, count + 1)]
        _write_jsonl(tmp_path / f"{doc_id}.ind.jsonl", rows)
        built[doc_id] = build_indicators(seeds[doc_id], tmp_path / f"{doc_id}.ind.jsonl")[0]["indicators"][line["n"] - 1]
    assert built["rongchang-2019"]["metric"]["text"] == "出庭率" and built["rongchang-2019"]["kind"] == "rate"
    assert built["yinzhou-2022"]["metric"]["end"] < built["yinzhou-2022"]["num"]["start"]
    assert built["ludian-2020"]["metric"]["start"] > built["ludian-2020"]["num"]["end"] + 50  # past the breakdown


# -- building: errors ---------------------------------------------------------------------------------------


def _bad(rows: list[dict], at: int, **change) -> list[dict]:
    return [{**row, **change} if row["n"] == at else row for row in rows]


@pytest.mark.parametrize(
    "mutate, message, line",
    [
        (lambda rows: _bad(rows, 3, kind="level"), "unknown kind 'level'", 3),
        (lambda rows: _bad(rows, 3, metric="收到行政复议申请"), "does not occur in the sentence", 3),
        (lambda rows: _bad(rows, 3, metric="职权19项"), "overlaps the NUM '19项'", 3),
        (lambda rows: _bad(rows, 3, metric="⟦19项⟧"), "contains the marks", 3),
        (lambda rows: _bad(rows, 3, metric=""), "non-empty substring", 3),
        (lambda rows: _bad(rows, 3, period=2019), "non-empty substring", 3),
        (lambda rows: _bad(rows, 3, metric_occurrence=2), "must be a whole number from 1 to 1", 3),
        (lambda rows: _bad(rows, 3, period_occurrence=1), "period_occurrence is given but period is null", 3),
        (lambda rows: _bad(rows, 3, num="463项"), "is not the worksheet's NUM '19项'", 3),
        (lambda rows: _bad(rows, 3, metrc="x"), "unknown field(s) metrc", 3),
        (lambda rows: _bad(rows, 18, period="法律法规"), "metric '学习法律法规' and period '法律法规' overlap", 18),
        (lambda rows: [{k: v for k, v in r.items() if k != "kind" or r["n"] != 4} for r in rows], "kind is missing", 4),
        (lambda rows: _bad(rows, 5, n=4), "n=4 is annotated twice (first at", 5),
        (lambda rows: _bad(rows, 5, n="5"), "n must be the NUM's number", 5),
        (lambda rows: rows + [{"n": 31, "metric": None, "kind": "count", "period": None, "subject": None}],
         "n=31 is not a NUM of this document (it has 30", 31),
    ],
)
def test_bad_annotation_lines_name_the_file_and_line(tmp_path, ludian, mutate, message, line):
    ind = tmp_path / "ludian-2020.ind.jsonl"
    _write_jsonl(ind, mutate(_rows(LUDIAN)))
    with pytest.raises(GoldFormatError) as info:
        build_indicators(ludian, ind)
    assert message in str(info.value)
    assert f"ludian-2020.ind.jsonl:{line}:" in str(info.value)


def test_an_occurrence_on_the_num_itself_is_refused(tmp_path, ludian):
    ind = tmp_path / "ludian-2020.ind.jsonl"
    rows = _bad(_rows(LUDIAN), 4, metric="项", metric_occurrence=2)  # 19项, 463项, 26项: the 2nd is the NUM
    _write_jsonl(ind, rows)
    with pytest.raises(GoldFormatError, match=r"ludian-2020\.ind\.jsonl:4: n=4: occurrence 2 of metric '项' overlaps"):
        build_indicators(ludian, ind)


def test_missing_lines_and_bad_json_are_reported_with_the_file(tmp_path, ludian):
    ind = tmp_path / "ludian-2020.ind.jsonl"
    _write_jsonl(ind, [r for r in _rows(LUDIAN) if r["n"] not in (7, 30)])
    with pytest.raises(GoldFormatError, match=r"ludian-2020\.ind\.jsonl: 28 lines for 30 NUMs; no line for n=7, 30"):
        build_indicators(ludian, ind)
    ind.write_text('{"n": 1, "metric": null, "kind": "count", "period": null, "subject": null}\n{oops\n',
                   encoding="utf-8")
    with pytest.raises(GoldFormatError, match=r"ludian-2020\.ind\.jsonl:2: invalid JSON"):
        build_indicators(ludian, ind)
    ind.write_text('["n", 1]\n', encoding="utf-8")
    with pytest.raises(GoldFormatError, match=r"ludian-2020\.ind\.jsonl:1: expected an object"):
        build_indicators(ludian, ind)


# -- the indicators gold file -------------------------------------------------------------------------------


@pytest.fixture()
def ludian_gold(tmp_path, ludian) -> tuple[Path, dict]:
    ind = tmp_path / "ludian-2020.ind.jsonl"
    _write_jsonl(ind, _rows(LUDIAN))
    record, _ = build_indicators(ludian, ind)
    path = tmp_path / "indicators.jsonl"
    _write_jsonl(path, [record])
    return path, record


def test_read_indicators_returns_the_built_records(ludian_gold, ludian):
    path, record = ludian_gold
    [(doc_id, indicators)] = read_indicators(path, [ludian]).items()
    assert doc_id == "ludian-2020"
    assert [i.to_dict() for i in indicators] == record["indicators"]
    assert indicators[24].metric.text == "工作经费" and indicators[24].subject.text == "依法治县委员会"


def _edit(record: dict, index: int, **change) -> dict:
    items = [dict(item) for item in record["indicators"]]
    items[index].update(change)
    return {"id": record["id"], "indicators": items}


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: _edit(r, 2, metric={"start": 0, "end": 2, "text": "一、"}), "lies outside the NUM's sentence"),
        (lambda r: _edit(r, 2, metric={**r["indicators"][2]["metric"], "text": "承接"}), "differs from the report"),
        (lambda r: _edit(r, 2, metric=r["indicators"][2]["num"]), "overlaps the NUM"),
        (lambda r: _edit(r, 2, kind="level"), "unknown kind 'level'"),
        (lambda r: _edit(r, 2, subject=r["indicators"][2]["metric"]), "and subject '承接上级下放行政职权' overlap"),
        (lambda r: _edit(r, 2, num={"start": 0, "end": 2, "text": "一、"}), "is not a gold NUM"),
        (lambda r: _edit(r, 2, num=r["indicators"][3]["num"]), "have more than one indicator"),
        (lambda r: {"id": r["id"], "indicators": r["indicators"][:-1]}, "1 gold NUM(s) have no indicator, first n=30"),
        (lambda r: {"id": "other", "indicators": []}, "document 'other' is not in the gold"),
        (lambda r: {"id": r["id"]}, "expected {\"id\", \"indicators\"}"),
    ],
)
def test_read_indicators_checks_the_file_against_the_entity_gold(tmp_path, ludian_gold, ludian, edit, message):
    path, record = ludian_gold
    _write_jsonl(path, [edit(record)])
    with pytest.raises(GoldFormatError) as info:
        read_indicators(path, [ludian])
    assert message in str(info.value)
    assert "indicators.jsonl:1" in str(info.value)


def test_read_indicators_wants_every_gold_document(ludian_gold, seeds):
    path, _ = ludian_gold
    with pytest.raises(GoldFormatError, match="no indicators for gold document.*ledu-2020"):
        read_indicators(path, seeds.values())


# -- the command line ---------------------------------------------------------------------------------------


def _one_document_gold(tmp_path: Path, doc_id: str) -> Path:
    gold = tmp_path / "gold.jsonl"
    line = next(li for li in (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines()
                if json.loads(li)["id"] == doc_id)
    gold.write_text(line + "\n", encoding="utf-8")
    return gold


def test_cli_nums_then_indicators_round_trip(tmp_path, ludian):
    gold, folder = _one_document_gold(tmp_path, "ludian-2020"), tmp_path / "sheets"
    proc = govtag("units", "nums", str(gold), "-o", str(folder))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"ludian-2020: 30 NUMs" in proc.stdout
    assert (folder / "ludian-2020.txt").read_text(encoding="utf-8") == ludian.text
    sheet = [json.loads(li) for li in (folder / "ludian-2020.nums.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sheet == worksheet_rows(ludian)
    rows = [{**row, "num": sheet[row["n"] - 1]["num"]} for row in _rows(LUDIAN)]
    _write_jsonl(folder / "ludian-2020.ind.jsonl", rows[::-1])  # any order
    out = tmp_path / "indicators.jsonl"
    proc = govtag("units", "indicators", str(folder), "--gold", str(gold), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"ludian-2020: 30 indicators" in proc.stdout
    notes = proc.stderr.decode()
    assert "note: " in notes and "ludian-2020.ind.jsonl:6: n=25: subject '依法治县委员会' occurs 2 times" in notes
    indicators = read_indicators(out, [ludian])["ludian-2020"]
    assert [i.num.text for i in indicators] == [r["num"] for r in sheet]
    assert indicators[0].metric.text == "相关单位和部门"
    assert records_equal(out, build_folder(folder, [ludian])[0])


def records_equal(path: Path, records: list[dict]) -> bool:
    return [json.loads(li) for li in path.read_text(encoding="utf-8").splitlines()] == records


def test_cli_indicators_errors_exit_2_and_write_nothing(tmp_path, ludian):
    gold, folder = _one_document_gold(tmp_path, "ludian-2020"), tmp_path / "sheets"
    assert govtag("units", "nums", str(gold), "-o", str(folder)).returncode == 0
    out = tmp_path / "indicators.jsonl"

    def run() -> bytes:
        proc = govtag("units", "indicators", str(folder), "--gold", str(gold), "-o", str(out))
        assert proc.returncode == 2 and b"Traceback" not in proc.stderr
        assert not out.exists()
        return proc.stderr

    assert b"no <id>.ind.jsonl for ludian-2020" in run()
    _write_jsonl(folder / "ludian-2020.ind.jsonl", _bad(_rows(LUDIAN), 2, kind="share"))
    assert b"ludian-2020.ind.jsonl:2: n=2: unknown kind 'share'" in run()
    _write_jsonl(folder / "ludian-2020.ind.jsonl", _rows(LUDIAN))
    sheet = (folder / "ludian-2020.nums.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "ludian-2020.nums.jsonl").write_text("\n".join(sheet[1:]) + "\n", encoding="utf-8")
    assert b"ludian-2020.nums.jsonl:1: the worksheet differs from the gold" in run()
    (folder / "ludian-2020.nums.jsonl").unlink()
    _write_jsonl(folder / "ledu-2020.ind.jsonl", [])
    assert b"documents not in the gold: ledu-2020.ind.jsonl" in run()
