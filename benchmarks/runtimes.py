"""Speed and accuracy of each ``model.runtime`` for the merged and model backends, against fp32.

For every runtime: characters per second end to end (segmentation, rules,
model) over the seed reports, the contract metric on every gold file (seeds,
shared gold, held-out), the largest F1 drop against fp32 on any label or entity
type, and the share of sentences whose label (and of documents whose entities)
are identical to fp32's. The default runtime is the fastest whose drop is at
most 0.005 F1 everywhere.

    .venv/bin/python benchmarks/runtimes.py [--backend merged] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govtag.config import load_config  # noqa: E402
from govtag.evaluate import evaluate, read_annotated, result_to_annotated  # noqa: E402
from govtag.ingest import load_text  # noqa: E402
from govtag.model.runtime import RUNTIMES  # noqa: E402
from govtag.pipeline import Pipeline  # noqa: E402

GOLD = [ROOT / "seeds" / "gold.jsonl", ROOT.parent / "shared" / "data" / "gold" / "gold.jsonl",
        ROOT / "seeds" / "heldout" / "gold.jsonl"]
TOLERANCE = 0.005


def f1_table(report: dict) -> dict[str, float]:
    labels = {name: row["f1"] for name, row in report["labels"]["per_label"].items()}
    types = {name: row["f1"] for name, row in report["entities"]["per_type"].items() if row["support"]}
    return {**labels, **types}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="merged", choices=("model", "merged"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    base = load_config(ROOT / "configs" / "govtag.yaml")
    gold = [doc for path in GOLD for doc in read_annotated(path)]
    speed_docs = [load_text(path.read_text(encoding="utf-8"), path.stem)
                  for path in sorted((ROOT / "seeds" / "reports").glob("*.txt"))]
    chars = sum(len(doc.text) for doc in speed_docs)
    reference = None
    print(f"backend {args.backend}; speed over {len(speed_docs)} seed reports ({chars:,} chars); "
          f"accuracy over {len(gold)} gold documents")
    print(f"{'runtime':<12} {'chars/s':>9} {'x fp32':>7} {'macro-F1':>9} {'worst dF1':>10} "
          f"{'same label':>11} {'same ents':>10}")
    fp32_speed = None
    for runtime in RUNTIMES:
        config = base.model_copy(deep=True)
        config.model.runtime = runtime
        pipeline = Pipeline(config, backend=args.backend)
        pipeline.annotate_documents(speed_docs[:1])  # warm-up
        best = min(_timed(pipeline, speed_docs) for _ in range(args.repeats))
        results = pipeline.annotate_documents([load_text(doc.text, doc.id) for doc in gold])
        pred = [result_to_annotated(result) for result in results]
        report = evaluate(gold, pred)
        scores = f1_table(report)
        labels = [s.label for r in results for s in r.sentences]
        entities = [sorted((e.start, e.end, e.type) for e in r.entities) for r in results]
        if reference is None:
            reference = (scores, labels, entities)
            fp32_speed = chars / best
        worst = max(reference[0][key] - scores.get(key, 0.0) for key in reference[0])
        same_labels = sum(a == b for a, b in zip(labels, reference[1])) / len(labels)
        same_entities = sum(a == b for a, b in zip(entities, reference[2])) / len(entities)
        print(f"{runtime:<12} {chars / best:>9,.0f} {chars / best / fp32_speed:>7.2f} "
              f"{report['labels']['macro_f1']:>9.4f} {worst:>10.4f} {same_labels:>10.2%} {same_entities:>10.2%}",
              flush=True)
    return 0


def _timed(pipeline: Pipeline, documents: list) -> float:
    started = time.perf_counter()
    pipeline.annotate_documents(documents)
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
