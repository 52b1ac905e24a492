"""Where things are, relative to the repository: one place for every module that needs it."""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO", "SHARED_DATA"]

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"  # the team's shared corpora; users lack them
