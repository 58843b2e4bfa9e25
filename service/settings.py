"""Service settings: ``configs/service.yaml``, overridden by ``GOVTAG_SERVICE_*`` variables.

Precedence, highest first: keyword arguments (the CLI's ``--host``/``--port``),
environment variables (``GOVTAG_SERVICE_PORT=9000``; nested sections with a double
underscore, ``GOVTAG_SERVICE_BATCHING__ENABLED=false``), the YAML file, the defaults.

Relative paths in the YAML file are resolved against the folder that holds it;
relative paths from the environment against the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from govtag.config import format_validation_error, load_yaml, locate_file
from govtag.errors import ConfigError
from govtag.strict import StrictModel
from govtag.vocabulary import Backend

ENV_PREFIX = "GOVTAG_SERVICE_"
SETTINGS_ENV = ENV_PREFIX + "SETTINGS"
DEFAULT_SETTINGS_NAME = Path("configs") / "service.yaml"





class Limits(StrictModel):
    max_text_chars: int = Field(200_000, ge=1, description="longest document text, in characters (413 beyond)")
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1, description="largest uploaded file (413 beyond)")
    max_batch_documents: int = Field(64, ge=1, description="most documents in one batch request (413 beyond)")
    max_request_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="largest request body of any kind (413 beyond)"
    )


class Parsing(StrictModel):
    """Uploaded files are parsed in worker processes (``govtag.ingest.sandbox``) bounded by these."""

    timeout_s: float = Field(20.0, gt=0, le=600, description="longest parse of one upload; 413 beyond")
    memory_mb: int = Field(
        1024, ge=64, le=65536, description="address space a parse may add to its worker process; 413 beyond"
    )
    max_concurrent: int = Field(2, ge=1, le=64, description="uploads parsed at the same time")
    max_waiting: int = Field(8, ge=0, le=4096, description="uploads waiting for a parser; 429 beyond")


class Batching(StrictModel):
    enabled: bool = Field(True, description="false: every document is tagged on its own (no micro-batching)")
    max_batch_size: int = Field(16, ge=1, le=4096, description="most documents tagged in one pipeline call")
    max_wait_ms: float = Field(10.0, ge=0, le=10_000, description="how long a batch waits to fill up")
    queue_size: int = Field(256, ge=1, description="documents waiting per backend before 429")
    max_active: int = Field(
        4, ge=1, le=256, description="batches in progress at once; they take turns chunk by chunk"
    )


class Timeouts(StrictModel):
    """How long a client may take to send a request, and to come back on a kept-alive connection."""

    header_s: float = Field(
        10.0, gt=0, le=600, description="request line and headers must arrive within this (408, then closed)"
    )
    body_s: float = Field(
        30.0, gt=0, le=3600, description="the whole body must arrive within this after the headers (408)"
    )
    keep_alive_s: float = Field(5.0, gt=0, le=600, description="an idle kept-alive connection is closed after this")


class Training(StrictModel):
    """``POST /v1/admin/train``: one training job at a time, in a background ``govtag train`` process.

    Disabled (404) until both ``config`` and ``gold_dir`` are set. A request may name another
    training config, by a path inside the folder of ``config``, and gold files inside ``gold_dir``.
    """

    config: Path | None = Field(None, description="training config of a job whose request names none")
    gold_dir: Path | None = Field(None, description="folder the gold files of a request must be in")
    max_progress_lines: int = Field(200, ge=1, le=100_000, description="progress lines kept per job")
    timeout_s: float = Field(6 * 3600, gt=0, description="a job running longer is stopped and fails")

    @property
    def enabled(self) -> bool:
        return self.config is not None and self.gold_dir is not None


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    host: str = Field("127.0.0.1", description="bind address")
    port: int = Field(8000, ge=0, le=65535, description="port (0: any free port)")
    pipeline_config: Path | None = Field(
        None, description="pipeline config (configs/govtag.yaml); None: $GOVTAG_CONFIG or ./configs/govtag.yaml"
    )
    model_registry: Path | None = Field(None, description="overrides model.registry of the pipeline config")
    model: str | None = Field(
        None, description="the model to serve, as `--model` takes it: a version, a version's folder or a registry"
    )
    default_backend: Backend | None = Field(None, description="backend when a request names none; None: the config's")
    backends: list[Backend] | None = Field(
        None,
        description="backends to serve; None: all three, or only rules when the default backend is rules",
    )
    limits: Limits = Limits()
    batching: Batching = Batching()
    timeouts: Timeouts = Timeouts()
    parsing: Parsing = Parsing()
    training: Training = Training()
    request_timeout_s: float = Field(60.0, gt=0, le=3600, description="per request, queueing included; 504 beyond")
    inference_threads: int = Field(1, ge=1, le=64, description="worker threads that run the pipeline")
    admin_token: SecretStr | None = Field(None, description="bearer token for /v1/admin/*; None disables them")
    retry_after_s: int = Field(1, ge=1, le=3600, description="Retry-After sent with 429 and 503")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    source: Path | None = Field(None, exclude=True, description="the settings file these came from")

    @model_validator(mode="after")
    def _check(self) -> ServiceSettings:
        if self.admin_token is not None and not self.admin_token.get_secret_value().strip():
            self.admin_token = None  # an empty token means "disabled", never "anything goes"
        if self.backends is not None:
            if not self.backends:
                raise ValueError("backends: name at least one of rules, model, merged")
            self.backends = list(dict.fromkeys(self.backends))
            if self.default_backend is not None and self.default_backend not in self.backends:
                raise ValueError(f"default_backend {self.default_backend!r} is not in backends {self.backends}")
        if self.limits.max_batch_documents > self.batching.queue_size:
            raise ValueError(
                f"limits.max_batch_documents ({self.limits.max_batch_documents}) must not exceed "
                f"batching.queue_size ({self.batching.queue_size}): such a batch could never be queued"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file is passed in by load_settings as init values of lower
        # priority (see there); dotenv files and secret dirs are not used.
        return (init_settings, env_settings)

    def resolved_backends(self, config_backend: str) -> list[str]:
        default = self.default_backend or config_backend
        if self.backends is not None:
            return list(self.backends)
        return ["rules"] if default == "rules" else ["rules", "model", "merged"]


def find_settings_path(explicit: str | Path | None = None) -> Path | None:
    """The settings file: an explicit path, then $GOVTAG_SERVICE_SETTINGS, then ./configs/service.yaml."""
    return locate_file(explicit, SETTINGS_ENV, DEFAULT_SETTINGS_NAME)


_PATH_FIELDS = ("pipeline_config", "model_registry")
_SECTION_PATH_FIELDS = {"training": ("config", "gold_dir")}


def load_settings(settings_file: str | Path | None = None, **overrides: Any) -> ServiceSettings:
    """Read and validate the settings; a ConfigError that names the file and the bad values.

    ``overrides`` (None values ignored) take precedence over the environment and the file.
    """
    path = find_settings_path(settings_file)
    file_values: dict[str, Any] = {}
    if path is not None:
        file_values = load_yaml(path)
        base = path.resolve().parent
        _resolve_paths(file_values, _PATH_FIELDS, base)
        for section, keys in _SECTION_PATH_FIELDS.items():
            if isinstance(file_values.get(section), dict):
                _resolve_paths(file_values[section], keys, base)
    explicit = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = _with_file_defaults(file_values)(**explicit)
    except ValidationError as exc:
        where = f"service settings ({path or 'no file'}, {ENV_PREFIX}* variables)"
        raise ConfigError(format_validation_error(where, exc)) from exc
    settings.source = path.resolve() if path is not None else None
    return settings


def _resolve_paths(values: dict[str, Any], keys: tuple[str, ...], base: Path) -> None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            values[key] = str((base / value).resolve())


def _with_file_defaults(file_values: dict[str, Any]) -> type[ServiceSettings]:
    """A settings class whose lowest-priority source (below env vars) is the YAML file."""
    if not file_values:
        return ServiceSettings

    class _FileSource(PydanticBaseSettingsSource):
        def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
            return file_values.get(field_name), field_name, False

        def __call__(self) -> dict[str, Any]:
            return dict(file_values)

    class FileServiceSettings(ServiceSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, _FileSource(settings_cls))

    return FileServiceSettings
