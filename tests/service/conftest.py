"""Live servers for the service tests: real uvicorn on a free 127.0.0.1 port, called over HTTP.

* ``rules_server``: rules backend only (needs no model), admin token ``ADMIN_TOKEN``.
* ``model_server``: all three backends on the default model of the configured
  registry. When that model is missing the tests that use it FAIL with a message
  saying how to build it (CI builds it before the tests).
* ``api``: parametrised over the backends, so a test written once runs on
  rules, model and merged.
* ``start_server(...)``: a server with any settings (and optionally a custom
  tagger factory), stopped at the end of the session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from service_helpers import (
    ADMIN_TOKEN,
    SEED_REPORTS,
    LiveServer,
    default_model_ref,
    free_port,
    make_settings,
)

from govtag.service.app import create_app
from govtag.service.models import TaggerFactory
from govtag.service.server import uvicorn_config
from govtag.tag import create_taggers


@pytest.fixture(scope="session")
def start_server() -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(
        tagger_factory: TaggerFactory = create_taggers, wait_ready: bool = True, **overrides: Any
    ) -> LiveServer:
        port = free_port()
        settings = make_settings(host="127.0.0.1", port=port, **overrides)
        app = create_app(settings, tagger_factory=tagger_factory)
        config = uvicorn_config(app, settings, log_level="warning")  # as `govtag serve` runs it
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
        thread.start()
        live = LiveServer(f"http://127.0.0.1:{port}", settings, server, thread, app)
        servers.append(live)
        live.wait(ready=wait_ready)
        return live

    yield start
    for live in servers:
        live.stop()


@pytest.fixture(scope="session")
def rules_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server(default_backend="rules", backends=["rules"], admin_token=ADMIN_TOKEN)


@pytest.fixture(scope="session")
def model_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    default_model_ref()
    return start_server(default_backend="merged", backends=["rules", "model", "merged"], admin_token=ADMIN_TOKEN)


@pytest.fixture(
    params=[
        "rules",
        pytest.param("model", marks=pytest.mark.model),
        pytest.param("merged", marks=pytest.mark.model),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def api(request: pytest.FixtureRequest, backend: str) -> Iterator[tuple[httpx.Client, str]]:
    """A client of a live server that serves ``backend``, and the backend name to ask for."""
    name = "rules_server" if backend == "rules" else "model_server"
    live: LiveServer = request.getfixturevalue(name)
    with live.client() as client:
        yield client, backend


@pytest.fixture(scope="session")
def ludian_text() -> str:
    return (SEED_REPORTS / "ludian-2020.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(SEED_REPORTS.glob("*.txt"))}


