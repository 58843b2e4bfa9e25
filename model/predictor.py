"""Batched inference of the multi-task network over many sentences at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from govtag import LABELS
from govtag.errors import GovtagError
from govtag.model.encoding import EncodingSettings, Window, encode_many, spans_from_tags, viterbi
from govtag.model.network import GovtagNetwork
from govtag.tag.steps import Steps, Wanted, run_steps


class NonFiniteOutputError(GovtagError):
    """The network produced NaN or infinite scores: its weights (or the device) are broken."""


@dataclass
class SentencePrediction:
    label_probs: dict[str, float]
    spans: list[tuple[int, int, str, float]]  # offsets into the sentence text


def collate(windows: Sequence[Window], pad_id: int, with_targets: bool = False) -> dict[str, torch.Tensor]:
    """Pad a list of windows into tensors (right padding)."""
    width = max(len(w.input_ids) for w in windows)

    def pad(rows: list[list[int]], value: int) -> torch.Tensor:
        return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long)

    batch = {
        "input_ids": pad([w.input_ids for w in windows], pad_id),
        "attention_mask": pad([[1] * len(w.input_ids) for w in windows], 0),
        "token_type_ids": pad([w.token_type_ids for w in windows], 0),
        "sentence_mask": pad([w.sentence_mask for w in windows], 0),
    }
    if with_targets:
        batch["tag_ids"] = pad([w.tag_ids for w in windows], -100)
    return batch


class Predictor:
    def __init__(
        self,
        network: GovtagNetwork,
        tokenizer,
        settings: EncodingSettings,
        temperature: float = 1.0,
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.settings = settings
        self.temperature = temperature
        self.batch_size = batch_size
        self.device = device
        self.runtime = "torch"  # set by load_predictor when it converts the network (govtag.model.runtime)

    def logits(
        self, items: Sequence[tuple[str, str]]
    ) -> tuple[list[np.ndarray], list[list[tuple[Window, np.ndarray]]]]:
        """Raw sentence logits (averaged over windows) and per-window tag log-probs for each item."""
        return run_steps(self.logits_steps(items))

    def logits_steps(
        self, items: Sequence[tuple[str, str]], wanted: Wanted = None, tags: bool = True
    ) -> Steps[tuple[list[np.ndarray], list[list[tuple[Window, np.ndarray]]]]]:
        """:meth:`logits` one window batch per step; windows of items no longer ``wanted`` are skipped.

        With ``tags=False`` the token head's scores are not kept (callers that take no
        entities from the model save their decoding).
        """
        windows: list[tuple[int, Window]] = [
            (index, window)
            for index, item_windows in enumerate(encode_many(self.tokenizer, list(items), self.settings))
            for window in item_windows
        ]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1].input_ids))
        sentence_sum = [np.zeros(len(LABELS)) for _ in items]
        window_count = [0] * len(items)
        tag_outputs: list[list[tuple[Window, np.ndarray]]] = [[] for _ in items]
        position = 0
        while position < len(order):
            chunk: list[tuple[int, Window]] = []
            while position < len(order) and len(chunk) < self.batch_size:
                index, window = windows[order[position]]
                position += 1
                if wanted is None or wanted(index):
                    chunk.append((index, window))
            if not chunk:
                break
            with torch.inference_mode():
                batch = collate([w for _, w in chunk], self.tokenizer.pad_token_id)
                batch = {k: v.to(self.device) for k, v in batch.items()}
                sentence_logits, tag_logits = self.network(**batch)
                tag_logp = torch.log_softmax(tag_logits.float(), dim=-1).cpu().numpy() if tags else None
                sentence_logits = sentence_logits.float().cpu().numpy()
            if not (np.isfinite(sentence_logits).all() and (tag_logp is None or np.isfinite(tag_logp).all())):
                raise NonFiniteOutputError("the model produced NaN or infinite scores; its weights are broken")
            for row, (index, window) in enumerate(chunk):
                sentence_sum[index] += sentence_logits[row]
                window_count[index] += 1
                if tag_logp is not None:
                    tag_outputs[index].append((window, tag_logp[row, : len(window.input_ids)]))
            yield
        means = [s / max(c, 1) for s, c in zip(sentence_sum, window_count)]
        return means, tag_outputs

    def predict(self, items: Sequence[tuple[str, str]]) -> list[SentencePrediction]:
        """Label probabilities (temperature-calibrated) and entity spans for (sentence, context) pairs."""
        return run_steps(self.predict_steps(items))

    def predict_steps(
        self, items: Sequence[tuple[str, str]], wanted: Wanted = None, entities: bool = True
    ) -> Steps[list[SentencePrediction]]:
        """:meth:`predict` one window batch per step (see :mod:`govtag.tag.steps`); no spans without ``entities``."""
        means, tag_outputs = yield from self.logits_steps(items, wanted, tags=entities)
        results = []
        for index, (mean, outputs) in enumerate(zip(means, tag_outputs)):
            if wanted is not None and not wanted(index):
                outputs = []  # abandoned: not worth decoding
            scaled = mean / self.temperature
            probs = np.exp(scaled - scaled.max())
            probs /= probs.sum()
            results.append(
                SentencePrediction(
                    label_probs={label: float(p) for label, p in zip(LABELS, probs)},
                    spans=decode_windows(outputs),
                )
            )
        return results


def decode_windows(outputs: list[tuple[Window, np.ndarray]]) -> list[tuple[int, int, str, float]]:
    """Decode each window under the BIO constraints, keep the tokens it owns, and join them in order."""
    owned: list[tuple[tuple[int, int], int, float]] = []
    for window, logp in sorted(outputs, key=lambda o: _first_char(o[0])):
        positions = [i for i, chars in enumerate(window.token_chars) if chars is not None]
        if not positions:
            continue
        path = viterbi(logp[positions])
        for pos, tag in zip(positions, path):
            if window.owned[pos] and window.token_chars[pos][1] > window.token_chars[pos][0]:
                owned.append((window.token_chars[pos], tag, float(np.exp(logp[pos, tag]))))
    owned.sort(key=lambda o: o[0])
    return spans_from_tags([t for _, t, _ in owned], [c for c, _, _ in owned], [p for _, _, p in owned])


def _first_char(window: Window) -> int:
    return next((c[0] for c in window.token_chars if c is not None), 0)
