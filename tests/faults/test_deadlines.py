"""Slow and vanishing clients against a live uvicorn: 408s, closed connections, one log line per disconnect.

The clients are raw sockets, so the test controls exactly which bytes arrive.
Every read has a socket timeout well above the server's deadline: a server that
never answers fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from service_helpers import LiveServer

DEADLINES = {"header_s": 0.5, "body_s": 0.5, "keep_alive_s": 0.5}
READ_LIMIT_S = 10.0  # far above every deadline above: only reached if the server never closes


@pytest.fixture(scope="module")
def slow_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server(default_backend="rules", backends=["rules"], timeouts=DEADLINES)


def _connect(live: LiveServer) -> socket.socket:
    address = urlsplit(live.url)
    sock = socket.create_connection((address.hostname, address.port), timeout=READ_LIMIT_S)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _status_and_body(response: bytes) -> tuple[int, bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _partial_post(path: str = "/v1/annotate", length: int = 1000, sent: bytes = b'{"text": "') -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode() + sent


def _assert_408(response: bytes) -> dict:
    status, body = _status_and_body(response)
    assert status == 408, response[:300]
    error = json.loads(body)["error"]
    assert error["code"] == "request_timeout" and error["message"], error
    assert b"connection: close" in response.lower()
    return error


def test_a_body_that_stops_arriving_gets_408_and_the_connection_closes(slow_server: LiveServer) -> None:
    with _connect(slow_server) as sock:
        sock.sendall(_partial_post())
        error = _assert_408(_read_until_closed(sock))
    assert "body" in error["message"]


def test_the_batch_endpoint_has_the_same_body_deadline(slow_server: LiveServer) -> None:
    with _connect(slow_server) as sock:
        sock.sendall(_partial_post("/v1/annotate/batch", sent=b'{"documents": [{"text": "'))
        _assert_408(_read_until_closed(sock))


def test_headers_that_stop_arriving_get_408_and_the_connection_closes(slow_server: LiveServer) -> None:
    with _connect(slow_server) as sock:
        sock.sendall(b"POST /v1/annotate HTTP/1.1\r\nHost: test\r\nContent-Len")
        error = _assert_408(_read_until_closed(sock))
    assert "headers" in error["message"]


def test_a_connection_that_sends_nothing_is_closed(slow_server: LiveServer) -> None:
    with _connect(slow_server) as sock:
        assert _read_until_closed(sock) == b""


def test_an_idle_kept_alive_connection_is_closed(slow_server: LiveServer) -> None:
    body = json.dumps({"text": "共办理案件12件。"}).encode()
    with _connect(slow_server) as sock:
        sock.sendall(
            b"POST /v1/annotate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        response = _read_until_closed(sock)  # answered, kept alive, then closed when idle
    status, _ = _status_and_body(response)
    assert status == 200, response[:300]
    assert b"connection: close" not in response.lower()


def test_a_body_nobody_reads_cannot_hold_the_connection(start_server: Callable[..., LiveServer]) -> None:
    # keep-alive far above the body deadline: only the body backstop can close this one
    live = start_server(
        default_backend="rules", backends=["rules"], timeouts={"header_s": 5, "body_s": 0.5, "keep_alive_s": 60}
    )
    with _connect(live) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n0123456789")
        status, _ = _status_and_body(_read_until_closed(sock))
    assert status == 200  # answered without reading the body, then cut off


def test_many_slow_clients_do_not_keep_others_out(slow_server: LiveServer) -> None:
    slow = [_connect(slow_server) for _ in range(200)]
    try:
        for sock in slow:
            sock.sendall(_partial_post())
        with slow_server.client(timeout=READ_LIMIT_S) as client:
            response = client.post("/v1/annotate", json={"text": "共办理案件12件。"})
        assert response.status_code == 200, response.text
        for sock in slow:
            _assert_408(_read_until_closed(sock))
    finally:
        for sock in slow:
            sock.close()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [self.format(record) for record in self.records]


@pytest.fixture
def server_log() -> Iterator[_Records]:
    """Every record of the service's and uvicorn's loggers (uvicorn's do not reach the root logger)."""
    handler = _Records()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("govtag.service", "uvicorn", "uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = READ_LIMIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.mark.parametrize("path", ["/v1/annotate", "/v1/annotate/batch"])
def test_a_client_that_disconnects_is_logged_once_without_traceback(
    slow_server: LiveServer, server_log: _Records, path: str
) -> None:
    registry = slow_server.service.metrics.registry

    def in_flight() -> float:
        return registry.get_sample_value("govtag_http_requests_in_flight") or 0.0

    with _connect(slow_server) as sock:
        sock.sendall(_partial_post(path))
        _wait_for(lambda: in_flight() >= 1, "the request to start")
    _wait_for(lambda: in_flight() == 0, "the request to end")  # by then every log line is written
    lines = server_log.lines()
    disconnects = [line for line in lines if "disconnected" in line]
    assert len(disconnects) == 1, lines
    assert path in disconnects[0]
    assert not any(record.exc_info for record in server_log.records), lines
    assert not any("Traceback" in line or "Exception in ASGI" in line for line in lines), lines
