"""A bound on how many uploads are parsed at once, and how many may wait for a parser.

Each parse is a worker process with up to ``parsing.memory_mb`` of memory, so the
number running at once bounds the memory uploads can take; beyond the waiting
room a request is refused at once (429 with Retry-After) rather than queued
without limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from govtag.service.errors import Overloaded
from govtag.service.metrics import ServiceMetrics


class ParseSlots:
    def __init__(self, concurrent: int, waiting: int, retry_after_s: int, metrics: ServiceMetrics) -> None:
        self._semaphore = asyncio.Semaphore(concurrent)
        self._capacity = concurrent + waiting
        self._admitted = 0
        self._retry_after_s = retry_after_s
        self._metrics = metrics

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a parser for the block; 429 when every parser is busy and the waiting room is full."""
        if self._admitted >= self._capacity:
            self._metrics.rejected.labels("parsers_busy").inc()
            raise Overloaded(
                "every file parser is busy and the waiting room is full; retry later",
                code="parsers_busy",
                headers={"Retry-After": str(self._retry_after_s)},
            )
        self._admitted += 1
        try:
            async with self._semaphore:
                yield
        finally:
            self._admitted -= 1
