"""The multi-task network: one transformer encoder, a sentence head and a token head.

Input per window: ``[CLS] sentence [SEP] heading path [SEP]``. The sentence head
reads the [CLS] vector and the mean of the sentence's own tokens; the token head
gives BIO scores over ``ORG``, ``DOC_NO``, ``NUM``, ``POLICY`` for every token.
One forward pass gives both.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel

from govtag import ENTITY_TYPES, LABELS
from govtag.atomic import write_atomically

BIO_TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))
WEIGHTS_FILE = "model.safetensors"
ENCODER_CONFIG_DIR = "encoder"


class GovtagNetwork(nn.Module):
    def __init__(self, encoder: PreTrainedModel, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.sentence_head = nn.Sequential(
            nn.Linear(2 * hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, len(LABELS))
        )
        self.token_head = nn.Linear(hidden, len(BIO_TAGS))
        self._accepts_token_types = "token_type_ids" in inspect.signature(encoder.forward).parameters

    @classmethod
    def from_base(cls, base: str, random_init: bool = False, dropout: float = 0.1) -> "GovtagNetwork":
        """Encoder from a local folder or hub id; ``random_init`` keeps its architecture, not its weights."""
        if random_init:
            encoder = AutoModel.from_config(AutoConfig.from_pretrained(base))
        else:
            encoder = AutoModel.from_pretrained(base)
        return cls(encoder, dropout)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        sentence_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return sentence logits ``[B, labels]`` and tag logits ``[B, T, tags]``."""
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None and self._accepts_token_types:
            kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kwargs).last_hidden_state
        hidden = self.dropout(hidden)
        weights = sentence_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        sentence_logits = self.sentence_head(torch.cat([hidden[:, 0], mean], dim=-1))
        return sentence_logits, self.token_head(hidden)

    def save(self, folder: Path) -> None:
        """Weights as safetensors plus the encoder's config; no reference to the base path is needed."""
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.contiguous() for k, v in self.state_dict().items()}
        save_file(_untie(state), str(folder / WEIGHTS_FILE))
        self.encoder.config.save_pretrained(folder / ENCODER_CONFIG_DIR)

    @classmethod
    def load(cls, folder: Path, device: str = "cpu") -> "GovtagNetwork":
        config = AutoConfig.from_pretrained(folder / ENCODER_CONFIG_DIR)
        network = cls(AutoModel.from_config(config))
        state = load_file(str(folder / WEIGHTS_FILE), device=device)
        missing, unexpected = network.load_state_dict(state, strict=False)
        if unexpected or [k for k in missing if not k.endswith("position_ids")]:
            raise ValueError(f"weights do not match the network: missing {missing[:5]}, unexpected {unexpected[:5]}")
        return network.to(device).eval()


def _untie(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """safetensors refuses shared storage; copy tensors that share memory."""
    seen: set[int] = set()
    out = {}
    for key, tensor in state.items():
        ptr = tensor.untyped_storage().data_ptr()
        out[key] = tensor.clone() if ptr in seen else tensor
        seen.add(ptr)
    return out


def write_json(path: Path, data: dict) -> None:
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
