"""The project's vocabulary, defined once: sentence labels, entity types and tagger backends.

The ``Literal`` types validate configs, requests and outputs; the tuples (derived
from them, in the contract's order) drive loops, tables and argument choices.
"""

from __future__ import annotations

from typing import Literal, get_args

Label = Literal["achievement", "problem", "plan", "other"]
EntityType = Literal["ORG", "DOC_NO", "NUM", "POLICY"]
Backend = Literal["rules", "model", "merged"]

LABELS: tuple[str, ...] = get_args(Label)
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)
BACKENDS: tuple[str, ...] = get_args(Backend)
