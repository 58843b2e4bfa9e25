"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from govtag import __version__
from govtag.service import routes_admin, routes_annotate, routes_health, routes_model, routes_page
from govtag.service.core import GovtagService
from govtag.service.errors import install_error_handlers
from govtag.service.middleware import LimitAndMeasure
from govtag.service.models import TaggerFactory
from govtag.service.openapi import DOCS_PATH, install_docs, install_openapi
from govtag.service.routes_page import STATIC_DIR
from govtag.service.security_headers import SecurityHeaders
from govtag.service.settings import ServiceSettings, load_settings
from govtag.tag import create_taggers

DESCRIPTION = """Tags Chinese rule-of-law government reports: every heading and sentence gets a
label (achievement, problem, plan, other) and entities (ORG, DOC_NO, NUM, POLICY) come with
character offsets into the submitted text (``text[start:end]``). Errors are
``{"error": {"code": ..., "message": ...}}``."""


def create_app(
    settings: ServiceSettings | None = None, tagger_factory: TaggerFactory = create_taggers
) -> FastAPI:
    """Build the app; models load in the background once it starts (see ``/readyz``)."""
    settings = settings or load_settings()
    service = GovtagService(settings, tagger_factory=tagger_factory)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="govtag",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # install_docs serves /docs from local files
        redoc_url=None,
    )
    app.state.service = service
    install_openapi(app, service)
    install_docs(app)
    install_error_handlers(app)
    app.add_middleware(
        LimitAndMeasure,
        metrics=service.metrics,
        max_body=settings.limits.max_request_bytes,
        body_timeout_s=settings.timeouts.body_s,
    )
    app.add_middleware(SecurityHeaders, docs_path=DOCS_PATH)  # outermost: also on the 413 answers
    app.include_router(routes_annotate.router)
    app.include_router(routes_model.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_health.router)
    app.include_router(routes_page.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
