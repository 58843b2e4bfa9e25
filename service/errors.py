"""Error responses: every error is ``{"error": {"code": ..., "message": ...}}``.

No handler ever returns a traceback; unexpected exceptions are logged here and
answered with a generic 500.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from govtag.errors import (
    DecodeError,
    EmptyDocumentError,
    GovtagError,
    InputError,
    LimitExceededError,
    UnsupportedFormatError,
)
from govtag.service.security_headers import SECURITY_HEADERS

log = logging.getLogger("govtag.service")


class ServiceError(Exception):
    """An error with an HTTP status, a stable code and a message for the client."""

    status_code = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
        self.headers = headers
        self.details = details


class BadRequest(ServiceError):
    status_code = 400
    code = "bad_request"


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    status_code = 415
    code = "unsupported_media_type"


class Unprocessable(ServiceError):
    status_code = 422
    code = "invalid_request"


class Overloaded(ServiceError):
    status_code = 429
    code = "overloaded"


class Unavailable(ServiceError):
    status_code = 503
    code = "unavailable"


class Timeout(ServiceError):
    status_code = 504
    code = "timeout"


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"


# How the pipeline's input errors map to HTTP: (status, code).
_INPUT_ERRORS: tuple[tuple[type[GovtagError], int, str], ...] = (
    (UnsupportedFormatError, 415, "unsupported_format"),
    (DecodeError, 422, "decode_error"),
    (EmptyDocumentError, 422, "empty_document"),
    (LimitExceededError, 413, "limit_exceeded"),
    (InputError, 422, "invalid_input"),
)


def from_input_error(exc: InputError) -> ServiceError:
    for cls, status, code in _INPUT_ERRORS:
        if isinstance(exc, cls):
            return ServiceError(str(exc) or cls.__doc__ or code, status_code=status, code=code)
    raise AssertionError("unreachable")  # pragma: no cover


def encodable(text: str) -> str:
    """``text`` with lone UTF-16 surrogates written as ``\\udXXX``: an error that quotes the client's
    input (a field name, say) must still encode as UTF-8 JSON."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": encodable(message)}
    if details is not None:
        error["details"] = details
    return {"error": error}


def error_response(exc: ServiceError) -> JSONResponse:
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details), status_code=exc.status_code, headers=exc.headers
    )


def from_validation_errors(errors: Sequence[Any], what: str = "request body", prefix: tuple[str, ...] = ()) -> ServiceError:
    """400 when the JSON itself is malformed, else 422 naming every failing field."""
    if any(err.get("type") == "json_invalid" for err in errors):
        return BadRequest(f"{what} is not valid JSON", code="malformed_json")
    message, details = describe_validation_errors(errors, prefix)
    return Unprocessable(message, details=details)


# pydantic messages that do not say what is wrong with the client's value
_MESSAGES = {
    "string_unicode": "not valid Unicode: it holds a lone UTF-16 surrogate (such as \\ud800)",
}


def describe_validation_errors(
    errors: Sequence[Any], prefix: tuple[str, ...] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """A one-line message and JSON-safe details (location, message, type) for pydantic errors."""
    details = []
    for err in errors:
        loc = [*prefix, *(encodable(str(part)) for part in err.get("loc", ()))]
        kind = str(err.get("type", ""))
        msg = _MESSAGES.get(kind) or encodable(str(err.get("msg", "")))
        details.append({"loc": loc, "msg": msg, "type": kind})
    message = "; ".join(
        f"{'.'.join(d['loc']) or 'body'}: {d['msg']}" for d in details[:5]
    ) + (f" (and {len(details) - 5} more)" if len(details) > 5 else "")
    return message or "invalid request", details


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "overloaded",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        return error_response(from_input_error(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(from_validation_errors(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        # answered outside the middleware stack, so the security headers are added here
        return JSONResponse(
            error_body("internal_error", "internal server error"), status_code=500, headers=SECURITY_HEADERS
        )
