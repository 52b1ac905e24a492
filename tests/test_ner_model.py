"""The shipped models (models/criteria_ner, the NER model parse uses by default, and
models/criteria_spancat, the span categorizer): each loads fast, has the eight labels, finds the
seed trial's conditions when applied one criterion at a time, as the pipeline applies it."""

from __future__ import annotations

import time

import pytest
import spacy
from spacy.language import Language

from pipeline.segment import segment
from pipeline.tag.component import model_spans_key
from pipeline.train import MODEL_DIR, SPANCAT_DIR
from pipeline.train.brat import EVALUATED


@pytest.fixture(scope="module", params=[MODEL_DIR, SPANCAT_DIR], ids=["ner", "spancat"])
def model_dir(request: pytest.FixtureRequest):
    return request.param


@pytest.fixture(scope="module")
def loaded(model_dir) -> tuple[Language, float]:
    started = time.perf_counter()
    nlp = spacy.load(model_dir)
    return nlp, time.perf_counter() - started


@pytest.fixture(scope="module")
def nlp(loaded: tuple[Language, float]) -> Language:
    return loaded[0]


def _spans(nlp: Language, doc):
    """The model's spans: ``doc.ents`` for NER, its span group for a span categorizer."""
    key = model_spans_key(nlp)
    return list(doc.ents) if key is None else list(doc.spans.get(key, []))


@pytest.fixture(scope="module")
def seed_entities(nlp: Language, seed_text: str) -> list[tuple[str, str, int, int]]:
    """(label, text, start, end) over the seed trial, offsets into the whole text."""
    found = []
    criteria = segment(seed_text).criteria
    for criterion, doc in zip(criteria, nlp.pipe(c.text for c in criteria)):
        for ent in _spans(nlp, doc):
            start = criterion.start + ent.start_char
            found.append((ent.label_, ent.text, start, start + len(ent.text)))
    return found


def test_ner_model_loads_quickly_with_the_eight_labels(loaded: tuple[Language, float],
                                                      model_dir) -> None:
    nlp, seconds = loaded
    assert seconds < 5
    assert nlp.pipe_names == (["ner"] if model_dir == MODEL_DIR else ["spancat"])
    assert set(nlp.pipeline[0][1].labels) == set(EVALUATED)


def test_ner_model_card_and_size(model_dir) -> None:
    meta = spacy.util.load_meta(model_dir / "meta.json")
    assert meta["name"] == model_dir.name
    assert "CC BY 4.0" in meta["license"] and "Kury" in meta["sources"][0]["citation"]
    assert meta["performance"]["chia_dev_strict_f"] >= 0.60
    card = (model_dir / "README.md").read_text(encoding="utf-8")
    assert card.count("Chia") > 3 and f'spacy.load("models/{model_dir.name}")' in card
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    assert size < 50 * 2**20


def test_span_categorizer_beats_the_ner_model_on_its_card() -> None:
    """The reason to ship a second model: better dev spans, nested ones included."""
    ner = spacy.util.load_meta(MODEL_DIR / "meta.json")["performance"]["chia_dev_strict_f"]
    spancat = spacy.util.load_meta(SPANCAT_DIR / "meta.json")["performance"]
    assert spancat["chia_dev_strict_f"] > ner + 0.02


def test_ner_model_finds_the_seed_trial_conditions(seed_entities, seed_text: str) -> None:
    conditions = [text.lower() for label, text, _, _ in seed_entities if label == "condition"]
    for wanted in ("salivary gland carcinoma", "tuberculosis", "hepatitis b"):
        assert any(wanted in text for text in conditions), (wanted, conditions)
    for _, text, start, end in seed_entities:
        assert seed_text[start:end] == text


def test_ner_model_uses_the_criteria_tokenizer(nlp: Language) -> None:
    doc = nlp("Age>=18 years and HbA1c<7% within 6 months of screening")
    assert [t.text for t in doc[:3]] == ["Age", ">=", "18"]
    assert {ent.label_ for ent in _spans(nlp, doc)} <= set(EVALUATED)
    assert _spans(nlp, nlp("")) == []
