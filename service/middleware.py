"""ASGI middleware: request body limit and deadline, client disconnects, request metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from fastapi import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govtag.service.errors import error_body
from govtag.service.metrics import ServiceMetrics

log = logging.getLogger("govtag.service")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body is larger than the limit of {limit} bytes")


class LimitAndMeasure:
    """Refuses bodies over ``max_body`` (413, also when chunked) and records every request.

    The body must arrive within ``body_timeout_s`` of the request's start: a client
    that sends it too slowly gets a 408 (``connection: close``), and the application
    sees the request as disconnected. A client that disconnects before its body is
    complete is logged as one line; the ``ClientDisconnect`` the application raises
    then is expected and ends the request quietly (no traceback, no 500).
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, max_body: int, body_timeout_s: float) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}
        body = _BodyDeadline(scope, receive, self.body_timeout_s, self.max_body)

        async def send_wrapper(message: Message) -> None:
            if body.timed_out and not body.answering:
                return  # already answered 408; the application's late answer is dropped
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                body.response_started = True
            await send(message)

        body.send = send_wrapper

        self.metrics.in_flight.inc()
        try:
            length = _content_length(scope)
            if length is not None and length > self.max_body:
                await _reject_too_large(send_wrapper, self.max_body)
                return
            await self.app(scope, body.receive, send_wrapper)
        except ClientDisconnect:  # logged once by _BodyDeadline; nobody is left to answer
            if not body.timed_out:
                status["code"] = 499  # "client closed request", for the metrics
        finally:
            self.metrics.in_flight.dec()
            route = scope.get("route")
            path = getattr(route, "path", None) or "<unmatched>"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, path, str(status["code"])).inc()
            self.metrics.latency.labels(method, path).observe(time.perf_counter() - started)


class _BodyDeadline:
    """The request's ``receive``, with the body limit, the body deadline and disconnect logging."""

    def __init__(self, scope: Scope, receive: Receive, timeout_s: float, max_body: int) -> None:
        self.scope = scope
        self.inner = receive
        self.timeout_s = timeout_s
        self.max_body = max_body
        self.deadline = asyncio.get_running_loop().time() + timeout_s
        self.seen = 0
        self.complete = False
        self.timed_out = False
        self.answering = False
        self.response_started = False
        self.send: Send | None = None

    async def receive(self) -> Message:
        if self.timed_out:
            return {"type": "http.disconnect"}
        if self.complete:  # later calls wait for the disconnect at the end: no deadline
            return await self.inner()
        remaining = self.deadline - asyncio.get_running_loop().time()
        try:
            message = await asyncio.wait_for(self.inner(), max(remaining, 0.0))
        except TimeoutError:
            await self._time_out()
            return {"type": "http.disconnect"}
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.max_body:
                raise BodyTooLarge(self.max_body)
            self.complete = not message.get("more_body", False)
        elif message["type"] == "http.disconnect":
            log.info("%s disconnected before its request body was complete (%s)", _peer(self.scope), _what(self.scope))
        return message

    async def _time_out(self) -> None:
        self.timed_out = True
        message = f"the request body did not arrive within {self.timeout_s:g} s"
        log.info("%s: %s (%s); answered 408", _peer(self.scope), message, _what(self.scope))
        if self.response_started or self.send is None:
            return
        payload = json.dumps(error_body("request_timeout", message)).encode()
        self.answering = True
        try:
            await self.send(
                {
                    "type": "http.response.start",
                    "status": 408,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(payload)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await self.send({"type": "http.response.body", "body": payload})
        finally:
            self.answering = False


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return f"client {client[0]}:{client[1]}" if client else "a client"


def _what(scope: Scope) -> str:
    return f"{scope.get('method', '')} {scope.get('path', '')}"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reject_too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        error_body("payload_too_large", f"request body is larger than the limit of {limit} bytes")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
