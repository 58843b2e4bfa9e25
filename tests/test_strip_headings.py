"""Heading-less scoring: the text transformation, the remapped gold, and the evaluate/crossval options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govtag.evaluate import AnnotatedDoc, evaluate, label_scores, read_annotated
from govtag.segment import SentenceSplitter
from govtag.strip_headings import heading_ranges, strip_gold, strip_headings
from govtag.types import Document
from tests.paths import ROOT, SEEDS, SHARED

GOVTAG = str(Path(sys.executable).parent / "govtag")
GOLD_FILES = [SEEDS / "gold.jsonl", SHARED / "data" / "gold" / "gold.jsonl"]
GOLD_DOCS = [doc for path in GOLD_FILES for doc in read_annotated(path)]

REPORT = (
    "某区2020年法治政府建设年度报告\n"
    "2020年，我区法治政府建设取得新进展。\n"
    "一、工作开展情况\n"
    "（一）依法全面履行政府职能。全年办理行政复议案件31件。\n"
    "  二、存在的问题\n"
    "执法队伍专业化水平不高。\n"
    "三、下一步工作打算\n"
    "将继续深化区司法局综合执法改革。"
)
STRIPPED = (
    "2020年，我区法治政府建设取得新进展。\n"
    "全年办理行政复议案件31件。\n"
    "执法队伍专业化水平不高。\n"
    "将继续深化区司法局综合执法改革。"
)


def _char_labels(doc: AnnotatedDoc) -> dict[int, str]:
    return {i: label for start, end, label in doc.segments for i in range(start, end)}


def test_heading_lines_are_deleted_and_paragraphs_stay() -> None:
    text, offsets = strip_headings(REPORT)
    assert text == STRIPPED
    for start, end in heading_ranges(REPORT):  # every deleted character is gone from the map
        assert not any(offsets.kept[start:end])
    kept = [i for i in range(len(REPORT)) if offsets.kept[i]]
    assert "".join(REPORT[i] for i in kept) == text
    assert [offsets.before[i] for i in kept] == list(range(len(text)))


def test_gold_record_moves_with_its_text() -> None:
    def span(sub: str) -> tuple[int, int]:
        start = REPORT.index(sub)
        return start, start + len(sub)

    segments = [
        (*span("某区2020年法治政府建设年度报告"), "other"),
        (*span("2020年，我区法治政府建设取得新进展。"), "achievement"),
        (*span("一、工作开展情况"), "achievement"),
        (*span("（一）依法全面履行政府职能。全年办理行政复议案件31件。"), "achievement"),  # gold cut differently
        (*span("二、存在的问题"), "problem"),
        (*span("执法队伍专业化水平不高。"), "problem"),
        (*span("三、下一步工作打算"), "plan"),
        (*span("将继续深化区司法局综合执法改革。"), "plan"),
    ]
    entities = [(*span("31件"), "NUM"), (*span("区司法局"), "ORG"), (*span("某区"), "ORG")]
    stripped = strip_gold(AnnotatedDoc("r", REPORT, segments, entities))
    assert stripped.text == STRIPPED
    assert [(stripped.text[s:e], label) for s, e, label in stripped.segments] == [
        ("2020年，我区法治政府建设取得新进展。", "achievement"),
        ("全年办理行政复议案件31件。", "achievement"),
        ("执法队伍专业化水平不高。", "problem"),
        ("将继续深化区司法局综合执法改革。", "plan"),
    ]
    # the ORG inside the deleted title disappears; the others keep their text
    assert [(stripped.text[s:e], etype) for s, e, etype in stripped.entities] == [("31件", "NUM"), ("区司法局", "ORG")]


@pytest.mark.parametrize("doc", GOLD_DOCS, ids=[doc.id for doc in GOLD_DOCS])
def test_every_gold_span_keeps_its_text(doc: AnnotatedDoc) -> None:
    stripped = strip_gold(doc)
    text, offsets = strip_headings(doc.text)
    assert stripped.text == text and len(text) < len(doc.text)
    survivors = [(s, e, t) for s, e, t in doc.entities if offsets.intact(s, e)]
    assert len(stripped.entities) == len(survivors)
    for (s, e, etype), (ns, ne, ntype) in zip(survivors, stripped.entities, strict=True):
        assert (stripped.text[ns:ne], ntype) == (doc.text[s:e], etype)
    # every surviving labelled character keeps its label (whitespace at the new edges is trimmed)
    old_labels, new_labels = _char_labels(doc), _char_labels(stripped)
    for i, label in old_labels.items():
        if offsets.kept[i] and not doc.text[i].isspace():
            assert new_labels[offsets.before[i]] == label
    assert set(new_labels) <= {offsets.before[i] for i in old_labels if offsets.kept[i]}
    for s, e, _ in stripped.segments:
        assert s < e and not text[s].isspace() and not text[e - 1].isspace()
    # no heading segment of the original is left
    headings = SentenceSplitter().split(Document(doc.id, doc.text)).segments
    assert all(not offsets.intact(h.start, h.end) for h in headings if h.is_heading)


@pytest.mark.parametrize(
    "text",
    [
        "2020年，我区法治政府建设取得新进展。全年办理行政复议案件31件。\n下一步，将继续深化综合执法改革。\n",
        "一是坚持科学民主决策。二是严格规范执法。",
        "",
    ],
)
def test_a_text_without_headings_is_unchanged(text: str) -> None:
    stripped, offsets = strip_headings(text)
    assert stripped == text
    assert offsets.before == tuple(range(len(text) + 1))
    doc = AnnotatedDoc("d", text, [(0, len(text.rstrip()), "achievement")] if text else [], [])
    assert strip_gold(doc) == doc


def test_per_character_accuracy() -> None:
    gold = AnnotatedDoc("d", "x" * 20, [(0, 10, "achievement"), (12, 20, "plan")])
    pred = AnnotatedDoc("d", "x" * 20, [(0, 6, "achievement"), (6, 10, "plan"), (14, 20, "plan")])
    # 18 scored characters: 6 + 6 right; 4 wrong labels and 2 with no prediction are misses
    assert label_scores([gold], [pred])["accuracy"] == pytest.approx(12 / 18)


def test_evaluate_strip_headings_option(tmp_path: Path) -> None:
    gold_file = SEEDS / "gold.jsonl"
    reports = {}
    for name, extra in (("normal", []), ("stripped", ["--strip-headings"])):
        out = tmp_path / f"{name}.json"
        proc = subprocess.run([GOVTAG, "evaluate", "--gold", str(gold_file), "--backend", "rules", "--json", str(out),
                               *extra], capture_output=True, cwd=ROOT, timeout=300)
        assert proc.returncode == 0, proc.stderr.decode()
        assert "accuracy" in proc.stdout.decode()
        reports[name] = json.loads(out.read_text(encoding="utf-8"))
    assert "headings stripped" in proc.stdout.decode()
    stripped = [strip_gold(doc) for doc in read_annotated(gold_file)]
    support = sum(m["support"] for m in reports["stripped"]["labels"]["per_label"].values())
    assert support == sum(e - s for doc in stripped for s, e, _ in doc.segments)
    assert support < sum(m["support"] for m in reports["normal"]["labels"]["per_label"].values())
    assert reports["stripped"]["strip_headings"] is True and reports["normal"]["strip_headings"] is False
    assert 0.0 < reports["stripped"]["labels"]["accuracy"] <= 1.0


def test_crossval_scores_stripped_left_out_reports() -> None:
    from govtag.tag.rules import RulesTagger
    from govtag.training.config import load_train_config
    from govtag.training.crossval import _predict, run_crossval

    config = load_train_config(ROOT / "configs" / "train-default.yaml")
    folds = ["ludian-2020", "zhonglou-2020"]
    report = run_crossval(config, variants=(), folds=folds, show_progress=False, strip_headings=True)
    gold = [strip_gold(doc) for doc in read_annotated(SEEDS / "gold.jsonl") if doc.id in folds]
    splitter = SentenceSplitter()
    expected = evaluate(gold, [_predict(RulesTagger(), doc, splitter) for doc in gold])
    assert report["strip_headings"] is True
    assert report["rules"]["labels"] == expected["labels"]
    assert report["rules"]["entities"] == expected["entities"]
