"""Training the criteria NER model on Chia: brat -> DocBins -> ``spacy train`` -> ``models/``."""

from __future__ import annotations

from pathlib import Path

from pipeline.paths import REPO

__all__ = ["CONFIGS", "DEFAULT_CONFIG", "MODEL_DIR", "MODEL_NAME", "RULES_ONLY", "SPANCAT_DIR",
           "SPANCAT_CONFIG", "default_model"]

MODEL_NAME = "criteria_ner"
MODEL_DIR = REPO / "models" / MODEL_NAME
# the span categorizer, shipped beside the default: more accurate spans, nested ones, at about
# half the NER model's speed (README, "The NER model"); parse --model models/criteria_spancat
SPANCAT_DIR = REPO / "models" / "criteria_spancat"
CONFIGS = Path(__file__).resolve().parents[1] / "configs"
DEFAULT_CONFIG = CONFIGS / "ner.cfg"
SPANCAT_CONFIG = CONFIGS / "spancat.cfg"
RULES_ONLY = "rules"  # --model rules: tag with the rules alone


def default_model() -> Path | None:
    """The model shipped in ``models/`` next to the package, if it is there."""
    return MODEL_DIR if (MODEL_DIR / "config.cfg").exists() else None
