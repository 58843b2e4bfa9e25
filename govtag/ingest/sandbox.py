"""Parse untrusted uploads in a separate process bounded in memory and time.

The readers already check decompressed sizes (:mod:`govtag.ingest.archive`,
pypdf's stream limits), but a parser can still be driven into a pathological
case: an XML tree that costs twelve times its size, a PDF page that takes
minutes. Each upload is therefore read in a short-lived worker process forked
from a pre-loaded fork server, with an address-space limit (``RLIMIT_AS``) and a
deadline after which it is killed. Whatever the file does, the server's own
memory and threads are untouched; the caller gets a :class:`LimitExceededError`
naming the limit, or the reader's own :class:`InputError`.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import resource
from dataclasses import dataclass
from typing import Any

from govtag.config import IngestConfig
from govtag.errors import InputError, LimitExceededError
from govtag.types import Document

_PRELOAD = ["govtag.ingest"]
#: A parse that fails after taking this share of its memory budget is reported as out of memory.
_OUT_OF_MEMORY_SHARE = 0.75


@dataclass(frozen=True)
class SandboxLimits:
    """Bounds of one parse: address space added to the worker's own, and wall-clock time."""

    memory_bytes: int
    timeout_s: float


class ParseSandbox:
    """Reads uploads with :func:`govtag.ingest.load_bytes`, one worker process per file."""

    def __init__(self, limits: SandboxLimits, ingest: IngestConfig) -> None:
        self.limits = limits
        self.ingest = ingest
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_PRELOAD)

    def warm_up(self) -> None:
        """Start the fork server now (it imports the readers once), not on the first upload."""
        from multiprocessing import forkserver

        forkserver.ensure_running()

    def load_bytes(
        self,
        data: bytes,
        filename: str | None,
        doc_id: str | None,
        content_type: str | None,
        timeout_s: float | None = None,
    ) -> Document:
        """Blocking: the parsed document, or the error that stopped it (see the module doc).

        ``timeout_s`` shortens the configured deadline (e.g. to what is left of a request's).
        """
        deadline = self.limits.timeout_s if timeout_s is None else max(0.0, min(timeout_s, self.limits.timeout_s))
        receiver, sender = self._context.Pipe(duplex=False)
        worker = self._context.Process(
            target=_parse_in_worker,
            args=(sender, data, filename, doc_id, content_type, self.ingest, self.limits.memory_bytes),
            name="govtag-parse",
            daemon=True,
        )
        worker.start()
        sender.close()
        try:
            if not receiver.poll(deadline):
                raise LimitExceededError(
                    f"{filename or 'the upload'}: reading the file took longer than {deadline:g} s; "
                    "the file is refused"
                )
            try:
                outcome: tuple[str, Any] = receiver.recv()
            except EOFError:
                worker.join()
                raise LimitExceededError(
                    f"{filename or 'the upload'}: the reader stopped (exit status {worker.exitcode}) "
                    f"while parsing, most likely past its memory limit of {self.limits.memory_bytes // 2**20} MB"
                ) from None
        finally:
            receiver.close()
            if worker.is_alive():
                worker.kill()
            worker.join()
        kind, value = outcome
        if kind == "ok":
            return value
        raise value


def _parse_in_worker(
    sender: multiprocessing.connection.Connection,
    data: bytes,
    filename: str | None,
    doc_id: str | None,
    content_type: str | None,
    ingest: IngestConfig,
    memory_bytes: int,
) -> None:
    from govtag.ingest import load_bytes

    baseline = _limit_address_space(memory_bytes)
    out_of_memory = LimitExceededError(
        f"{filename or 'the upload'}: reading the file needs more than {memory_bytes // 2**20} MB of memory"
    )
    try:
        outcome: tuple[str, Any] = ("ok", load_bytes(data, filename, doc_id, content_type, limits=ingest))
    except MemoryError:
        outcome = ("error", out_of_memory)
    except Exception as exc:
        # lxml and others report a failed allocation as a parse error ("unknown
        # error"); a failure after using most of the budget is the budget's doing.
        if _peak_virtual_memory_bytes() - baseline >= _OUT_OF_MEMORY_SHARE * memory_bytes:
            outcome = ("error", out_of_memory)
        elif isinstance(exc, InputError):
            outcome = ("error", exc)
        else:  # readers choke on malformed files in many ways; to the user all of them mean the same
            outcome = ("error", InputError(
                f"{filename or 'the upload'}: the file could not be read ({type(exc).__name__}); "
                "it is damaged or not what its type says"
            ))
    del data
    sender.send(outcome)
    sender.close()


def _limit_address_space(extra_bytes: int) -> int:
    """Cap this process at its current size plus ``extra_bytes`` (allocation beyond fails); the current size."""
    current = _status_bytes("VmSize")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return current


def _peak_virtual_memory_bytes() -> int:
    return _status_bytes("VmPeak")


def _status_bytes(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")
