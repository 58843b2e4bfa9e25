"""The one base class of every validated structure (configs, settings, requests, outputs): unknown keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A pydantic model that refuses fields it does not define (a typo in a config is an error, not a no-op)."""

    model_config = ConfigDict(extra="forbid")
