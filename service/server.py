"""``govtag serve``: run the app with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import uvicorn

from govtag.service.protocol import deadline_protocol
from govtag.service.settings import ServiceSettings, load_settings


def uvicorn_config(app: Any, settings: ServiceSettings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration of the service: its address, log level and connection deadlines.

    The h11 protocol is used with deadlines for headers and bodies
    (:mod:`govtag.service.protocol`); idle keep-alive connections close after
    ``timeouts.keep_alive_s``. The tests start their servers with this too.
    """
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        "http": deadline_protocol(settings.timeouts),
        "timeout_keep_alive": settings.timeouts.keep_alive_s,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


def serve(settings_file: str | Path | None = None, **overrides: Any) -> None:
    """Load the settings (``overrides``, the command line's values, win), then serve until interrupted.

    Raises :class:`~govtag.errors.ConfigError` for bad settings, before anything starts.
    """
    from govtag.service.app import create_app

    settings = load_settings(settings_file, **overrides)
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # also for libraries that lower their own loggers' levels
    app = create_app(settings)
    uvicorn.Server(uvicorn_config(app, settings)).run()
