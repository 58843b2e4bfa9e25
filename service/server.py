"""``govtag serve``: run the app with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path

from govtag.service.settings import load_settings


def serve(settings_file: str | Path | None = None, host: str | None = None, port: int | None = None) -> None:
    """Load the settings (CLI values win), then serve until interrupted.

    Raises :class:`~govtag.errors.ConfigError` for bad settings, before anything starts.
    """
    import uvicorn

    from govtag.service.app import create_app

    settings = load_settings(settings_file, host=host, port=port)
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # also for libraries that lower their own loggers' levels
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False)
