"""Run ``govtag train`` and SIGKILL the process at an exact point of the run.

    python -m tests.faults.train_and_die KILL_POINT GOVTAG_TRAIN_ARGS...

``KILL_POINT`` is ``step:N`` (just after the N-th optimizer step: phase A's steps,
then phase B's) or ``commit:N`` (while writing the N-th checkpoint: its tensor file
is on disk, its ``checkpoint.json`` is not yet written). The process kills itself
with SIGKILL, so nothing in it gets to clean up: no ``finally``, no atexit, no
flushing, exactly as under ``kill -9`` or the OOM killer.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from torch.optim.optimizer import register_optimizer_step_post_hook

from govtag.cli.main import main
from govtag.training import checkpoint


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(kill_point: str) -> None:
    kind, _, count = kill_point.partition(":")
    target = int(count)
    seen = 0

    def after_step(*_: Any) -> None:
        nonlocal seen
        seen += 1
        if seen == target:
            _die()

    write = checkpoint.write_atomically

    def write_or_die(path: str | Path, content: str | bytes, **options: Any) -> None:
        nonlocal seen
        if Path(path).name == checkpoint.MANIFEST:
            seen += 1
            if seen == target:
                _die()
        write(path, content, **options)

    if kind == "step":
        register_optimizer_step_post_hook(after_step)
    elif kind == "commit":
        checkpoint.write_atomically = write_or_die
    else:
        raise SystemExit(f"unknown kill point {kill_point!r}")


if __name__ == "__main__":
    arm(sys.argv[1])
    sys.exit(main(["train", *sys.argv[2:]]))
