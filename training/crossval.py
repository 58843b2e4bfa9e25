"""Leave-one-report-out evaluation over the gold reports.

For each gold report, a model is trained on all the other gold reports (plus the
weak and NER data, which never contain a gold report) and scored on the one left
out; the predictions of all folds are pooled and scored with the contract's
metric. Phase A of training sees no gold report, so it is trained once per
variant and shared by the folds. Rules-only, model-only and merged taggers are
scored on the same folds, for a pretrained and a randomly initialised encoder.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from govtag.config import MergeConfig
from govtag.evaluate import AnnotatedDoc, evaluate, label_scores, result_to_annotated
from govtag.model.tagger import ModelTagger
from govtag.schema import build_result
from govtag.segment import SentenceSplitter
from govtag.strip_headings import strip_gold
from govtag.tag.merged import MergedTagger
from govtag.tag.rules import RulesTagger
from govtag.training.config import TrainConfig
from govtag.training.data import TrainingData, build_training_data
from govtag.training.examples import load_gold
from govtag.training.trainer import train_model
from govtag.types import Document
from govtag.vocabulary import ENTITY_TYPES, LABELS


def _fold_data(data: TrainingData, left_out: str) -> TrainingData:
    keep = lambda e: not (e.source == "gold" and e.doc_id == left_out)  # noqa: E731
    return replace(
        data,
        train=[e for e in data.train if keep(e)],
        holdout=[e for e in data.holdout if keep(e)],
        gold_ids=[g for g in data.gold_ids if g != left_out],
        hashes={**data.hashes, "left_out": left_out},
    )


def _predict(tagger, doc: AnnotatedDoc, splitter: SentenceSplitter) -> AnnotatedDoc:
    segmented = splitter.split(Document(doc.id, doc.text))
    tagging = tagger.tag_batch([segmented])[0]
    return result_to_annotated(build_result(segmented, tagging, tagger.name))


def run_crossval(
    config: TrainConfig,
    variants: Sequence[str] = ("pretrained", "random"),
    folds: Sequence[str] | None = None,
    merges: dict[str, MergeConfig] | None = None,
    show_progress: bool = True,
    smooth_labels: bool = True,
    strip_headings: bool = False,
) -> dict[str, Any]:
    """Pooled scores per variant and system, and per-report label macro-F1.

    ``merges`` names the merged configurations to score on the same folds
    (default: ``{"merged": MergeConfig()}``); they cost no extra training.
    With ``strip_headings`` each fold's left-out report is scored with its heading
    lines deleted (:mod:`govtag.strip_headings`); the training reports keep theirs.
    """
    merges = merges or {"merged": MergeConfig()}
    splitter = config.splitter()
    gold = load_gold(config.data.gold)
    fold_ids = list(folds or [doc.id for doc in gold])
    gold = [doc for doc in gold if doc.id in fold_ids]
    if strip_headings:
        gold = [strip_gold(doc, splitter) for doc in gold]
    rules = RulesTagger()
    report: dict[str, Any] = {"folds": fold_ids, "strip_headings": strip_headings, "variants": {}}
    rules_preds = [_predict(rules, doc, splitter) for doc in gold]
    report["rules"] = _scores(gold, rules_preds)
    for variant in variants:
        cfg = copy.deepcopy(config)
        cfg.random_init = variant == "random"
        started = time.time()
        data = build_training_data(cfg)
        phase_a = None
        preds: dict[str, list[AnnotatedDoc]] = {"model": [], **{name: [] for name in merges}}
        for doc in gold:
            if show_progress:
                print(f"[{variant}] fold {doc.id}", flush=True)
            result = train_model(cfg, data=_fold_data(data, doc.id), phase_a_state=phase_a,
                                 show_progress=show_progress)
            phase_a = result.phase_a_weights
            model = ModelTagger(result.predictor, result.meta, smooth_labels=smooth_labels)
            preds["model"].append(_predict(model, doc, splitter))
            for name, merge in merges.items():
                preds[name].append(_predict(MergedTagger(rules, model, merge), doc, splitter))
        report["variants"][variant] = {system: _scores(gold, found) for system, found in preds.items()}
        report["variants"][variant]["seconds"] = round(time.time() - started)
    return report


def _scores(gold: list[AnnotatedDoc], pred: list[AnnotatedDoc]) -> dict[str, Any]:
    pooled = evaluate(gold, pred)
    pooled["per_document"] = {
        g.id: round(label_scores([g], [p])["macro_f1"], 4) for g, p in zip(gold, pred)
    }
    return pooled


def format_crossval(report: dict[str, Any]) -> str:
    """Markdown tables: pooled scores side by side, then label macro-F1 per report."""
    columns = [("rules", report["rules"])]
    for variant, systems in report["variants"].items():
        for system, scores in systems.items():
            if system != "seconds":
                columns.append((f"{system} ({variant})", scores))
    header = "| | " + " | ".join(name for name, _ in columns) + " |"
    lines = [header, "|---" * (len(columns) + 1) + "|"]
    lines.append("| label macro-F1 | " + " | ".join(f"{c['labels']['macro_f1']:.3f}" for _, c in columns) + " |")
    for label in LABELS:
        lines.append(f"| {label} F1 | " + " | ".join(
            f"{c['labels']['per_label'][label]['f1']:.3f}" for _, c in columns) + " |")
    for etype in ENTITY_TYPES:
        lines.append(f"| {etype} F1 | " + " | ".join(
            f"{c['entities']['per_type'][etype]['f1']:.3f}" for _, c in columns) + " |")
    lines.append("| entity micro-F1 | " + " | ".join(
        f"{c['entities']['micro']['f1']:.3f}" for _, c in columns) + " |")
    lines += ["", "Label macro-F1 per left-out report:", "", header, "|---" * (len(columns) + 1) + "|"]
    for doc_id in report["folds"]:
        lines.append(f"| {doc_id} | " + " | ".join(
            f"{c['per_document'][doc_id]:.3f}" for _, c in columns) + " |")
    return "\n".join(lines) + "\n"
