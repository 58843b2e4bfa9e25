"""``POST /v1/annotate`` (JSON or a file upload) and ``POST /v1/annotate/batch``."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from govtag.schema import DocumentResult
from govtag.service.core import Job
from govtag.service.deps import ServiceDep
from govtag.service.errors import (
    ServiceError,
    Unprocessable,
    UnsupportedMediaType,
    from_validation_errors,
)
from govtag.service.schemas import (
    MAX_ID_CHARS,
    AnnotateOptions,
    AnnotateRequest,
    BatchFailure,
    BatchRequest,
    BatchResponse,
    BatchSlotError,
    BatchSuccess,
    ErrorResponse,
)
from govtag.service.spacy_export import to_docbin_bytes, to_spacy_doc
from govtag.service.unicode_check import parse_json_allowing_surrogates

router = APIRouter(prefix="/v1", tags=["annotate"])

DOCBIN_MEDIA_TYPE = "application/x-spacy-docbin"
_UPLOAD_FIELDS = {"file", "id", "options"}


class OutputFormat(str, Enum):
    json = "json"
    spacy = "spacy"


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "malformed JSON or multipart body",
        413: "text, file or request over the configured limits",
        415: "unsupported content type or file type",
        422: "invalid request, unknown option, empty or undecodable document",
        429: "queue full; retry after the Retry-After seconds",
        503: "the backend's model is not loaded",
        504: "the request timed out",
    }.items()
}

_REF = "#/components/schemas/{model}"
#: the media types an uploaded file may have (each also known by its file extension)
UPLOAD_MEDIA_TYPES = (
    "text/plain",
    "text/html",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


#: bodies the annotate route reads itself: service/openapi.py adds their schemas to the components
SELF_READ_MODELS: tuple[type[BaseModel], ...] = (AnnotateRequest, AnnotateOptions)

_ANNOTATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": _REF.format(model="AnnotateRequest")}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the report: txt (UTF-8/GBK), html, docx or pdf, with some text",
                        },
                        "id": {"type": "string", "maxLength": MAX_ID_CHARS, "description": "document id"},
                        "options": {
                            "$ref": _REF.format(model="AnnotateOptions"),
                            "description": "AnnotateOptions as a JSON part",
                        },
                    },
                    "additionalProperties": False,
                },
                "encoding": {
                    "file": {"contentType": ", ".join(UPLOAD_MEDIA_TYPES)},
                    "options": {"contentType": "application/json"},
                },
            },
        },
    }
}


@router.post(
    "/annotate",
    response_model=DocumentResult,
    summary="Annotate one report (JSON text or a file upload)",
    responses={
        **_ERRORS,
        200: {
            "description": "the result; with format=spacy a spaCy DocBin holding one Doc",
            "content": {DOCBIN_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
    },
    openapi_extra=_ANNOTATE_BODY,
)
async def annotate(
    request: Request,
    service: ServiceDep,
    format: Annotated[OutputFormat, Query(description="json: the result; spacy: a spaCy DocBin")] = OutputFormat.json,
) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        upload, doc_id, options = await _read_upload(request)
        backend, output = service.resolve(options)
        service.check_backend(backend)  # before spending time on reading the file
        data = await upload.read(service.settings.limits.max_upload_bytes + 1)
        document = await service.from_upload(data, upload.filename, doc_id, upload.content_type)
    elif media_type in ("application/json", "") or media_type.endswith("+json"):
        body = await _read_json(request)
        backend, output = service.resolve(body.options)
        service.check_backend(backend)
        document = service.from_text(body.text, body.id)
    else:
        raise UnsupportedMediaType(
            f"unsupported content type {media_type!r}: send application/json or multipart/form-data",
            code="unsupported_media_type",
        )
    (outcome,) = await service.annotate([Job(document, backend, output)])
    if isinstance(outcome, ServiceError):
        raise outcome
    if format is OutputFormat.spacy:
        doc = to_spacy_doc(outcome, text=document.text)
        return Response(
            to_docbin_bytes([doc]),
            media_type=DOCBIN_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{_safe_name(document.id)}.spacy"'},
        )
    return JSONResponse(outcome.model_dump(mode="json"))


@router.post(
    "/annotate/batch",
    response_model=BatchResponse,
    summary="Annotate many reports; a failing document is reported in its slot",
    responses=_ERRORS,
)
async def annotate_batch(body: BatchRequest, service: ServiceDep) -> BatchResponse:
    limit = service.settings.limits.max_batch_documents
    if len(body.documents) > limit:
        raise ServiceError(
            f"{len(body.documents)} documents in one batch; the limit is {limit}",
            status_code=413,
            code="too_many_documents",
        )
    service.metrics.batch_size.labels("all", "request").observe(len(body.documents))
    jobs: list[Job] = []
    for item in body.documents:
        backend, output = service.resolve(item.options or body.options)
        try:
            service.check_backend(backend)
            jobs.append(Job(service.from_text(item.text, item.id), backend, output))
        except ServiceError as exc:
            jobs.append(Job(None, backend, output, exc))
    outcomes = await service.annotate(jobs)
    slots: list[BatchSuccess | BatchFailure] = []
    for outcome in outcomes:
        if isinstance(outcome, ServiceError):
            slots.append(
                BatchFailure(
                    error=BatchSlotError(
                        code=outcome.code, message=outcome.message, status=outcome.status_code, details=outcome.details
                    )
                )
            )
        else:
            slots.append(BatchSuccess(result=outcome))
    failed = sum(1 for slot in slots if not slot.ok)
    return BatchResponse(results=slots, succeeded=len(slots) - failed, failed=failed)


async def _read_json(request: Request) -> AnnotateRequest:
    body = await request.body()
    if not body.strip():
        raise Unprocessable("the request body is empty; send {\"text\": ...}", code="empty_body")
    try:
        return AnnotateRequest.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    # pydantic's parser refuses lone surrogate escapes ("\ud800") as invalid JSON; they are valid
    # JSON, so such a body is parsed as the batch route parses it and from_text gives the 422
    parsed = parse_json_allowing_surrogates(body) if any(e["type"] == "json_invalid" for e in errors) else None
    if parsed is not None:
        try:
            return AnnotateRequest.model_validate(parsed)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
    raise from_validation_errors(errors) from None


async def _read_upload(request: Request) -> tuple[UploadFile, str | None, AnnotateOptions | None]:
    form = await request.form(max_files=1, max_fields=len(_UPLOAD_FIELDS), max_part_size=64 * 1024)
    unknown = sorted(set(form.keys()) - _UPLOAD_FIELDS)
    if unknown:
        raise Unprocessable(
            f"unknown form field(s) {', '.join(map(repr, unknown))}; expected file, id, options", code="unknown_field"
        )
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Unprocessable("a multipart upload needs a 'file' part holding the report", code="missing_file")
    doc_id = form.get("id")
    if doc_id is not None and (not isinstance(doc_id, str) or len(doc_id) > 200):
        raise Unprocessable("id must be a string of at most 200 characters", code="invalid_request")
    raw_options = form.get("options")
    options = None
    if raw_options is not None:
        if not isinstance(raw_options, str):
            raise Unprocessable("options must be a JSON object in a text field", code="invalid_request")
        try:
            options = AnnotateOptions.model_validate_json(raw_options or "{}")
        except ValidationError as exc:
            raise from_validation_errors(
                exc.errors(include_url=False), what="the options field", prefix=("options",)
            ) from None
    return upload, doc_id or None, options


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)
    return cleaned.strip("._") or "document"

