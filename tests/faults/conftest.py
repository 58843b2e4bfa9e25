"""Fault tests: hostile inputs, broken models and killed processes.

The live-server fixtures of the service tests (``start_server``, ``rules_server``,
``model_server``) are shared here, so a fault test starts real uvicorn servers
the same way the service tests do.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from tests.service.conftest import model_server, rules_server, start_server  # noqa: E402,F401
