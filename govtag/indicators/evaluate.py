"""Scores of an indicator extractor against an indicators gold file (docs/indicators.md, "The extractor").

Every gold ``NUM`` is one item. For ``metric``, ``period`` and ``subject``:

- *exact*: a predicted span is right when its offsets equal the gold span's; a null
  predicted for a null gold counts as a right answer (in precision and in recall);
- *overlap* (metric only): a predicted span is right when it shares a character with the gold span.

Precision divides the right answers by the items with a prediction (a span, or a null
that the gold shares), recall by the items with a gold answer (a span, or a null that
the prediction shares). ``kind`` is scored by accuracy.

Leave-one-report-out: for each report, the settings of :class:`RuleSettings` that score
best on the other reports are used on it; the pooled figure sums the held-out reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import product
from typing import Any, get_args

from govtag.evaluate import AnnotatedDoc
from govtag.indicator_labels import Indicator, Span
from govtag.indicators.rules import PlanTargets, RuleSettings, extract

Extractor = Callable[[AnnotatedDoc, RuleSettings], list[Indicator]]
SPAN_FIELDS = ("metric", "period", "subject")


def extract_gold(doc: AnnotatedDoc, settings: RuleSettings) -> list[Indicator]:
    """The extractor on a gold document: its gold NUM spans and its gold segments (with their labels)."""
    nums = [(s, e) for s, e, t in doc.entities if t == "NUM"]
    return extract(doc.text, nums, doc.segments, settings)


@dataclass
class Counts:
    """Right answers and the two denominators of one field."""

    right: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.right += other.right
        self.predicted += other.predicted
        self.gold += other.gold

    def scores(self) -> dict[str, float]:
        p = self.right / self.predicted if self.predicted else 0.0
        r = self.right / self.gold if self.gold else 0.0
        return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _field_counts(gold: Span | None, pred: Span | None, overlap: bool = False) -> Counts:
    if gold is None and pred is None:
        return Counts(1, 1, 1)
    right = gold is not None and pred is not None and (
        _overlaps(gold, pred) if overlap else (gold.start, gold.end) == (pred.start, pred.end))
    return Counts(int(right), int(pred is not None), int(gold is not None))


@dataclass
class Tally:
    """All counts of one report, or of several pooled."""

    items: int = 0
    kind_right: int = 0

    def __post_init__(self) -> None:
        self.fields: dict[str, Counts] = {name: Counts() for name in ("metric", "metric_overlap", *SPAN_FIELDS[1:])}

    def add_pair(self, gold: Indicator, pred: Indicator) -> None:
        self.items += 1
        self.kind_right += int(gold.kind == pred.kind)
        self.fields["metric"].add(_field_counts(gold.metric, pred.metric))
        self.fields["metric_overlap"].add(_field_counts(gold.metric, pred.metric, overlap=True))
        for name in SPAN_FIELDS[1:]:
            self.fields[name].add(_field_counts(getattr(gold, name), getattr(pred, name)))

    def add(self, other: Tally) -> None:
        self.items += other.items
        self.kind_right += other.kind_right
        for name, counts in other.fields.items():
            self.fields[name].add(counts)

    def scores(self) -> dict[str, float]:
        out = {"nums": float(self.items), "kind_acc": self.kind_right / self.items if self.items else 0.0}
        for name, counts in self.fields.items():
            out[f"{name}_f1"] = counts.scores()["f1"]
        return out

    def objective(self) -> float:
        """What the cross-validation maximises: metric exact F1 plus kind accuracy."""
        s = self.scores()
        return s["metric_f1"] + s["kind_acc"]


def tally(gold: Sequence[Indicator], pred: Sequence[Indicator]) -> Tally:
    by_num = {(p.num.start, p.num.end): p for p in pred}
    result = Tally()
    for item in gold:
        found = by_num.get((item.num.start, item.num.end))
        result.add_pair(item, found if found is not None else Indicator(item.num, "count"))
    return result


def setting_grid() -> list[RuleSettings]:
    """Every combination of the settings the cross-validation chooses from."""
    choices: list[Iterable[Any]] = []
    for f in fields(RuleSettings):
        choices.append(get_args(PlanTargets) if f.name == "plan_targets" else (True, False))
    return [RuleSettings(*values) for values in product(*choices)]


def score_reports(docs: Sequence[AnnotatedDoc], gold: Mapping[str, list[Indicator]], settings: RuleSettings,
                  extractor: Extractor = extract_gold) -> dict[str, Tally]:
    return {doc.id: tally(gold[doc.id], extractor(doc, settings)) for doc in docs}


def pooled(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for t in tallies:
        total.add(t)
    return total


def evaluate(docs: Sequence[AnnotatedDoc], gold: Mapping[str, list[Indicator]],
             settings: RuleSettings | None = None) -> dict[str, Any]:
    """Per-report and pooled scores of the extractor with ``settings``."""
    settings = settings or RuleSettings()
    per_report = score_reports(docs, gold, settings)
    return {"settings": settings.__dict__, "per_report": {k: t.scores() for k, t in per_report.items()},
            "pooled": pooled(per_report.values()).scores()}


def crossval(docs: Sequence[AnnotatedDoc], gold: Mapping[str, list[Indicator]]) -> dict[str, Any]:
    """Leave-one-report-out: each report scored with the settings chosen on the other reports."""
    grid = setting_grid()
    table = {s: score_reports(docs, gold, s) for s in grid}
    per_report: dict[str, Tally] = {}
    chosen: dict[str, dict[str, Any]] = {}
    for doc in docs:
        others = [d.id for d in docs if d.id != doc.id]
        best = max(grid, key=lambda s: (pooled(table[s][o] for o in others).objective(), s == RuleSettings()))
        per_report[doc.id], chosen[doc.id] = table[best][doc.id], best.__dict__
    whole = max(grid, key=lambda s: (pooled(table[s].values()).objective(), s == RuleSettings()))
    return {"per_report": {k: t.scores() for k, t in per_report.items()},
            "pooled": pooled(per_report.values()).scores(), "chosen": chosen, "on_all": whole.__dict__}


_COLUMNS = (("nums", "NUMs", "{:.0f}"), ("metric_f1", "metric exact F1", "{:.3f}"),
            ("metric_overlap_f1", "metric overlap F1", "{:.3f}"), ("kind_acc", "kind acc", "{:.3f}"),
            ("period_f1", "period F1", "{:.3f}"), ("subject_f1", "subject F1", "{:.3f}"))


def format_table(report: Mapping[str, Any]) -> str:
    """A Markdown table: one row per report, then the pooled row."""
    lines = ["| report | " + " | ".join(title for _, title, _ in _COLUMNS) + " |",
             "|---|" + "---:|" * len(_COLUMNS)]
    rows = [*report["per_report"].items(), ("pooled", report["pooled"])]
    for name, scores in rows:
        lines.append(f"| {name} | " + " | ".join(fmt.format(scores[key]) for key, _, fmt in _COLUMNS) + " |")
    return "\n".join(lines)
