"""Requests generated from the OpenAPI spec (schemathesis + hypothesis) against the live server.

Positive and negative examples for every operation, a bounded number of each so
the run stays well under a minute: no 5xx, and every answer has a documented
status, content type and body.

(The schema is loaded inside the test rather than through
``schemathesis.pytest.from_fixture``, whose lazy loader does not work with this
pytest.)
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service_helpers import LiveServer

MAX_EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_generated_requests_get_no_server_error(rules_server: LiveServer, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(rules_server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /v1/annotate", "POST /v1/annotate/batch", "GET /v1/model"}
    exercised = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS, timeout=60)

        try:
            check()
        except Unsatisfiable:
            # an operation without parameters or body has no invalid input to generate
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue
        except Exception as exc:
            raise AssertionError(f"{operation.label} ({mode.value}): {exc}") from exc
        exercised += 1
    assert exercised >= 2
    with httpx.Client(base_url=rules_server.url) as client:
        metrics = client.get("/metrics").text
    annotate_calls = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith('govtag_http_requests_total{method="POST",route="/v1/annotate"')
    )
    assert annotate_calls >= MAX_EXAMPLES // 2  # the generated requests did reach the annotate route
