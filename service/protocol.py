"""uvicorn's h11 protocol with deadlines for clients that send too slowly.

uvicorn bounds only the idle time between requests (``timeout_keep_alive``). A
client that opens a connection and sends its headers byte by byte, or that never
finishes a body the application does not read, would hold the connection (and
its memory) forever. This protocol adds:

* a **header deadline** (``timeouts.header_s``): from the connection's opening, or
  from the first byte after a response, the request line and headers must be
  complete. Otherwise the client gets a 408 with a JSON error body and the
  connection is closed (a connection that sent nothing is closed silently, as an
  idle keep-alive connection is);
* a **body backstop**: once the headers are in, the body must be complete within
  ``timeouts.body_s`` plus a grace second, or the connection is closed. The
  application's own body deadline (:mod:`govtag.service.middleware`) answers 408
  at ``body_s`` while it still can; the backstop also catches bodies that nothing
  reads, which uvicorn would otherwise keep receiving and discarding.

The deadlines are set by :func:`deadline_protocol`, which binds the settings.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from govtag.service.errors import error_body
from govtag.service.settings import Timeouts

log = logging.getLogger("govtag.service")

#: after ``body_s``, how long the application has to answer 408 before the connection is cut
BODY_GRACE_S = 1.0


def _timeout_response(message: str) -> bytes:
    body = json.dumps(error_body("request_timeout", message)).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class DeadlineH11Protocol(H11Protocol):
    timeouts: Timeouts = Timeouts()

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._request_bytes = 0  # received since the last response (0: nothing of a new request yet)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting_for_headers = self.conn.their_state is h11.IDLE
        if waiting_for_headers:
            self._request_bytes += len(data)
            if self._header_timer is None:  # the first byte after a response starts the clock
                self._arm_header_timer()
        super().data_received(data)
        self._follow_state()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._request_bytes = 0
        self._follow_state()  # also arms the header timer of a pipelined request

    def _follow_state(self) -> None:
        """Move the timers along with the client's side of the h11 state machine."""
        state = self.conn.their_state
        if state is not h11.IDLE and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
            if state is h11.SEND_BODY:
                self._body_timer = self.loop.call_later(
                    self.timeouts.body_s + BODY_GRACE_S, self._body_too_slow
                )
        if state is not h11.SEND_BODY and self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.timeouts.header_s, self._headers_too_slow)

    def _cancel_timers(self) -> None:
        for timer in (self._header_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._body_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self._request_bytes:
            message = f"the request headers did not arrive within {self.timeouts.header_s:g} s"
            log.info("%s: %s; connection closed", _peer(self.client), message)
            self.transport.write(_timeout_response(message))
        self.transport.close()

    def _body_too_slow(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        log.info(
            "%s: the request body did not arrive within %g s; connection closed",
            _peer(self.client),
            self.timeouts.body_s,
        )
        self.transport.close()


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "client"


def deadline_protocol(timeouts: Timeouts) -> type[DeadlineH11Protocol]:
    """The protocol class with these deadlines (uvicorn instantiates it per connection)."""
    return type("GovtagH11Protocol", (DeadlineH11Protocol,), {"timeouts": timeouts})
