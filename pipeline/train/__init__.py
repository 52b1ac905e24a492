"""Training the criteria NER model on Chia: brat -> DocBins -> ``spacy train`` -> ``models/``."""

from __future__ import annotations

from pathlib import Path

from pipeline.paths import REPO

__all__ = ["CONFIGS", "DEFAULT_CONFIG", "MODEL_DIR", "MODEL_NAME", "RULES_ONLY", "default_model"]

MODEL_NAME = "criteria_ner"
MODEL_DIR = REPO / "models" / MODEL_NAME
CONFIGS = Path(__file__).resolve().parents[1] / "configs"
DEFAULT_CONFIG = CONFIGS / "ner.cfg"
RULES_ONLY = "rules"  # --model rules: tag with the rules alone


def default_model() -> Path | None:
    """The model shipped in ``models/`` next to the package, if it is there."""
    return MODEL_DIR if (MODEL_DIR / "config.cfg").exists() else None
