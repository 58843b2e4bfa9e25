"""Calibration and held-out figures of a trained model, from gold sentences it did not see."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from govtag import LABELS
from govtag.model.predictor import Predictor


def fit_temperature(predictor: Predictor, examples) -> float:
    """Temperature scaling of the sentence head on held-out gold sentences (lowest NLL on a grid)."""
    labelled = [e for e in examples if e.label]
    if not labelled:
        return 1.0
    logits, _ = predictor.logits([(e.text, e.context) for e in labelled])
    logits_arr = np.stack(logits)
    targets = np.array([LABELS.index(e.label) for e in labelled])
    best, best_nll = 1.0, math.inf
    for t in np.arange(0.5, 4.01, 0.1):
        scaled = logits_arr / t
        scaled -= scaled.max(1, keepdims=True)
        logp = scaled - np.log(np.exp(scaled).sum(1, keepdims=True))
        nll = -logp[np.arange(len(targets)), targets].mean()
        if nll < best_nll:
            best, best_nll = float(t), nll
    return round(best, 2)


def holdout_metrics(predictor: Predictor, examples) -> dict[str, Any]:
    """Sentence accuracy, expected calibration error and entity P/R/F1 on the held-out gold sentences."""
    labelled = [e for e in examples if e.label]
    if not labelled:
        return {}
    predictions = predictor.predict([(e.text, e.context) for e in labelled])
    correct, confidences, hits = 0, [], []
    tp = n_pred = n_gold = 0
    for example, prediction in zip(labelled, predictions):
        label = max(prediction.label_probs, key=prediction.label_probs.get)
        correct += label == example.label
        confidences.append(prediction.label_probs[label])
        hits.append(label == example.label)
        gold = set(map(tuple, example.entities or []))
        pred = {(s, e, t) for s, e, t, _ in prediction.spans}
        tp, n_pred, n_gold = tp + len(gold & pred), n_pred + len(pred), n_gold + len(gold)
    bins = np.linspace(0, 1, 11)
    conf, hit = np.array(confidences), np.array(hits, dtype=float)
    ece = sum(
        abs(conf[m].mean() - hit[m].mean()) * m.mean()
        for lo, hi in zip(bins[:-1], bins[1:])
        if (m := (conf > lo) & (conf <= hi)).any()
    )
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {
        "sentences": len(labelled),
        "sentence_accuracy": round(correct / len(labelled), 4),
        "expected_calibration_error": round(float(ece), 4),
        "entity_precision": round(p, 4),
        "entity_recall": round(r, 4),
        "entity_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }
