"""Paths the tests read: the repository, its seeds, and the shared data folder beside it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
