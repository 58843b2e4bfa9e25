"""Taggers: ``rules``, ``model`` and ``merged`` behind the :class:`~govtag.tag.base.Tagger` interface."""

from __future__ import annotations

from collections.abc import Iterable

from govtag.config import GovtagConfig
from govtag.tag.base import Tagger
from govtag.vocabulary import BACKENDS


def create_taggers(config: GovtagConfig, backends: Iterable[str] = BACKENDS) -> dict[str, Tagger]:
    """Build taggers for several backends, loading the configured model once for all of them.

    Raises :class:`~govtag.errors.ModelNotFoundError` when a model backend is asked
    for and the registry has no model.
    """
    from govtag.tag.rules import RulesTagger

    wanted = list(backends)
    unknown = [b for b in wanted if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown backend {unknown[0]!r}; choose one of {', '.join(BACKENDS)}")
    taggers: dict[str, Tagger] = {}
    rules = RulesTagger()
    if "rules" in wanted:
        taggers["rules"] = rules
    if "model" in wanted or "merged" in wanted:
        from govtag.model.registry import active_model_ref
        from govtag.model.tagger import ModelTagger
        from govtag.tag.merged import MergedTagger

        model = ModelTagger.load(
            active_model_ref(config.model),
            device=config.model.device,
            batch_size=config.model.batch_size,
            smooth_labels=config.model.smooth_labels,
            verification=config.model.verification,
            runtime=config.model.runtime,
        )
        if "model" in wanted:
            taggers["model"] = model
        if "merged" in wanted:
            taggers["merged"] = MergedTagger(rules, model, config.merge)
    return taggers


def create_tagger(backend: str, config: GovtagConfig) -> Tagger:
    return create_taggers(config, [backend])[backend]
