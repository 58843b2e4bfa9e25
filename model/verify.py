"""Prove a model folder is the model that was built before it loads, serves or becomes active.

Two independent layers, both recorded in ``govtag_model.json`` under ``integrity`` when
the model is saved:

* **checksums**: the SHA-256 of every weight, encoder-config and tokenizer file, so a
  truncated, swapped or edited file is named before anything is loaded;
* **canaries**: a handful of (sentence, heading path) inputs with the label
  probabilities and entity spans the model gave at build time. The loaded model must
  give finite outputs that agree with them within :class:`~govtag.config.VerificationConfig`,
  which catches weights that load but compute something else (NaN, random noise), even
  when the checksums were re-sealed.

Load (``govtag annotate``/the service at start-up), reload and ``govtag model activate``
all run :func:`verify_files` and :func:`verify_canaries`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from govtag.config import VerificationConfig
from govtag.digest import file_sha256
from govtag.errors import ModelNotFoundError
from govtag.model.predictor import NonFiniteOutputError, Predictor, SentencePrediction

INTEGRITY_KEY = "integrity"

#: Canary inputs every model is built with: each label and entity type appears at least once.
BUILTIN_CANARIES: tuple[tuple[str, str], ...] = (
    ("区司法局印发《行政执法公示办法》（区司发〔2020〕1号），办理复议案件12件。", "一、工作开展情况"),
    ("全年共受理行政复议案件35件，同比增长12.5%。", "一、工作开展情况"),
    ("市人民政府办公室制定《重大行政决策程序规定》，规范决策程序。", "一、工作开展情况"),
    ("执法队伍建设仍有差距，基层法治力量薄弱。", "二、存在的问题"),
    ("部分执法人员法治意识不强，执法程序不够规范。", "二、存在的问题"),
    ("我们将继续推进依法行政，加快建设法治政府。", "三、下一步工作计划"),
    ("2021年，将深入学习贯彻《中华人民共和国行政处罚法》。", "三、下一步工作计划"),
    ("现将有关情况报告如下。", ""),
)


class ModelVerificationError(ModelNotFoundError):
    """The folder is not the model that was built (checksum, canary or missing manifest)."""


def checksums(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each file under ``folder`` named (a file, or a folder taken whole), by relative path."""
    sums: dict[str, str] = {}
    for name in names:
        path = folder / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            sums[file.relative_to(folder).as_posix()] = file_sha256(file)
    return sums


def record_canaries(predictor: Predictor, items: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The model's outputs on ``items``, as stored in the manifest."""
    return [
        {
            "text": text,
            "context": context,
            "label_probs": prediction.label_probs,
            "spans": [[start, end, etype] for start, end, etype, _ in prediction.spans],
        }
        for (text, context), prediction in zip(items, predictor.predict(items), strict=True)
    ]


def manifest(meta: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The integrity record of a model folder; refuses one built before models carried it."""
    integrity = meta.get(INTEGRITY_KEY)
    if not isinstance(integrity, dict) or not integrity.get("files") or not integrity.get("canaries"):
        raise ModelVerificationError(
            f"{folder} has no integrity manifest (checksums and canaries): it was built by an older "
            f"govtag and cannot be verified. Rebuild it with `govtag train --config configs/train-default.yaml`."
        )
    return integrity


def verify_files(folder: Path, meta: dict[str, Any]) -> None:
    """Every recorded file exists and has its recorded SHA-256."""
    for name, expected in manifest(meta, folder)["files"].items():
        path = folder / name
        if not path.is_file():
            raise ModelVerificationError(f"{path} is missing: the model folder is incomplete; rebuild it")
        actual = file_sha256(path)
        if actual != expected:
            raise ModelVerificationError(
                f"checksum mismatch for {path}: expected sha256 {expected[:16]}…, found {actual[:16]}… "
                f"(the file was changed or damaged after the model was built)"
            )


def verify_canaries(predictor: Predictor, meta: dict[str, Any], folder: Path, limits: VerificationConfig) -> None:
    """The loaded model reproduces its build-time canary outputs (finite, same labels, same spans)."""
    canaries = manifest(meta, folder)["canaries"]
    items = [(c["text"], c["context"]) for c in canaries]
    try:
        predictions = predictor.predict(items)
    except NonFiniteOutputError as exc:
        raise ModelVerificationError(f"canary check failed for {folder}: {exc}") from exc
    problems = [*_finite_problems(predictions), *_agreement_problems(canaries, predictions, limits)]
    if problems:
        raise ModelVerificationError(
            f"canary check failed for {folder}: {'; '.join(problems)}. The weights load but do not compute "
            f"the model that was built; rebuild it or activate another version."
        )


def _finite_problems(predictions: Sequence[SentencePrediction]) -> list[str]:
    for index, prediction in enumerate(predictions):
        values = [*prediction.label_probs.values(), *(score for *_, score in prediction.spans)]
        if not np.isfinite(values).all():
            return [f"canary {index} has NaN or infinite outputs"]
    return []


def _agreement_problems(
    canaries: Sequence[dict[str, Any]], predictions: Sequence[SentencePrediction], limits: VerificationConfig
) -> list[str]:
    problems = []
    same_label, worst_delta, worst_index = 0, 0.0, 0
    expected_spans: set[tuple[int, int, int, str]] = set()
    found_spans: set[tuple[int, int, int, str]] = set()
    for index, (canary, prediction) in enumerate(zip(canaries, predictions, strict=True)):
        expected, found = canary["label_probs"], prediction.label_probs
        same_label += max(expected, key=expected.get) == max(found, key=found.get)
        delta = max(abs(expected[label] - found.get(label, 0.0)) for label in expected)
        if delta > worst_delta:
            worst_delta, worst_index = delta, index
        expected_spans |= {(index, s, e, t) for s, e, t in canary["spans"]}
        found_spans |= {(index, s, e, t) for s, e, t, _ in prediction.spans}
    agreement = same_label / len(canaries)
    if agreement < limits.min_label_agreement:
        problems.append(
            f"label agreement {agreement:.2f} is below {limits.min_label_agreement:.2f} "
            f"({len(canaries) - same_label} of {len(canaries)} canaries changed their most likely label)"
        )
    if worst_delta > limits.max_prob_delta:
        problems.append(
            f"canary {worst_index} ({canaries[worst_index]['text'][:20]}…) moved a label probability by "
            f"{worst_delta:.3f} (allowed {limits.max_prob_delta:.3f})"
        )
    entity_f1 = _f1(expected_spans, found_spans)
    if entity_f1 < limits.min_entity_agreement:
        problems.append(
            f"entity agreement (F1) {entity_f1:.2f} is below {limits.min_entity_agreement:.2f} "
            f"({len(expected_spans)} spans at build time, {len(found_spans)} now, "
            f"{len(expected_spans & found_spans)} the same)"
        )
    return problems


def _f1(expected: set, found: set) -> float:
    if not expected and not found:
        return 1.0
    return 2 * len(expected & found) / (len(expected) + len(found))
