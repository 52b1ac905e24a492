"""The seed trial through the whole pipeline: the typed rows a matcher reads."""

from __future__ import annotations

import pandas as pd
import pytest

import pipeline


@pytest.fixture(scope="module")
def seed_entities(seed_text: str) -> pd.DataFrame:
    result = pipeline.parse_text(seed_text, trial_id="NCT06145308", model="rules")
    entities = result.entities
    criteria = result.criteria.set_index("criterion_id")
    entities["section"] = entities["criterion_id"].map(criteria["section"])
    return entities


def test_tagger_seed_age_and_ecog(seed_entities: pd.DataFrame) -> None:
    [age] = seed_entities[seed_entities.label == "age"].itertuples()
    assert (age.section, age.comparator, age.value_low, age.unit) == ("inclusion", ">=", 18.0,
                                                                      "years")
    assert pd.isna(age.value_high)
    ecog = seed_entities[seed_entities.concept == "ECOG performance status"]
    assert ecog[["comparator", "value_low", "value_high"]].values.tolist() == [["between", 0.0,
                                                                                  1.0]]


def test_tagger_seed_windows_and_anchors(seed_entities: pd.DataFrame) -> None:
    temporal = seed_entities[seed_entities.label == "temporal"]
    past = temporal[temporal.window_start_days < 0]
    got = sorted(zip(past.window_start_days.round(0), past.anchor))
    assert got == [(-183.0, "first_dose"), (-28.0, "enrollment"), (-28.0, "enrollment"),
                   (-7.0, "first_dose"), (-3.0, "first_dose")]
    assert set(past.window_end_days) == {0.0}
    during = temporal[temporal.text == "during the study period"]
    assert during[["window_start_days", "anchor"]].values.tolist() == [[0.0, "enrollment"]]
    # "plan to receive any vaccine during the study period": the plan is the vaccine's; a time
    # window never carries a context flag
    assert not during.hypothetical.any()


def test_tagger_seed_pregnancy_test_not_negated(seed_entities: pd.DataFrame) -> None:
    test = seed_entities[seed_entities.concept == "pregnancy_test"]
    assert len(test) == 1 and not test.negated.iloc[0]


def test_tagger_offsets_point_into_source_text(seed_text: str,
                                               seed_entities: pd.DataFrame) -> None:
    for row in seed_entities.itertuples():
        assert seed_text[row.start : row.end] == row.text
    assert seed_entities.entity_id.is_unique


def test_repeated_criteria_give_the_rows_tagging_gives() -> None:
    """The same criterion text in several trials (and twice in one) is tagged once; its rows
    are the ones tagging it again gives, at its own offsets and ids."""
    from pipeline.batch import collect
    from pipeline.tag.tagger import EntityTagger

    from conftest import REPO

    sample = REPO / "data" / "raw"
    cached = EntityTagger(quiet=True)
    plain, _ = collect([sample], tagger=EntityTagger(quiet=True, cache_size=0))
    again, _ = collect([sample], tagger=cached)
    assert cached.repeated > 0  # the sample repeats some criteria
    for table in plain:
        assert plain[table] == again[table], table
    twice, _ = collect([sample], tagger=cached)  # every criterion now comes from the cache
    assert twice["entities"] == plain["entities"] and twice["codes"] == plain["codes"]


def test_span_categorizer_models_spans_nested_ones_included() -> None:
    """A span categorizer's spans (doc.spans["sc"], which may nest) feed the rows as an NER
    model's doc.ents do; the rules still win where they typed the same thing."""
    from spacy.tokens import Span

    from pipeline.tag.component import ConstraintTagger, model_spans_key
    from pipeline.tag.tokenizer import blank

    nlp = blank()
    assert model_spans_key(nlp) is None
    nlp.add_pipe("spancat", config={"spans_key": "sc"})
    assert model_spans_key(nlp) == "sc"
    doc = nlp.make_doc("Renal or hepatic failure with creatinine > 2 mg/dL")
    doc.spans["sc"] = [Span(doc, 0, 4, "condition"), Span(doc, 2, 4, "condition"),
                       Span(doc, 6, 10, "value")]
    tagged = ConstraintTagger(read_ents=False, model_key="sc")(doc)
    found = {(s.text, s.label_) for s in tagged.spans["elig"]}
    assert {("Renal or hepatic failure", "condition"), ("hepatic failure", "condition")} <= found
    rows = list(zip(tagged.spans["elig"], tagged._.elig_mentions))
    values = [mention for span, mention in rows if span.label_ == "value"]
    assert len(values) == 1 and values[0] is not None  # the rule's typed value, not the model's
