"""``GET /v1/model`` and ``POST /v1/admin/reload``."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter

from govtag.model.registry import registry_for
from govtag.service.deps import AdminDep, ServiceDep
from govtag.service.public_info import public_message, public_value
from govtag.service.schemas import ErrorResponse, ModelInfo, ReloadResponse

router = APIRouter(prefix="/v1", tags=["model"])


@router.get("/model", response_model=ModelInfo, summary="The model and backends being served")
async def model_info(service: ServiceDep) -> ModelInfo:
    models = service.models
    gen = models.generation
    taggers = public_value(gen.info()) if gen else {}
    model = taggers.get("model") or next(
        (info for info in taggers.values() if info.get("version") is not None), None
    )
    registry = registry_for(service.config.model)
    rules_only = not models.uses_model
    if rules_only:
        message = "rules-only configuration: no model is loaded; sentences and entities come from the rules"
    elif models.ready:
        message = f"serving model {gen.model_version if gen else None}"
    elif models.loading:
        message = "the model is loading"
    else:
        message = f"the model is not available: {public_message(models.error or 'unknown error')}"
    return ModelInfo(
        ready=models.ready,
        loading=models.loading,
        rules_only=rules_only,
        message=message,
        default_backend=service.default_backend,
        backends=service.backends,
        loaded_backends=sorted(gen.pipelines) if gen else [],
        model_version=gen.model_version if gen else None,
        model=model,
        taggers=taggers,
        registry=None if rules_only else registry.name,
        registry_active_version=None if rules_only else registry.active_version(),
        registry_versions=[] if rules_only else registry.versions(),
        error=public_message(models.error) if models.error else None,
        generation=gen.number if gen else None,
        loaded_at=datetime.fromtimestamp(gen.loaded_at, timezone.utc) if gen else None,
    )


@router.post(
    "/admin/reload",
    response_model=ReloadResponse,
    summary="Load the registry's active model and swap it in (bearer token)",
    responses={
        401: {"model": ErrorResponse, "description": "missing or wrong bearer token"},
        404: {"model": ErrorResponse, "description": "admin endpoints disabled (no admin_token set)"},
        409: {"model": ErrorResponse, "description": "the new model failed to load (the old one keeps serving), "
              "or a reload is already running"},
    },
)
async def reload_model(service: ServiceDep, _: AdminDep) -> ReloadResponse:
    previous = service.models.generation
    gen = await service.models.reload()
    return ReloadResponse(
        reloaded=True,
        previous_version=previous.model_version if previous else None,
        model_version=gen.model_version,
        backends=sorted(gen.pipelines),
        generation=gen.number,
    )
