"""The training configuration (``configs/train-*.yaml``), validated.

Relative paths are resolved against the folder of the YAML file. The base model
is a local folder or a hub id; a value that exists as a path relative to the
config is taken as a path, anything else is passed on as a hub id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from govtag.config import SegmentationConfig, load_config, resolve_path, validate_file, version_problem
from govtag.errors import ConfigError
from govtag.segment import SentenceSplitter
from govtag.strict import StrictModel


class DataConfig(StrictModel):
    gold: list[Path] = Field(default_factory=list, description="hand-labelled JSONL files (contract format)")
    test: list[Path] = Field(
        default_factory=list,
        description="gold files kept for testing only: never trained on, and their reports stay out of the weak set",
    )
    add: list[Path] = Field(
        default_factory=list,
        description="newly labelled gold files (``govtag train --add``): checked like an import, trained on with "
        "data.gold, refused when they overlap data.test",
    )
    corpus: Path | None = Field(None, description="unlabelled reports (JSONL with id and text) for weak labels")
    ner_root: Path | None = Field(None, description="folder of labelled NER data (CLUENER2020 ...)")
    ner_sources: list[str] = Field(default_factory=lambda: ["cluener"])
    max_weak_sentences: int = Field(6000, ge=0, description="cap on weakly labelled sentences (class-balanced)")
    weak_min_confidence: float = Field(0.5, ge=0.0, le=1.0, description="drop weak labels below this score")
    max_ner_sentences: int = Field(2000, ge=0)
    gold_weight: float = Field(1.0, gt=0.0)
    weak_label_weight: float = Field(0.3, ge=0.0)
    weak_entity_weight: float = Field(0.3, ge=0.0)
    ner_entity_weight: float = Field(0.5, ge=0.0)
    holdout_fraction: float = Field(0.1, ge=0.0, lt=0.5, description="gold sentences kept out for calibration")


class OptimConfig(StrictModel):
    """Two phases: A on weak labels and NER data (no gold report, so it can be shared by
    leave-one-report-out folds), then B on the gold reports with some phase-A data replayed."""

    weak_steps: int = Field(300, ge=0, description="phase A steps")
    gold_steps: int = Field(300, ge=0, description="phase B steps")
    replay_ratio: float = Field(0.3, ge=0.0, lt=1.0, description="share of phase-B windows from phase-A data")
    batch_size: int = Field(32, ge=1)
    lr: float = Field(3e-4, gt=0.0, description="encoder learning rate")
    head_lr: float = Field(1e-3, gt=0.0)
    weight_decay: float = Field(0.01, ge=0.0)
    warmup_ratio: float = Field(0.06, ge=0.0, lt=1.0)
    grad_clip: float = Field(1.0, gt=0.0)
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    entity_loss_weight: float = Field(1.0, ge=0.0)


class GateConfig(StrictModel):
    """``govtag model promote``: a candidate replaces the active model only when no F1 on the evaluation
    set (``data.test``; per label, per entity type, and their averages) falls by more than ``tolerance``."""

    tolerance: float = Field(0.01, ge=0.0, le=1.0, description="largest allowed drop of any F1 figure")
    backend: Literal["model", "merged"] = Field("model", description="the backend both models are scored with")


class TrainConfig(StrictModel):
    name: str = Field("govtag-default", description="model name in the registry")
    base_model: str = Field(..., description="local folder or hub id of the encoder")
    random_init: bool = Field(False, description="same architecture, random weights (ablation)")
    registry: Path = Path("../models")
    work_dir: Path = Field(Path("../runs"), description="checkpoints for resuming")
    max_length: int = Field(128, ge=32, le=1024)
    context_tokens: int = Field(48, ge=0, le=256)
    stride: int = Field(32, ge=0)
    seed: int = 13
    threads: int | None = Field(None, ge=1, description="torch CPU threads (None: torch's default)")
    checkpoint_every: int = Field(200, ge=1)
    from_version: str | None = Field(
        None,
        description="continue from this registry version's weights instead of base_model's "
        "(``govtag train --from-active`` sets it to the active version)",
    )
    pipeline: Path | None = Field(
        None,
        description="the pipeline config whose segmentation cuts the training reports, so that training "
        "sees the sentences the served pipeline will cut (relative to this file; None: the config govtag "
        "itself finds: $GOVTAG_CONFIG, ./configs/govtag.yaml, the installed default)",
    )
    data: DataConfig = DataConfig()
    optim: OptimConfig = OptimConfig()
    gate: GateConfig = GateConfig()
    source: Path | None = Field(None, exclude=True)

    def segmentation(self) -> SegmentationConfig:
        """``segmentation:`` of :attr:`pipeline`: how inference cuts reports, and so how training must."""
        return load_config(self.pipeline).segmentation

    def splitter(self) -> SentenceSplitter:
        return SentenceSplitter.from_config(self.segmentation())

    @field_validator("from_version")
    @classmethod
    def _safe_version(cls, version: str | None) -> str | None:
        if version is not None and (problem := version_problem(version)):
            raise ValueError(f"invalid model version {version!r}: {problem}")
        return version


def load_train_config(path: str | Path) -> TrainConfig:
    path = Path(path)
    config = validate_file(path, TrainConfig)
    base = path.resolve().parent
    candidate = base / config.base_model
    if not Path(config.base_model).is_absolute() and candidate.exists():
        config.base_model = str(candidate.resolve())
    config.registry = resolve_path(base, config.registry)
    config.work_dir = resolve_path(base, config.work_dir)
    if config.pipeline is not None:
        config.pipeline = resolve_path(base, config.pipeline)
        if not config.pipeline.is_file():
            raise ConfigError(f"{path}: pipeline config not found: {config.pipeline}")
    config.data.gold = [resolve_path(base, p) for p in config.data.gold]
    config.data.test = [resolve_path(base, p) for p in config.data.test]
    config.data.add = [resolve_path(base, p) for p in config.data.add]
    if config.data.corpus:
        config.data.corpus = resolve_path(base, config.data.corpus)
    if config.data.ner_root:
        config.data.ner_root = resolve_path(base, config.data.ner_root)
    for gold in [*config.data.gold, *config.data.test, *config.data.add]:
        if not gold.is_file():
            raise ConfigError(f"{path}: gold file not found: {gold}")
    config.source = path.resolve()
    return config
