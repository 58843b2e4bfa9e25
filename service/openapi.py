"""The OpenAPI schema of one server: the generated one, plus what this server's settings enforce.

FastAPI derives the schema from the models alone. Three limits depend on the
settings, and a client (or a schema-driven test) needs them to know which
requests are accepted: the backends served, the most documents in a batch and
the longest text of ``POST /v1/annotate``. The annotate route also reads
its body itself, so the schemas of those models are added here.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

from govtag.config import IngestConfig
from govtag.service.core import GovtagService
from govtag.service.routes_annotate import SELF_READ_MODELS

_REF = "#/components/schemas/{model}"


def install_openapi(app: FastAPI, service: GovtagService) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) return :func:`server_schema`."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = server_schema(generate(), service)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


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
