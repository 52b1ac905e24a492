"""Training the criteria NER model on Chia: brat -> DocBins -> ``spacy train`` -> ``models/``."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CONFIGS", "DEFAULT_CONFIG", "MODEL_DIR", "MODEL_NAME"]

MODEL_NAME = "criteria_ner"
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / MODEL_NAME
CONFIGS = Path(__file__).resolve().parents[1] / "configs"
DEFAULT_CONFIG = CONFIGS / "ner.cfg"
