"""The pipeline configuration (``configs/govtag.yaml``), validated, and where govtag finds it.

Relative paths in a config file are resolved against the folder that holds the
file, so a config works from any working directory. The config is the first of:

1. ``--config FILE`` (``load_config(path)``);
2. ``$GOVTAG_CONFIG``;
3. ``./configs/govtag.yaml`` in the working directory;
4. the installed default: the built-in values (the same as ``configs/govtag.yaml``)
   with the model registry in the model home (:func:`model_home`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from govtag.errors import ConfigError
from govtag.strict import StrictModel
from govtag.vocabulary import Backend, EntityType

CONFIG_ENV = "GOVTAG_CONFIG"
HOME_ENV = "GOVTAG_HOME"
DEFAULT_CONFIG_NAME = Path("configs") / "govtag.yaml"
#: The registry folder inside the model home.
REGISTRY_FOLDER = "models"




_MIB = 1024 * 1024


class IngestConfig(StrictModel):
    """What reading one input may cost: a hostile or broken file is refused, not obeyed.

    A .docx is a zip archive and a PDF holds compressed streams; their sizes once
    decompressed are checked as declared and again while reading.
    """

    max_file_bytes: int = Field(64 * _MIB, ge=1, description="largest input file on disk, in bytes")
    max_chars: int = Field(
        2_000_000, ge=1, description="longest document text, in characters (a yearly report has ~20,000)"
    )
    max_member_bytes: int = Field(
        32 * _MIB, ge=1024, description="largest decompressed archive member (docx) or PDF stream, in bytes"
    )
    max_total_bytes: int = Field(
        128 * _MIB, ge=1024, description="largest decompressed total of one file's members or extracted text, in bytes"
    )
    max_members: int = Field(10_000, ge=1, description="most members in one .docx archive")
    max_pdf_pages: int = Field(5_000, ge=1, description="most pages in one PDF")


class SegmentationConfig(StrictModel):
    max_chars: int = Field(300, ge=20, le=5000, description="longest segment before a forced split")


#: The file that marks a complete model version folder (written last by the trainer).
MODEL_META = "govtag_model.json"

#: A model version is one folder name in the registry: no separators, no ``..``, no leading dot.
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


def version_problem(version: str) -> str | None:
    """Why ``version`` cannot name a registry folder, or None when it can."""
    if not VERSION_PATTERN.match(version):
        return "use only letters, digits, '.', '_' and '-', not starting with a dot (no path separators)"
    if ".." in version:
        return "'..' is not allowed"
    return None


class VerificationConfig(StrictModel):
    """How closely a model must reproduce its build-time canary outputs before it may serve.

    Float noise between machines moves probabilities by far less than these
    tolerances; damaged or swapped weights move them far more.
    """

    min_label_agreement: float = Field(
        0.9, ge=0.0, le=1.0, description="share of canaries whose most likely label must match the build's"
    )
    max_prob_delta: float = Field(
        0.05, gt=0.0, le=1.0, description="largest allowed absolute change of any canary label probability"
    )
    min_entity_agreement: float = Field(
        0.9, ge=0.0, le=1.0, description="F1 between the canaries' entity spans now and at build time"
    )


class ModelConfig(StrictModel):
    registry: Path = Field(Path("models"), description="folder that holds trained model versions")
    name: str = Field("govtag-default", description="model name inside the registry")
    version: str | None = Field(None, description="pin a version; None uses the registry's active one")
    verification: VerificationConfig = Field(
        default_factory=VerificationConfig, description="checks a model passes before it loads or is activated"
    )
    batch_size: int = Field(32, ge=1, le=1024, description="most windows in one forward pass")
    runtime: Literal["auto", "torch", "torch-bf16", "torch-bf16-compiled", "torch-int8"] = Field(
        "auto",
        description="auto: torch-bf16 where the CPU has native bf16, else torch (fp32), and torch-bf16-compiled "
        "for corpus runs of at least compile_min_documents documents; torch-int8: dynamic int8",
    )
    compile_min_documents: int = Field(
        50, ge=1, description="runtime auto: compile the network (a warm-up of seconds) for runs this long"
    )
    device: str = Field("cpu", description="torch device for inference")
    smooth_labels: bool = Field(
        True, description="smooth the model's label scores along the document's paragraphs (govtag.smoothing)"
    )

    @field_validator("version")
    @classmethod
    def _safe_version(cls, version: str | None) -> str | None:
        if version is not None and (problem := version_problem(version)):
            raise ValueError(f"invalid model version {version!r}: {problem}")
        return version


EntitySource = Literal["rules", "model", "union"]


class MergeConfig(StrictModel):
    """How the merged backend combines rules and model."""

    model_label_weight: float = Field(
        0.3, ge=0.0, le=1.0, description="weight of the model's label probabilities (the rest: rules)"
    )
    entity_sources: dict[EntityType, EntitySource] = Field(
        default_factory=lambda: {"ORG": "rules", "DOC_NO": "rules", "NUM": "rules", "POLICY": "rules"},
        description="per type: take rules spans, model spans, or their union (rules first, longer wins)",
    )


class GovtagConfig(StrictModel):
    backend: Backend = "merged"
    ingest: IngestConfig = IngestConfig()
    segmentation: SegmentationConfig = SegmentationConfig()
    model: ModelConfig = ModelConfig()
    merge: MergeConfig = MergeConfig()
    source: Path | None = Field(None, exclude=True, description="the file this config came from")


def resolve_path(base: Path, path: Path) -> Path:
    """``path`` as given when absolute, else relative to ``base`` (a config file's folder)."""
    return path if path.is_absolute() else (base / path).resolve()


M = TypeVar("M", bound=BaseModel)


def validate_file(path: Path, model: type[M], overrides: dict[str, Any] | None = None) -> M:
    """Read a YAML file into ``model``; every problem is a ConfigError naming the file and field."""
    data = load_yaml(path)
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from exc


def load_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping; a clear ConfigError for a missing file or bad YAML."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def format_validation_error(path: Path | str, exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
    )
    return f"{path}: {problems}"


def locate_file(explicit: str | Path | None, env_var: str, default: Path) -> Path | None:
    """An explicit path, then the one in ``$env_var``, then ``./default`` when it exists."""
    if explicit:
        return Path(explicit)
    if os.environ.get(env_var):
        return Path(os.environ[env_var])
    candidate = Path.cwd() / default
    return candidate if candidate.is_file() else None


def find_config_path(explicit: str | Path | None = None) -> Path | None:
    """The config to use: an explicit path, then $GOVTAG_CONFIG, then ./configs/govtag.yaml."""
    return locate_file(explicit, CONFIG_ENV, DEFAULT_CONFIG_NAME)


def source_checkout() -> Path | None:
    """The checkout this package runs from (an editable install or the source tree), or None.

    A checkout is the folder above the ``govtag`` package when it holds the
    project's ``pyproject.toml`` and ``configs/govtag.yaml``; an installed wheel has neither.
    """
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / DEFAULT_CONFIG_NAME).is_file() else None


def user_data_dir() -> Path:
    """``$XDG_DATA_HOME/govtag``, by default ``~/.local/share/govtag``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "govtag"


def model_home() -> Path:
    """The registry the installed default config uses: ``$GOVTAG_HOME/models``, else the
    checkout's ``models/`` (where ``bash setup.sh`` builds the default model), else
    ``models/`` in the user data folder (:func:`user_data_dir`)."""
    if os.environ.get(HOME_ENV):
        return (Path(os.environ[HOME_ENV]).expanduser() / REGISTRY_FOLDER).resolve()
    checkout = source_checkout()
    return checkout / REGISTRY_FOLDER if checkout else user_data_dir() / REGISTRY_FOLDER


def config_search(explicit: str | Path | None = None, model: str | Path | None = None) -> list[str]:
    """Every place the config search looks, in order, with what it found there, and the
    ``--model`` given (for error messages)."""
    env = os.environ.get(CONFIG_ENV)
    found = find_config_path(explicit)
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    steps = [
        f"--config: {explicit}" if explicit else "--config: not given",
        f"${CONFIG_ENV}: {env}" if env else f"${CONFIG_ENV}: not set",
        f"./{DEFAULT_CONFIG_NAME}: {local}" + ("" if local.is_file() else " (not there)"),
    ]
    if found is None:
        home = os.environ.get(HOME_ENV)
        origin = f"${HOME_ENV}={home}" if home else ("the checkout" if source_checkout() else "the user data folder")
        steps.append(f"installed default: model registry {model_home()} (from {origin})")
    else:
        steps.append(f"used: {found.resolve()}")
    if model:
        steps.append(f"--model: {model} (instead of the config's model)")
    return steps


def load_config(path: str | Path | None = None) -> GovtagConfig:
    """Load and validate the pipeline config (the search order is in the module docstring)."""
    config_path = find_config_path(path)
    if config_path is None:
        config = GovtagConfig()
        config.model.registry = model_home()
        return config
    config = validate_file(config_path, GovtagConfig)
    config.model.registry = resolve_path(config_path.resolve().parent, config.model.registry)
    config.source = config_path.resolve()
    return config


def choose_model(config: GovtagConfig, choice: str | Path | None) -> GovtagConfig:
    """Point ``config`` at the model ``--model`` names (in place; returns it).

    ``choice`` is a model version folder (one with ``govtag_model.json``), a model's
    folder of versions (its ``ACTIVE`` version is used), a registry folder holding the
    config's model name, or a version name in the config's registry.
    """
    if not choice:
        return config
    path = Path(choice).expanduser()
    model = config.model
    if path.is_dir():
        path = path.resolve()
        if (path / MODEL_META).is_file():
            model.registry, model.name, model.version = path.parent.parent, path.parent.name, path.name
        elif (path / model.name).is_dir():
            model.registry, model.version = path, None
        else:
            model.registry, model.name, model.version = path.parent, path.name, None
        if model.version is not None and (problem := version_problem(model.version)):
            raise ConfigError(f"--model {choice}: the folder name {model.version!r} is not a version name: {problem}")
        return config
    if len(path.parts) > 1 or (problem := version_problem(str(choice))):
        raise ConfigError(f"--model {choice}: no such folder, and not a version name in {model.registry / model.name}")
    model.version = str(choice)
    return config
