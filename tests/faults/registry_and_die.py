"""Run a ``govtag`` command and SIGKILL the process at an exact point of a registry change.

    python -m tests.faults.registry_and_die KILL_POINT GOVTAG_ARGS...

``KILL_POINT`` is ``score:N`` (as the gate starts scoring its N-th model),
``activate`` (after the promotion record is written, as ``ACTIVE`` is about to
be) or ``save`` (while a trained model is written into its new version folder:
its config and card are there, its weights and ``govtag_model.json`` not yet).
The process kills itself with SIGKILL, so nothing in it gets to clean up.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from govtag.cli.main import main
from govtag.model import promotion, registry
from govtag.training import trainer


def _die(*_: Any, **__: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(kill_point: str) -> None:
    kind, _, count = kill_point.partition(":")
    if kind == "score":
        score, calls = promotion.score_version, 0

        def score_or_die(*args: Any, **kwargs: Any) -> dict:
            nonlocal calls
            calls += 1
            if calls == int(count):
                _die()
            return score(*args, **kwargs)

        promotion.score_version = score_or_die
    elif kind == "activate":
        registry.ModelRegistry.activate = _die
    elif kind == "save":
        trainer.save_model = _die
    else:
        raise SystemExit(f"unknown kill point {kill_point!r}")


if __name__ == "__main__":
    arm(sys.argv[1])
    sys.exit(main(sys.argv[2:]))
