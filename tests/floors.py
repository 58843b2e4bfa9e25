"""The floors of the issue, checked the same way for every backend that must keep them."""

from govtag.evaluate import evaluate, read_annotated, result_to_annotated
from govtag.ingest import load_text
from govtag.pipeline import Pipeline
from tests.paths import SEEDS


def assert_seed_floors(pipeline: Pipeline) -> None:
    """DOC_NO ≥ .95, NUM ≥ .93, POLICY ≥ .97, label macro-F1 ≥ .80 on the five seeds."""
    gold = read_annotated(SEEDS / "gold.jsonl")
    results = pipeline.annotate_documents([load_text(d.text, d.id) for d in gold])
    report = evaluate(gold, [result_to_annotated(r) for r in results])
    per_type = report["entities"]["per_type"]
    assert per_type["DOC_NO"]["f1"] >= 0.95
    assert per_type["NUM"]["f1"] >= 0.93
    assert per_type["POLICY"]["f1"] >= 0.97
    assert report["labels"]["macro_f1"] >= 0.80
