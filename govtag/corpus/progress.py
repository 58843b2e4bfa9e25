"""Progress of a corpus run: a redrawn bar on a terminal, a plain line every few seconds in a log."""

from __future__ import annotations

import sys
import time
from typing import IO

from tqdm import tqdm

LOG_EVERY_S = 10.0


def bar_interval(stream: IO[str] | None = None) -> float:
    """tqdm's ``mininterval``: redraw often on a terminal, write a line only every LOG_EVERY_S into a log."""
    return 0.1 if (stream or sys.stderr).isatty() else LOG_EVERY_S


class Progress:
    """Documents done of ``total``, characters per second and the time left."""

    def __init__(self, total: int | None, stream: IO[str] | None = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.chars = 0
        self.started = time.monotonic()
        self._last_log = self.started
        self._bar: tqdm | None = None
        if enabled and self.stream.isatty():
            self._bar = tqdm(total=total, unit="doc", file=self.stream, dynamic_ncols=True)

    def advance(self, documents: int, chars: int = 0) -> None:
        self.done += documents
        self.chars += chars
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(documents)
            self._bar.set_postfix_str(f"{self.rate():,.0f} chars/s", refresh=False)
            return
        now = time.monotonic()
        if now - self._last_log >= LOG_EVERY_S:
            self._last_log = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def rate(self) -> float:
        return self.chars / max(time.monotonic() - self.started, 1e-9)

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        of = f"/{self.total}" if self.total is not None else ""
        eta = ""
        if self.total and self.done:
            eta = f", ETA {_duration(elapsed / self.done * (self.total - self.done))}"
        return f"govtag: {self.done}{of} documents, {self.rate():,.0f} chars/s, {_duration(elapsed)} elapsed{eta}"

    def note(self, message: str) -> None:
        """A message that does not break the bar."""
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            self.stream.write(message + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
