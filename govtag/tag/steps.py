"""Work in steps: long tagging jobs that can be paused, interleaved and abandoned between chunks.

A *step generator* does a bounded amount of work (one chunk: e.g. one batch of
model windows) per ``next()`` and returns its result through ``StopIteration``.
The service's batcher advances several of them in turn, so a small request runs
between the chunks of a large one, and stops advancing one whose requests gave
up, so their remaining chunks cost nothing. Outside the service, :func:`run_steps`
simply runs a generator to the end.

``wanted(i)`` tells a step generator whether the caller still wants the result
for its ``i``-th input; it is asked again before every chunk, and work for
unwanted inputs is skipped (their results are then meaningless and are dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

T = TypeVar("T")

#: yields None between chunks, returns the result
Steps = Generator[None, None, T]
#: whether the result for input ``i`` is still wanted (None: all are)
Wanted = Callable[[int], bool] | None


def run_steps(steps: Steps[T]) -> T:
    """Run a step generator to the end and return its result."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value
