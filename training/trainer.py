"""Fine-tune the multi-task network and write a versioned model folder.

Deterministic for a fixed seed (same data order, same initialisation, torch's
deterministic algorithms), resumable from the last checkpoint in ``work_dir``,
and cached: a run whose config and data hash match an existing registry
version can reuse it instead of training again.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from govtag import LABELS
from govtag.atomic import write_atomically
from govtag.corpus.progress import bar_interval
from govtag.errors import ConfigError, ModelNotFoundError
from govtag.model.artifact import FORMAT_VERSION, load_tokenizer, read_meta, save_model
from govtag.model.encoding import IGNORE, EncodingSettings
from govtag.model.network import BIO_TAGS, GovtagNetwork
from govtag.model.predictor import Predictor, collate
from govtag.model.registry import ModelRef, ModelRegistry
from govtag.training.added_gold import added_files
from govtag.training.calibration import fit_temperature, holdout_metrics
from govtag.training.card import write_model_card
from govtag.training.checkpoint import Checkpoint, CheckpointError, CheckpointStore
from govtag.training.config import OptimConfig, TrainConfig
from govtag.training.data import TrainingData, build_training_data, encode_examples

CANARY_HOLDOUT = 4  # held-out gold sentences recorded as canaries, besides the built-in ones


@dataclass
class TrainResult:
    predictor: Predictor
    meta: dict[str, Any]
    data: TrainingData
    seconds: float
    phase_a_weights: dict[str, torch.Tensor]


def build_key(config: TrainConfig, data_hashes: dict[str, str]) -> str:
    """Identifies a training run: the resolved config (minus where it is stored), the data and the
    model folder format (so ``--reuse`` never picks a version written in an older format)."""
    payload = config.model_dump(
        mode="json", exclude={"registry", "work_dir", "source", "threads", "checkpoint_every", "pipeline"}
    )
    payload["segmentation"] = config.segmentation().model_dump(mode="json")  # what the pipeline file decides
    blob = json.dumps({"config": payload, "data": data_hashes, "format": FORMAT_VERSION}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def _check_base(config: TrainConfig) -> None:
    base = config.base_model
    looks_like_path = base.startswith((".", "/", "~")) or Path(base).exists()
    if looks_like_path and not Path(base).expanduser().exists():
        raise ModelNotFoundError(
            f"base model not found: {base} (from base_model in {config.source}). Point base_model at a "
            f"local model folder (e.g. ../../shared/models/govbert-mini-zh, relative to the config) or a hub id."
        )


def _load_network(config: TrainConfig) -> GovtagNetwork:
    _check_base(config)
    try:
        return GovtagNetwork.from_base(config.base_model, random_init=config.random_init, dropout=config.optim.dropout)
    except OSError as exc:
        raise ModelNotFoundError(
            f"cannot load the base model {config.base_model!r}: {exc}. Set base_model in {config.source} "
            f"to a local folder or to a hub id available on this machine."
        ) from exc


def _load_start(config: TrainConfig) -> tuple[GovtagNetwork, Any, float]:
    """The network, tokenizer and temperature a run starts from: the base encoder, or (``from_version``)
    a registry version, verified like any model before it is used."""
    if config.from_version is None:
        return _load_network(config), load_tokenizer(config.base_model), 1.0
    from govtag.model.artifact import load_predictor

    ref = ModelRegistry(config.registry, config.name).get(config.from_version)
    predictor, _ = load_predictor(ref.path)
    network = predictor.network
    for dropout in (network.dropout, network.sentence_head[2]):
        dropout.p = config.optim.dropout
    return network, predictor.tokenizer, predictor.temperature


def _schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / max(1, warmup)
    return max(0.0, 1.0 - (step - warmup) / max(1, total - warmup))


def _loss(network: GovtagNetwork, batch: dict[str, torch.Tensor], entity_loss_weight: float) -> torch.Tensor:
    sentence_logits, tag_logits = network(
        batch["input_ids"], batch["attention_mask"], batch["sentence_mask"], batch["token_type_ids"]
    )
    labels = batch["label"]
    has_label = labels != IGNORE
    loss = torch.zeros((), dtype=sentence_logits.dtype)
    if has_label.any():
        per = F.cross_entropy(sentence_logits[has_label], labels[has_label], reduction="none")
        loss = loss + (per * batch["label_weight"][has_label]).sum() / has_label.sum()
    tags = batch["tag_ids"]
    token_mask = tags != IGNORE
    if token_mask.any():
        per_token = F.cross_entropy(
            tag_logits.reshape(-1, len(BIO_TAGS)), tags.reshape(-1).clamp(min=0), reduction="none"
        ).reshape(tags.shape)
        weights = batch["entity_weight"].unsqueeze(1).expand_as(per_token) * token_mask
        loss = loss + entity_loss_weight * (per_token * weights).sum() / token_mask.sum()
    return loss


@dataclass
class _Row:
    input_ids: list[int]
    token_type_ids: list[int]
    sentence_mask: list[int]
    tag_ids: list[int]


def _collate_rows(dataset, indices: list[int], pad_id: int) -> dict[str, torch.Tensor]:
    rows = dataset[indices]
    windows = [
        _Row(*fields)
        for fields in zip(rows["input_ids"], rows["token_type_ids"], rows["sentence_mask"], rows["tag_ids"])
    ]
    batch = collate(windows, pad_id, with_targets=True)
    batch["label"] = torch.tensor(rows["label"], dtype=torch.long)
    batch["label_weight"] = torch.tensor(rows["label_weight"], dtype=torch.float32)
    batch["entity_weight"] = torch.tensor(rows["entity_weight"], dtype=torch.float32)
    return batch


def _bucketed(indices: list[int], lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort by length within pools of 50 batches, then shuffle the batches (less padding)."""
    indices = list(indices)
    rng.shuffle(indices)
    pool = batch_size * 50
    batches = []
    for begin in range(0, len(indices), pool):
        chunk = sorted(indices[begin : begin + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


@dataclass
class _Phase:
    """One training phase: which windows it draws from, for how many steps."""

    name: str
    main: list[int]  # windows seen every epoch
    replay: list[int]  # windows sampled to make up ``replay_ratio`` of each epoch
    steps: int
    replay_ratio: float = 0.0

    def batch_plan(self, lengths: list[int], batch_size: int, seed: int):
        """Endless, deterministic sequence of batches (lists of window indices)."""
        epoch = 0
        while True:
            rng = random.Random(f"{seed}-{self.name}-{epoch}")
            indices = list(self.main)
            if self.replay and self.replay_ratio:
                extra = int(len(self.main) * self.replay_ratio / (1 - self.replay_ratio))
                indices += rng.sample(self.replay, min(extra, len(self.replay)))
            yield from _bucketed(indices, lengths, batch_size, rng)
            epoch += 1


def build_optimizer(network: GovtagNetwork, optim: OptimConfig) -> torch.optim.AdamW:
    """AdamW with two groups, the encoder and the heads, each at its own learning rate."""
    head = [p for n, p in network.named_parameters() if not n.startswith("encoder.")]
    encoder = [p for n, p in network.named_parameters() if n.startswith("encoder.")]
    return torch.optim.AdamW(
        [{"params": encoder, "lr": optim.lr}, {"params": head, "lr": optim.head_lr}],
        weight_decay=optim.weight_decay,
    )


def _run_phase(
    network: GovtagNetwork,
    dataset,
    lengths: list[int],
    phase: _Phase,
    config: TrainConfig,
    pad_id: int,
    store: CheckpointStore,
    losses: list[float],
    resume: Checkpoint | None = None,
    show_progress: bool = True,
) -> None:
    """Train ``phase``, appending to ``losses`` (the run's history, saved with each checkpoint).

    ``resume`` is a checkpoint of this phase already restored into the network and
    the random generators; the optimizer state, the batch plan and the learning-rate
    schedule continue from its step.
    """
    if phase.steps == 0 or not phase.main:
        return
    optim = config.optim
    optimizer = build_optimizer(network, optim)
    start_step = resume.step if resume else 0
    if resume and resume.optimizer is not None:
        optimizer.load_state_dict(resume.optimizer)
    base_lrs = [optim.lr, optim.head_lr]
    warmup = int(phase.steps * optim.warmup_ratio)
    plan = phase.batch_plan(lengths, optim.batch_size, config.seed)
    for _ in range(start_step):
        next(plan)
    network.train()
    progress = tqdm(total=phase.steps, initial=start_step, desc=f"phase {phase.name}", unit="step",
                    disable=not show_progress, mininterval=bar_interval())
    for step in range(start_step, phase.steps):
        batch = _collate_rows(dataset, next(plan), pad_id)
        factor = _schedule(step, phase.steps, warmup)
        for group, base_lr in zip(optimizer.param_groups, base_lrs):
            group["lr"] = base_lr * factor
        loss = _loss(network, batch, optim.entity_loss_weight)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), optim.grad_clip)
        optimizer.step()
        losses.append(loss.item())
        progress.update(1)
        progress.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
        done = step + 1
        if done % config.checkpoint_every == 0 and done < phase.steps:
            store.save(phase.name, done, network, optimizer, losses)
    progress.close()
    network.eval()


def _resume_point(
    store: CheckpointStore, network: GovtagNetwork, config: TrainConfig, steps: dict[str, int], show_progress: bool
) -> Checkpoint | None:
    """The run's checkpoint, or None. One that cannot be resumed from exactly is reported and
    skipped: starting over gives the same model (training is deterministic), only later."""
    try:
        checkpoint = store.load(network, steps, lambda: build_optimizer(network, config.optim))
    except CheckpointError as exc:
        print(f"govtag: warning: not resuming: {exc}; training from the start", file=sys.stderr, flush=True)
        return None
    if show_progress:
        where = f"phase {checkpoint.phase}, step {checkpoint.step}" if checkpoint else "no checkpoint, from the start"
        print(f"resuming {store.folder}: {where}", flush=True)
    return checkpoint


def train_model(
    config: TrainConfig,
    exclude_gold: tuple[str, ...] = (),
    resume: bool = False,
    show_progress: bool = True,
    data: TrainingData | None = None,
    phase_a_state: dict[str, torch.Tensor] | None = None,
) -> TrainResult:
    """Train in memory; the caller decides whether to save (``govtag train``) or only evaluate (LORO).

    ``phase_a_state`` skips phase A by starting from its weights (phase A never sees
    a gold report, so leave-one-report-out folds can share it).
    """
    started = time.time()
    if config.threads:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    network, tokenizer, start_temperature = _load_start(config)
    data = data or build_training_data(config, exclude_gold)
    settings = EncodingSettings(config.max_length, config.context_tokens, config.stride)
    dataset = encode_examples(data.train, tokenizer, settings)
    lengths = [len(ids) for ids in dataset["input_ids"]]
    sources = dataset["source"]
    gold = [i for i, source in enumerate(sources) if source == "gold"]
    other = [i for i, source in enumerate(sources) if source != "gold"]
    phase_a = _Phase("A", other, [], config.optim.weak_steps)
    phase_b = _Phase("B", gold, other, config.optim.gold_steps, config.optim.replay_ratio)

    key = build_key(config, data.hashes)
    store = CheckpointStore(config.work_dir / f"{config.name}-{key}")
    steps = {"A": phase_a.steps, "B": phase_b.steps}
    resume_from = None
    if resume and phase_a_state is None:
        resume_from = _resume_point(store, network, config, steps, show_progress)
    losses = list(resume_from.losses) if resume_from else []
    pad_id = tokenizer.pad_token_id
    if resume_from and resume_from.phase == "B":
        resume_from.restore(network)
        phase_a_weights = resume_from.phase_a_network
    else:
        if phase_a_state is not None:
            network.load_state_dict(phase_a_state)
        else:
            if resume_from:
                resume_from.restore(network)
            _run_phase(network, dataset, lengths, phase_a, config, pad_id, store, losses, resume_from, show_progress)
        resume_from = None
        # phase B's starting point, and the phase-A weights that a resume in phase B returns
        store.save("B", 0, network, None, losses)
        phase_a_weights = {k: v.detach().clone() for k, v in network.state_dict().items()}
    _run_phase(network, dataset, lengths, phase_b, config, pad_id, store, losses, resume_from, show_progress)

    predictor = Predictor(network, tokenizer, settings, 1.0, batch_size=64)
    # without held-out sentences to fit it on, a continued model keeps the temperature it started with
    fitted = any(e.label for e in data.holdout)
    predictor.temperature = fit_temperature(predictor, data.holdout) if fitted else start_temperature
    meta = {
        "name": config.name,
        "base": config.base_model,
        "random_init": config.random_init,
        "labels": list(LABELS),
        "tags": list(BIO_TAGS),
        "encoding": {"max_length": settings.max_length, "context_tokens": settings.context_tokens,
                     "stride": settings.stride},
        "temperature": predictor.temperature,
        "build_key": key,
        "steps": {"A": phase_a.steps if phase_a_state is None else 0, "B": phase_b.steps},
        "final_loss": round(float(np.mean(losses[-50:])), 4) if losses else None,
        "data_hashes": data.hashes,
        "data_counts": data.counts(),
        "gold_ids": data.gold_ids,
        "from_version": config.from_version,
        "added": added_files(config),
        "seed": config.seed,
    }
    return TrainResult(predictor, meta, data, time.time() - started, phase_a_weights)


def find_cached(registry: ModelRegistry, key: str) -> str | None:
    """The newest registry version built from the same config and data that passes verification.

    A matching version that fails (damaged since it was built) is skipped with a warning,
    so ``--reuse`` trains a fresh one instead of activating it.
    """
    for version in reversed(registry.versions()):
        try:
            meta = read_meta(registry.folder / version)
        except ModelNotFoundError:
            continue
        if meta.get("build_key") != key:
            continue
        try:
            registry.verify(version)
        except ModelNotFoundError as exc:
            print(f"not reusing {registry.name} {version}: {exc}", file=sys.stderr)
            continue
        return version
    return None


def save_to_registry(config: TrainConfig, result: TrainResult, activate: bool = True) -> ModelRef:
    """Write the trained model as a new registry version, with its model card."""
    registry = ModelRegistry(config.registry, config.name)
    version, folder = registry.new_version(result.meta["build_key"][:8])
    metrics = {"holdout": holdout_metrics(result.predictor, result.data.holdout)}
    meta = {**result.meta, "version": version, "train_seconds": round(result.seconds, 1)}
    write_atomically(
        folder / "config.yaml",
        json.dumps(config.model_dump(mode="json", exclude={"source"}), indent=2, ensure_ascii=False),
    )
    write_model_card(folder, meta, metrics)
    canaries = [(e.text, e.context) for e in result.data.holdout if e.source == "gold"][:CANARY_HOLDOUT]
    save_model(folder, result.predictor, meta, canaries)  # govtag_model.json last: the folder is complete
    if activate:
        registry.activate(version)
    return registry.get(version)


def check_config(config: TrainConfig) -> None:
    if not (config.data.gold or config.data.add or config.data.corpus or config.data.ner_root):
        raise ConfigError(f"{config.source}: no training data (data.gold, --add, data.corpus or data.ner_root)")
