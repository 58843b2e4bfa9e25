"""Corpus annotation speed: the naive baseline, every runtime, worker processes, Ray, and scaling.

One run on the same documents and the same default model prints four tables:

1. in one process, characters and sentences per second end to end (segmentation,
   rules, model: ``Pipeline.annotate_documents``) for the naive baseline and for
   every ``model.runtime``, with the share of sentence labels and of documents'
   entities identical to fp32's;
2. ``govtag annotate`` as a user runs it (a fresh process: start-up, model load,
   compile warm-up and writing Parquet included) with the default settings, with
   ``--workers 2`` and with ``--engine ray --workers 2``;
3. how time and peak memory (max RSS of the ``govtag annotate`` process) scale with
   the number of documents (1, 10, 100, 1,000: the corpus repeated, each document
   cut to its first ``--scale-chars`` characters);
4. how they scale with document length (documents joined to 5k ... 160k characters).

The naive baseline is what a first script does: the report split into sentences,
then two transformers ``pipeline()`` objects (``text-classification`` over the
sentence head, ``token-classification`` with ``aggregation_strategy="simple"`` over
the token head of the same fp32 network, wrapped as ``PreTrainedModel`` heads)
called sentence by sentence, without the heading path. Its agreement column
compares its labels and entities with the fp32 merged tagger's.

    .venv/bin/python benchmarks/corpus_speed.py [--docs 24] [--baseline-docs 4] [--skip-ray]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govtag.config import load_config  # noqa: E402
from govtag.ingest import load_text  # noqa: E402
from govtag.model.runtime import RUNTIMES  # noqa: E402
from govtag.pipeline import Pipeline  # noqa: E402
from govtag.schema import DocumentResult  # noqa: E402
from govtag.types import Document  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "reports.jsonl"
CONFIG = ROOT / "configs" / "govtag.yaml"


def read_corpus(limit: int | None = None) -> list[dict]:
    rows = []
    with CORPUS.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def write_config(folder: Path, **model: object) -> Path:
    """The default config with ``model`` settings changed, written where a subprocess can read it."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["model"]["registry"] = str((CONFIG.parent / data["model"]["registry"]).resolve())
    data["model"].update(model)
    path = folder / f"config-{'-'.join(f'{k}-{v}' for k, v in model.items()) or 'default'}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def naive_baseline(documents: list[Document]) -> tuple[float, list[tuple[list[tuple[int, str]], list]]]:
    """Wall time and (sentence labels, entities) of the two-pipeline baseline."""
    import copy

    from transformers import PreTrainedModel, pipeline
    from transformers.modeling_outputs import SequenceClassifierOutput, TokenClassifierOutput

    from govtag import LABELS
    from govtag.model.artifact import TOKENIZER_DIR, load_tokenizer
    from govtag.model.network import BIO_TAGS, GovtagNetwork
    from govtag.model.registry import active_model_ref
    from govtag.segment import SentenceSplitter

    config = load_config(CONFIG)
    folder = active_model_ref(config.model).path
    network = GovtagNetwork.load(folder)
    tokenizer = load_tokenizer(folder / TOKENIZER_DIR)

    class Head(PreTrainedModel):
        """One head of the network as a transformers model, as a user would wrap it for ``pipeline()``."""

        config_class = type(network.encoder.config)
        _supports_sdpa = True
        _supports_attention_backend = True

        def __init__(self, head_config, head: str) -> None:
            super().__init__(head_config)
            self.network, self.head = network, head

        def forward(self, input_ids, attention_mask=None, **_):
            sentence_mask = attention_mask.clone()
            sentence_mask[:, 0] = sentence_mask[:, -1] = 0  # [CLS] and [SEP]
            sentence, tags = self.network(input_ids=input_ids, attention_mask=attention_mask,
                                          sentence_mask=sentence_mask)
            return SequenceClassifierOutput(logits=sentence) if self.head == "label" else TokenClassifierOutput(
                logits=tags)

    def head_config(names: Sequence[str]):
        head = copy.deepcopy(network.encoder.config)
        head.id2label = dict(enumerate(names))
        head.label2id = {name: i for i, name in enumerate(names)}
        return head

    classify = pipeline("text-classification", model=Head(head_config(LABELS), "label").eval(), tokenizer=tokenizer)
    find = pipeline("token-classification", model=Head(head_config(BIO_TAGS), "tags").eval(), tokenizer=tokenizer,
                    aggregation_strategy="simple")
    splitter = SentenceSplitter(max_chars=config.segmentation.max_chars)
    classify("预热。")
    find("预热。")
    outputs = []
    started = time.perf_counter()
    for document in documents:
        segmented = splitter.split(document)
        labels, entities = [], []
        for segment in segmented.segments:
            sentence = document.text[segment.start : segment.end]
            labels.append((segment.start, classify(sentence)[0]["label"]))
            entities += [(segment.start + e["start"], segment.start + e["end"], e["entity_group"])
                         for e in find(sentence)]
        outputs.append((labels, entities))
    return time.perf_counter() - started, outputs


def in_process(documents: list[Document], config_path: Path, repeats: int) -> tuple[float, list[DocumentResult]]:
    """Best wall time of ``repeats`` runs after a warm-up (which also compiles a compiled runtime)."""
    pipeline = Pipeline(load_config(config_path))
    pipeline.annotate_documents(documents[:2])
    best, results = float("inf"), []
    for _ in range(repeats):
        started = time.perf_counter()
        results = pipeline.annotate_documents(documents)
        best = min(best, time.perf_counter() - started)
    return best, results


def agreement(results: list[DocumentResult], reference: list[DocumentResult]) -> tuple[float, float]:
    """Share of sentences with the fp32 label, and of documents with exactly the fp32 entities."""
    labels = [(s.start, s.label) for r in results for s in r.sentences]
    expected = [(s.start, s.label) for r in reference for s in r.sentences]
    same_labels = sum(a == b for a, b in zip(labels, expected, strict=True)) / max(len(expected), 1)
    same_entities = sum(
        [(e.start, e.end, e.type) for e in a.entities] == [(e.start, e.end, e.type) for e in b.entities]
        for a, b in zip(results, reference, strict=True)
    ) / max(len(reference), 1)
    return same_labels, same_entities


def naive_agreement(outputs: list[tuple[list, list]], reference: list[DocumentResult]) -> tuple[float, float]:
    labels = [label for sentence_labels, _ in outputs for label in sentence_labels]
    expected = [(s.start, s.label) for r in reference for s in r.sentences]
    same_labels = sum(a == b for a, b in zip(labels, expected, strict=True)) / max(len(expected), 1)
    same_entities = sum(
        sorted(entities) == sorted((e.start, e.end, e.type) for e in result.entities)
        for (_, entities), result in zip(outputs, reference, strict=True)
    ) / max(len(reference), 1)
    return same_labels, same_entities


def run_cli(arguments: Sequence[str]) -> tuple[float, int]:
    """Wall seconds and peak memory (max RSS, MiB) of a ``govtag`` process.

    The command runs under ``/usr/bin/time``: a child forked from this (large) benchmark
    process would report this process's memory as its own peak.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        process = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, sys.executable, "-m",
                                  "govtag.cli.main", *arguments], cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"govtag {' '.join(arguments)} failed:\n{process.stderr.decode()}")
        return elapsed, int(rss.read().split()[-1]) // 1024


def write_jsonl(path: Path, rows: list[dict]) -> int:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return sum(len(row["text"]) for row in rows)


def table_runtimes(rows: list[dict], baseline_docs: int, folder: Path, repeats: int) -> None:
    documents = [load_text(row["text"], row["id"]) for row in rows]
    chars = sum(len(d.text) for d in documents)
    print(f"\n1. One process, end to end (segment, rules, model), {len(documents)} reports, {chars:,} characters, "
          f"merged backend, best of {repeats}")
    print(f"{'runtime':<28} {'chars/s':>9} {'sentences/s':>12} {'x naive':>8} {'same labels':>12} {'same ents':>10}")
    naive_docs = documents[:baseline_docs]
    naive_time, naive_results = naive_baseline(naive_docs)
    naive_speed = sum(len(d.text) for d in naive_docs) / naive_time
    reference: list[DocumentResult] = []
    lines = []
    for runtime in RUNTIMES:
        elapsed, results = in_process(documents, write_config(folder, runtime=runtime), repeats)
        if runtime == "torch":
            reference = results
            naive_same = naive_agreement(naive_results, results[:baseline_docs])
        same = agreement(results, reference)
        sentences = sum(len(r.sentences) for r in results)
        lines.append(f"{runtime:<28} {chars / elapsed:>9,.0f} {sentences / elapsed:>12,.0f} "
                     f"{chars / elapsed / naive_speed:>8.1f} {same[0]:>12.2%} {same[1]:>10.2%}")
    naive_sentences = sum(len(labels) for labels, _ in naive_results)
    print(f"{'naive: 2 pipeline()s/sentence':<28} {naive_speed:>9,.0f} {naive_sentences / naive_time:>12,.0f} "
          f"{1.0:>8.1f} {naive_same[0]:>12.2%} {naive_same[1]:>10.2%}   ({baseline_docs} of the reports)")
    for line in lines:
        print(line)


def table_engines(rows: list[dict], folder: Path, skip_ray: bool) -> None:
    corpus = folder / "engines.jsonl"
    chars = write_jsonl(corpus, rows)
    print(f"\n2. govtag annotate {corpus.name} --format parquet (a fresh process: start-up, model load, warm-up, "
          f"writing), {len(rows)} reports, {chars:,} characters")
    print(f"{'engine':<34} {'wall s':>7} {'chars/s':>9} {'peak MiB':>9}")
    runs = [("local (default)", []), ("local --workers 2", ["--workers", "2"])]
    if not skip_ray:
        runs.append(("ray --workers 2 (local Ray)", ["--engine", "ray", "--workers", "2"]))
    for name, extra in runs:
        out = folder / f"out-{len(os.listdir(folder))}"
        elapsed, peak = run_cli(["annotate", str(corpus), "--format", "parquet", "-o", str(out), "--quiet",
                                 "--config", str(CONFIG), *extra])
        print(f"{name:<34} {elapsed:>7.1f} {chars / elapsed:>9,.0f} {peak:>9,}")


def table_scaling(rows: list[dict], folder: Path, cut: int, counts: Sequence[int], lengths: Sequence[int]) -> None:
    print(f"\n3. Scaling with the number of documents (govtag annotate --format parquet, default settings; "
          f"each document the first {cut:,} characters of a report, the corpus repeated)")
    print(f"{'documents':>9} {'chars':>11} {'wall s':>7} {'chars/s':>9} {'peak MiB':>9}")
    for count in counts:
        chosen = [{"id": f"{rows[i % len(rows)]['id']}-{i}", "text": rows[i % len(rows)]["text"][:cut]}
                  for i in range(count)]
        _scaling_row(folder, f"{count:>9}", chosen)
    print("\n4. Scaling with document length (10 documents each, reports joined end to end)")
    print(f"{'doc chars':>9} {'chars':>11} {'wall s':>7} {'chars/s':>9} {'peak MiB':>9}")
    joined = "\n".join(row["text"] for row in rows)
    for length in lengths:
        chosen = [{"id": f"long-{i}", "text": joined[i * length : (i + 1) * length]} for i in range(10)]
        _scaling_row(folder, f"{length:>9,}", chosen)


def _scaling_row(folder: Path, label: str, rows: list[dict]) -> None:
    corpus = folder / f"scale-{len(os.listdir(folder))}.jsonl"
    chars = write_jsonl(corpus, rows)
    elapsed, peak = run_cli(["annotate", str(corpus), "--format", "parquet", "-o", str(corpus.with_suffix("")),
                             "--quiet", "--config", str(CONFIG)])
    print(f"{label} {chars:>11,} {elapsed:>7.1f} {chars / elapsed:>9,.0f} {peak:>9,}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=24, help="reports for tables 1 and 2")
    parser.add_argument("--baseline-docs", type=int, default=4, help="reports for the (slow) naive baseline")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--scale-chars", type=int, default=2000)
    parser.add_argument("--counts", default="1,10,100,1000")
    parser.add_argument("--lengths", default="5000,20000,80000,160000")
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--tables", default="1,2,3", help="which tables to run (3 includes 4)")
    args = parser.parse_args(argv)
    rows = read_corpus()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; "
          f"corpus {CORPUS.name}: {len(rows)} reports")
    tables = set(args.tables.split(","))
    with tempfile.TemporaryDirectory(prefix="govtag-bench-") as tmp:
        folder = Path(tmp)
        if "1" in tables:
            table_runtimes(rows[: args.docs], args.baseline_docs, folder, args.repeats)
        if "2" in tables:
            table_engines(rows[: args.docs], folder, args.skip_ray)
        if "3" in tables:
            table_scaling(rows, folder, args.scale_chars, [int(c) for c in args.counts.split(",")],
                          [int(n) for n in args.lengths.split(",")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
