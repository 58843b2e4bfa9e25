"""The OpenAPI schema of one server (the generated one, plus what its settings enforce) and its ``/docs`` page.

FastAPI derives the schema from the models alone. Three limits depend on the
settings, and a client (or a schema-driven test) needs them to know which
requests are accepted: the backends served, the most documents in a batch and
the longest text of ``POST /v1/annotate``. The annotate route also reads
its body itself, so the schemas of those models are added here.

``/docs`` is FastAPI's Swagger UI page with its script, stylesheet and icon
served by this server from the ``fastapi-offline`` package (FastAPI's page
loads them from a CDN), so the docs work without the internet.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from govtag.config import IngestConfig
from govtag.service.core import GovtagService
from govtag.service.routes_annotate import SELF_READ_MODELS

_REF = "#/components/schemas/{model}"

DOCS_PATH = "/docs"
#: where the Swagger UI files are served (``swagger-ui-bundle.js``, ``swagger-ui.css``, ``favicon.png``)
DOCS_ASSETS_PATH = "/docs-assets"
_DOCS_ASSETS_PACKAGE = ("fastapi_offline", "static")


def install_openapi(app: FastAPI, service: GovtagService) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) return :func:`server_schema`."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = server_schema(generate(), service)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at :data:`DOCS_PATH` from local files (the app is created with ``docs_url=None``)."""
    app.mount(DOCS_ASSETS_PATH, StaticFiles(packages=[_DOCS_ASSETS_PACKAGE]), name="docs-assets")
    redirect_path = app.swagger_ui_oauth2_redirect_url or f"{DOCS_PATH}/oauth2-redirect"

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=redirect_path,
            swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PATH}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get(redirect_path, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


def server_schema(generated: dict[str, Any], service: GovtagService) -> dict[str, Any]:
    """A copy of ``generated`` (shared parts may be cached by FastAPI) with this server's limits."""
    schema = copy.deepcopy(generated)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in SELF_READ_MODELS:
        model_schema = model.model_json_schema(ref_template=_REF)
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema

    _set_enum(components["AnnotateOptions"]["properties"]["backend"], list(service.backends))
    # the text limit (413 beyond) goes into the description, not maxLength: a limit of 10^5
    # characters is a resource limit like the body size, and schemathesis' coverage phase finds
    # such a maxLength unsatisfiable (it then mislabels the cases it builds around it)
    max_chars = min(service.settings.limits.max_text_chars, IngestConfig().max_chars)
    text = components["AnnotateRequest"]["properties"]["text"]
    text["description"] += f"; at most {max_chars} characters (413 beyond)"
    components["BatchRequest"]["properties"]["documents"]["maxItems"] = service.settings.limits.max_batch_documents
    return schema


def _set_enum(property_schema: dict[str, Any], values: list[str]) -> None:
    """Replace the enum of an optional enum property (``anyOf: [{enum}, {type: null}]``)."""
    choices = [part for part in property_schema.get("anyOf", [property_schema]) if "enum" in part]
    if len(choices) != 1:
        raise RuntimeError(f"expected one enum in {property_schema}")
    choices[0]["enum"] = values
