"""Throughput of each backend on the seed reports (sentences per second, this machine).

    .venv/bin/python benchmarks/throughput.py [--repeat 3] [--backends rules,model,merged]

Prints one line per backend; not a test (no thresholds).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from govtag.config import load_config
from govtag.ingest import load_path
from govtag.pipeline import Pipeline
from govtag.tag import create_taggers

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="rules,model,merged")
    parser.add_argument("--config", default=str(ROOT / "configs" / "govtag.yaml"))
    args = parser.parse_args()
    config = load_config(args.config)
    backends = args.backends.split(",")
    taggers = create_taggers(config, backends)
    documents = [load_path(p) for p in sorted((ROOT / "seeds" / "reports").glob("*.txt"))]
    print(f"{len(documents)} seed reports, {sum(len(d.text) for d in documents)} characters; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}")
    for backend in backends:
        pipeline = Pipeline(config, tagger=taggers[backend])
        pipeline.annotate_documents(documents[:1])  # warm-up
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            results = pipeline.annotate_documents(documents)
            best = min(best, time.perf_counter() - started)
        sentences = sum(len(r.sentences) for r in results)
        print(f"{backend:>7}: {sentences / best:8.1f} sentences/s  {len(documents) / best:6.2f} reports/s  "
              f"({sentences} sentences in {best:.2f} s, best of {args.repeat})")


if __name__ == "__main__":
    main()
