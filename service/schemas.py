"""Request and response bodies of the HTTP API (results use :class:`govtag.schema.DocumentResult`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from govtag.schema import Backend, DocumentResult, EntityType, Label, OutputOptions
from govtag.strict import StrictModel


class _Request(BaseModel):
    """A request body: unknown keys and wrongly typed values (``"include_text": 0``) are rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)


#: documented in the schema (enforced by the ingest, as ``empty_document``): the text has a
#: non-whitespace character. Python's ``\S`` is the complement of what ``str.strip()`` removes.
NON_BLANK = {"minLength": 1, "pattern": r"\S"}
MAX_ID_CHARS = 200


class AnnotateOptions(_Request):
    """What to compute and what to return. Unknown keys are rejected (422)."""

    labels: list[Label] | None = Field(None, description="keep only sentences with these labels")
    entity_types: list[EntityType] | None = Field(None, description="keep only these entity types")
    include_text: bool = Field(True, description="false: return only text_sha256, not the text")
    backend: Backend | None = Field(
        None, description="rules, model or merged (one this server serves: GET /v1/model); default: the server's"
    )

    def output_options(self) -> OutputOptions:
        return OutputOptions(labels=self.labels, entity_types=self.entity_types, include_text=self.include_text)


class BatchOptions(AnnotateOptions):
    """As AnnotateOptions; a backend this server does not serve fails the documents that ask for it,
    each in its own result slot."""


class AnnotateRequest(_Request):
    text: str = Field(
        description="the report (not blank); every offset in the result indexes this string as sent",
        json_schema_extra=NON_BLANK,
    )
    id: str | None = Field(None, max_length=MAX_ID_CHARS, description="document id echoed in the result")
    options: AnnotateOptions | None = None


class BatchDocument(_Request):
    """One document of a batch: a blank or over-long text fails in its own result slot, not the request."""

    text: str = Field(description="the report; every offset in the result indexes this string as sent")
    id: str | None = Field(None, max_length=MAX_ID_CHARS, description="document id echoed in the result")
    options: BatchOptions | None = None


class BatchRequest(_Request):
    documents: list[BatchDocument] = Field(min_length=1, description="annotated in order")
    options: BatchOptions | None = Field(
        None, description="defaults for every document; a document's own options replace them"
    )


class ErrorDetail(StrictModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(StrictModel):
    error: ErrorDetail


class BatchSlotError(ErrorDetail):
    status: int = Field(description="the HTTP status this error would have as a single request")


class BatchSuccess(StrictModel):
    ok: Literal[True] = True
    result: DocumentResult


class BatchFailure(StrictModel):
    ok: Literal[False] = False
    error: BatchSlotError


BatchSlot = Annotated[BatchSuccess | BatchFailure, Field(discriminator="ok")]


class BatchResponse(StrictModel):
    results: list[BatchSlot]
    succeeded: int
    failed: int


class ModelInfo(StrictModel):
    ready: bool = Field(description="every configured backend is loaded and warm")
    loading: bool
    rules_only: bool = Field(description="true when this server runs without a model")
    message: str
    default_backend: Backend
    backends: list[Backend] = Field(description="backends this server is configured to serve")
    loaded_backends: list[Backend]
    model_version: str | None
    model: dict[str, Any] | None = Field(
        description="the model tagger's info(): version, base (a local base model by its folder name), labels, metrics"
    )
    taggers: dict[str, dict[str, Any]] = Field(description="info() of each loaded backend")
    registry: str | None = Field(None, description="the model's name in the registry (server paths are not shown)")
    registry_active_version: str | None = None
    registry_versions: list[str] = []
    error: str | None = None
    generation: int | None = None
    loaded_at: datetime | None = None


class ReloadResponse(StrictModel):
    reloaded: bool
    previous_version: str | None
    model_version: str | None
    backends: list[Backend]
    generation: int


class Health(StrictModel):
    status: Literal["ok"]


class Readiness(StrictModel):
    status: Literal["ready", "loading", "unavailable"]
    model_version: str | None = None
    backends: dict[str, bool]
    error: ErrorDetail | None = None
