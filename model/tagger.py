"""The model backend: the fine-tuned network labels segments and finds entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govtag.config import VerificationConfig
from govtag.model.artifact import load_predictor
from govtag.model.predictor import Predictor
from govtag.model.registry import ModelRef
from govtag.smoothing import smooth_scores
from govtag.tag.base import Tagger
from govtag.tag.steps import Steps, Wanted, run_steps
from govtag.types import EntitySpan, SegmentedDocument, Tagging


def context_of(doc: SegmentedDocument, index: int) -> str:
    """The second input segment: the sentence's heading path, outermost first."""
    return " > ".join(doc.heading_path(index))


class ModelTagger(Tagger):
    name = "model"

    def __init__(
        self,
        predictor: Predictor,
        meta: dict[str, Any],
        card: dict[str, Any] | None = None,
        smooth_labels: bool = True,
    ) -> None:
        self.predictor = predictor
        self.meta = meta
        self.card = card or {}
        self.smooth_labels = smooth_labels

    @classmethod
    def load(
        cls,
        ref: ModelRef,
        device: str = "cpu",
        batch_size: int = 32,
        smooth_labels: bool = True,
        verification: VerificationConfig | None = None,
        runtime: str = "torch",
    ) -> "ModelTagger":
        """Load and verify (checksums, canaries) a registry version, then convert it for ``runtime``."""
        predictor, meta = load_predictor(
            ref.path, device=device, batch_size=batch_size, verification=verification,
            runtime=runtime,
        )
        return cls(predictor, meta, ref.card(), smooth_labels)

    @property
    def version(self) -> str | None:
        return self.meta.get("version")

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "version": self.version,
            "name": self.meta.get("name"),
            "base": self.meta.get("base"),
            "labels": self.meta.get("labels"),
            "entity_tags": self.meta.get("tags"),
            "metrics": self.card.get("metrics", {}),
            "smooth_labels": self.smooth_labels,
            "runtime": self.predictor.runtime,
        }

    def tag_batch(self, docs: Sequence[SegmentedDocument]) -> list[Tagging]:
        return run_steps(self.tag_steps(docs))

    def tag_steps(
        self, docs: Sequence[SegmentedDocument], wanted: Wanted = None, *, entities: bool = True
    ) -> Steps[list[Tagging]]:
        """One batch of model windows per step; the windows of unwanted documents are skipped."""
        items = [
            (doc.text[seg.start : seg.end], context_of(doc, i))
            for doc in docs
            for i, seg in enumerate(doc.segments)
        ]
        owners = [d for d, doc in enumerate(docs) for _ in doc.segments]
        item_wanted = None if wanted is None else (lambda item: wanted(owners[item]))
        predictions = iter((yield from self.predictor.predict_steps(items, item_wanted, entities)))
        taggings = []
        for doc in docs:
            scores, entities = [], []
            for seg in doc.segments:
                prediction = next(predictions)
                scores.append(prediction.label_probs)
                entities.extend(
                    EntitySpan(seg.start + s, seg.start + e, etype, score, "model")
                    for s, e, etype, score in prediction.spans
                )
            if self.smooth_labels:
                scores = smooth_scores(doc, scores)
            taggings.append(Tagging(scores, entities))
        return taggings
