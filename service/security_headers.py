"""Security headers on every response: a strict Content-Security-Policy, no framing, no sniffing.

The web page at ``/`` loads only its own ``/static`` files (no inline script or
style, nothing from the internet), so it runs under ``default-src 'none'`` plus
``'self'`` for scripts, styles, images and fetch. The one exception is the
``/docs`` page, whose Swagger UI files this server serves itself (``/docs-assets``,
from the ``fastapi-offline`` package) but which starts them with an inline script:
that page alone gets a policy naming the inline script's SHA-256 (computed from the
response itself, so it follows FastAPI's template).
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


_COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}

#: the headers of every response but the docs page (also used by the last-resort 500 handler)
SECURITY_HEADERS: dict[str, str] = {"content-security-policy": PAGE_POLICY, **_COMMON}

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_policy(html: bytes) -> str:
    """The docs page's policy: this server's files, and each of its inline scripts by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode("ascii") + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def _with_headers(message: Message, headers: dict[str, str]) -> Message:
    """The response start with ``headers`` added (a header the app set itself is kept)."""
    existing = list(message.get("headers", []))
    present = {name.lower() for name, _ in existing}
    existing.extend(
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in headers.items()
        if name.encode("latin-1") not in present
    )
    return {**message, "headers": existing}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response (the docs page: :func:`docs_policy`)."""

    def __init__(self, app: ASGIApp, docs_path: str | None = "/docs") -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.docs_path is not None and scope.get("path") == self.docs_path:
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = _with_headers(message, SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Holds back the (small) docs page until its whole body is there, to hash its inline script."""
        start: Message | None = None
        body: list[bytes] = []

        async def send_buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            html = b"".join(body)
            headers = {"content-security-policy": docs_policy(html), **_COMMON}
            await send(_with_headers(start, headers))
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, send_buffered)
