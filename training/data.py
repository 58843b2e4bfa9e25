"""Assemble the training set (a ``datasets.Dataset`` of model windows) and its hashes."""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from datasets import Dataset

from govtag import LABELS
from govtag.digest import file_sha256
from govtag.errors import ConfigError
from govtag.model.encoding import IGNORE, EncodingSettings, encode_sentence
from govtag.training.config import TrainConfig
from govtag.training.examples import (
    TrainExample,
    gold_examples,
    iter_corpus,
    load_gold,
    ner_examples,
    weak_examples,
)

LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}


@dataclass
class TrainingData:
    train: list[TrainExample]
    holdout: list[TrainExample]
    hashes: dict[str, str]
    gold_ids: list[str]

    def counts(self) -> dict[str, dict[str, int]]:
        by_source = Counter(e.source for e in self.train)
        labels = Counter(f"{e.source}:{e.label}" for e in self.train if e.label)
        return {"examples": dict(by_source), "labels": dict(sorted(labels.items())), "holdout": len(self.holdout)}


def examples_sha256(examples: Iterable[TrainExample]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps(example.to_row(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _input_files(config: TrainConfig) -> list[Path]:
    files = [*config.data.gold, *config.data.add]
    if config.data.corpus:
        files.append(config.data.corpus)
    return files


def build_training_data(config: TrainConfig, exclude_gold: Iterable[str] = ()) -> TrainingData:
    """Gold (minus ``exclude_gold``, for leave-one-report-out), weak labels and NER examples.

    Gold reports never enter the weak set, whether they are trained on, held out or
    kept for testing (``data.test``).
    """
    excluded = set(exclude_gold)
    splitter = config.splitter()  # the pipeline's segmentation: training sees the served sentences
    gold_docs = load_gold([*config.data.gold, *config.data.add])
    all_gold_ids = {doc.id for doc in gold_docs}
    test_ids = {doc.id for doc in load_gold(config.data.test)}
    if all_gold_ids & test_ids:
        both = ", ".join(sorted(all_gold_ids & test_ids))
        raise ConfigError(f"{config.source}: reports both in data.gold (or data.add) and data.test: {both}")
    rng = random.Random(config.seed)
    train: list[TrainExample] = []
    holdout: list[TrainExample] = []
    for doc in gold_docs:
        if doc.id in excluded:
            continue
        for example in gold_examples(doc, splitter, config.data.gold_weight):
            (holdout if rng.random() < config.data.holdout_fraction else train).append(example)
    if config.data.corpus and config.data.max_weak_sentences:
        documents = iter_corpus(config.data.corpus, exclude_ids=all_gold_ids | test_ids)
        train += weak_examples(
            documents,
            splitter,
            config.data.max_weak_sentences,
            config.data.weak_min_confidence,
            config.data.weak_label_weight,
            config.data.weak_entity_weight,
            config.seed,
        )
    if config.data.ner_root and config.data.max_ner_sentences:
        train += ner_examples(
            config.data.ner_root,
            config.data.ner_sources,
            config.data.max_ner_sentences,
            config.data.ner_entity_weight,
            config.seed,
        )
    where = config.source.parent if config.source else Path.cwd()
    hashes = {os.path.relpath(path, where): file_sha256(path) for path in _input_files(config)}
    hashes["train_examples"] = examples_sha256(train)
    hashes["holdout_examples"] = examples_sha256(holdout)
    return TrainingData(train, holdout, hashes, sorted(all_gold_ids - excluded))


def encode_examples(examples: list[TrainExample], tokenizer, settings: EncodingSettings) -> Dataset:
    """One row per model window, with its targets and weights."""

    def encode(batch: dict[str, list]) -> dict[str, list]:
        out: dict[str, list] = {k: [] for k in (
            "input_ids", "token_type_ids", "sentence_mask", "tag_ids", "label", "label_weight", "entity_weight", "source")}
        for i, text in enumerate(batch["text"]):
            spans = zip(batch["ent_starts"][i], batch["ent_ends"][i], batch["ent_types"][i])
            entities = list(spans) if batch["has_entities"][i] else None
            for window in encode_sentence(tokenizer, text, batch["context"][i], settings, entities):
                out["input_ids"].append(window.input_ids)
                out["token_type_ids"].append(window.token_type_ids)
                out["sentence_mask"].append(window.sentence_mask)
                tags = window.tag_ids or [IGNORE] * len(window.input_ids)
                # a token seen by several windows is trained only where it is owned
                out["tag_ids"].append([t if owned else IGNORE for t, owned in zip(tags, window.owned)])
                label = batch["label"][i]
                out["label"].append(LABEL_INDEX[label] if label else IGNORE)
                out["label_weight"].append(batch["label_weight"][i])
                out["entity_weight"].append(batch["entity_weight"][i] if entities is not None else 0.0)
                out["source"].append(batch["source"][i])
        return out

    rows = Dataset.from_list([e.to_row() for e in examples])
    return rows.map(encode, batched=True, remove_columns=rows.column_names, desc="encoding")
