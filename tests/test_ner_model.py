"""The shipped NER model (models/criteria_ner): loads fast, has the eight labels, finds the
seed trial's conditions when applied one criterion at a time, as the pipeline applies it."""

from __future__ import annotations

import time

import pytest
import spacy
from spacy.language import Language

from pipeline.segment import segment
from pipeline.train import MODEL_DIR
from pipeline.train.brat import EVALUATED


@pytest.fixture(scope="module")
def loaded() -> tuple[Language, float]:
    started = time.perf_counter()
    nlp = spacy.load(MODEL_DIR)
    return nlp, time.perf_counter() - started


@pytest.fixture(scope="module")
def nlp(loaded: tuple[Language, float]) -> Language:
    return loaded[0]


@pytest.fixture(scope="module")
def seed_entities(nlp: Language, seed_text: str) -> list[tuple[str, str, int, int]]:
    """(label, text, start, end) over the seed trial, offsets into the whole text."""
    found = []
    criteria = segment(seed_text).criteria
    for criterion, doc in zip(criteria, nlp.pipe(c.text for c in criteria)):
        for ent in doc.ents:
            start = criterion.start + ent.start_char
            found.append((ent.label_, ent.text, start, start + len(ent.text)))
    return found


def test_ner_model_loads_quickly_with_the_eight_labels(loaded: tuple[Language, float]) -> None:
    nlp, seconds = loaded
    assert seconds < 5
    assert nlp.pipe_names == ["ner"]
    assert set(nlp.get_pipe("ner").labels) == set(EVALUATED)


def test_ner_model_card_and_size() -> None:
    meta = spacy.util.load_meta(MODEL_DIR / "meta.json")
    assert "CC BY 4.0" in meta["license"] and "Kury" in meta["sources"][0]["citation"]
    assert meta["performance"]["chia_dev_strict_f"] >= 0.60
    assert (MODEL_DIR / "README.md").read_text(encoding="utf-8").count("Chia") > 3
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size < 50 * 2**20


def test_ner_model_finds_the_seed_trial_conditions(seed_entities, seed_text: str) -> None:
    conditions = [text.lower() for label, text, _, _ in seed_entities if label == "condition"]
    for wanted in ("salivary gland carcinoma", "tuberculosis", "hepatitis b"):
        assert any(wanted in text for text in conditions), (wanted, conditions)
    for _, text, start, end in seed_entities:
        assert seed_text[start:end] == text


def test_ner_model_uses_the_criteria_tokenizer(nlp: Language) -> None:
    doc = nlp("Age>=18 years and HbA1c<7% within 6 months of screening")
    assert [t.text for t in doc[:3]] == ["Age", ">=", "18"]
    assert {ent.label_ for ent in doc.ents} <= set(EVALUATED)
    assert nlp("").ents == ()
