"""The schemathesis CLI, every check on, against a live server: zero failures.

Positive and negative requests from the OpenAPI schema (coverage and fuzzing
phases, a fixed seed, 100 examples per operation) check that every documented
constraint is what the server enforces: schema-valid requests are accepted,
schema-violating ones rejected, no 5xx, and every answer matches its documented
status, headers, content type and body. The admin token is sent, so the reload
endpoint is exercised too (and ``ignored_auth`` checks it refuses without it).

``schemathesis_hooks.py`` says what an uploaded text file holds, and
``schemathesis.toml`` holds the run's one setting that the command line lacks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from service_helpers import ADMIN_TOKEN, LiveServer

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 100
SEED = 20240808


def _annotate_calls(client: httpx.Client, status: str) -> float:
    prefix = 'govtag_http_requests_total{method="POST",route="/v1/annotate",status="' + status + '"}'
    return sum(float(line.rsplit(" ", 1)[1]) for line in client.get("/metrics").text.splitlines() if line.startswith(prefix))


def test_schemathesis_cli_finds_no_failures(rules_server: LiveServer, tmp_path: Path) -> None:
    with rules_server.client() as client:
        accepted_before = _annotate_calls(client, "200")
    command = [
        str(SCHEMATHESIS),
        "--config-file", str(HERE / "schemathesis.toml"),
        "--no-color",
        "run", rules_server.url + "/openapi.json",
        "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",
        "--generation-database", "none",
        "--request-timeout", "60",
        "--header", f"Authorization: Bearer {ADMIN_TOKEN}",
        # training jobs are off on this server (404); tests/service/test_admin_train.py runs real ones
        "--exclude-path-regex", "^/v1/admin/(train|jobs)",
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "schemathesis_hooks.py")}
    run = subprocess.run(command, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    report = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis exited {run.returncode}:\n{report[-20000:]}"
    assert "No issues found" in report, report[-20000:]
    with rules_server.client() as client:
        # the generated requests did get through to the annotate route, and many were annotated
        assert _annotate_calls(client, "200") - accepted_before >= MAX_EXAMPLES // 2
