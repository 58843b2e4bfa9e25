"""Dependency aliases for the routes (``Annotated[..., Depends(...)]``)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from govtag.service.core import GovtagService
from govtag.service.errors import ServiceError
from govtag.service.settings import ServiceSettings


def get_service(request: Request) -> GovtagService:
    return request.app.state.service


ServiceDep = Annotated[GovtagService, Depends(get_service)]


def get_settings(service: ServiceDep) -> ServiceSettings:
    return service.settings


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="the admin_token of the service settings")


def require_admin(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Admin routes: 404 while no admin token is configured, 401 without the right bearer token."""
    if settings.admin_token is None:
        raise ServiceError(
            "admin endpoints are disabled: set admin_token (GOVTAG_SERVICE_ADMIN_TOKEN) to enable them",
            status_code=404,
            code="admin_disabled",
        )
    expected = settings.admin_token.get_secret_value().encode("utf-8")
    given = credentials.credentials.encode("utf-8") if credentials is not None else b""
    if not given or not hmac.compare_digest(given, expected):
        raise ServiceError(
            "a valid bearer token is required (Authorization: Bearer <admin_token>)",
            status_code=401,
            code="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )


AdminDep = Annotated[None, Depends(require_admin)]
