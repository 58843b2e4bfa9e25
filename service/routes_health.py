"""``GET /healthz`` (the process answers), ``GET /readyz`` (models loaded and warm), ``GET /metrics``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from govtag.service.deps import ServiceDep
from govtag.service.schemas import ErrorDetail, Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: every configured backend is loaded and warm",
    responses={
        503: {
            "model": Readiness,
            "description": "loading, the model failed to load, or the serving model gave NaN/inf scores",
        }
    },
)
async def readyz(service: ServiceDep) -> JSONResponse:
    models = service.models
    gen = models.generation
    loaded = set(gen.pipelines) if gen else set()
    if models.ready:
        status, error = "ready", None
    elif models.health_error and not models.loading:
        status, error = "unavailable", ErrorDetail(code="model_unhealthy", message=models.health_error)
    elif models.loading:
        status, error = "loading", ErrorDetail(code="loading", message="the model is loading")
    else:
        status = "unavailable"
        error = ErrorDetail(code="model_unavailable", message=models.error or "the model is not loaded")
    body = Readiness(
        status=status,
        model_version=gen.model_version if gen else None,
        backends={backend: backend in loaded for backend in service.backends},
        error=error,
    )
    headers = None if models.ready else {"Retry-After": str(service.settings.retry_after_s)}
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=200 if models.ready else 503, headers=headers
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(service: ServiceDep) -> Response:
    return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)
