"""ConText with criteria rules: negated, historical, hypothetical, exception flags on spans."""

from __future__ import annotations

import pytest

from pipeline.tag.tagger import EntityTagger, abbreviations

FLAGS = ("negated", "historical", "hypothetical", "exception")


@pytest.fixture(scope="module")
def tag():
    tagger = EntityTagger("rules", quiet=True)

    def run(text: str, as_list: bool = False):
        criterion = {"trial_id": "T", "criterion_id": "T:1", "start": 0, "text": text}
        rows = tagger.tag_criteria([criterion])
        return rows if as_list else {row["text"]: row for row in rows}

    return run


def test_context_negative_pregnancy_test_is_not_negated(tag) -> None:
    rows = tag("Women of childbearing age must have a negative pregnancy test within 7 days")
    assert rows["pregnancy test"]["negated"] is False


def test_context_not_pregnant_is_negated(tag) -> None:
    rows = tag("Not pregnant or breastfeeding")
    assert rows["pregnant"]["negated"] and rows["breastfeeding"]["negated"]


def test_context_hypothetical_plans(tag) -> None:
    rows = tag("Female/male who is pregnant or who intends to give birth")
    assert rows["give birth"]["hypothetical"] and not rows["pregnant"]["hypothetical"]


def test_context_flags_never_go_to_windows_or_values(tag) -> None:
    # the cue qualifies the concept; a time window or a value carries no context flag
    rows = tag("plan to receive any vaccine during the study period")
    assert not any(rows["during the study period"][c] for c in FLAGS)
    rows = tag("Major surgery had been performed within 4 weeks prior to the start of the study")
    assert not any(rows["within 4 weeks prior to the start of the study"][c] for c in FLAGS)
    rows = tag("Not pregnant; hemoglobin ≥ 10 g/dL")
    assert rows["pregnant"]["negated"] and not rows["hemoglobin"]["negated"]  # ";" ends it
    assert not any(rows["≥ 10 g/dL"][c] for c in FLAGS)


def test_context_exception_scope(tag) -> None:
    rows = tag("ALT ≤ 2.5 x ULN except ALT ≤ 5 x ULN in case of liver metastases", as_list=True)
    alt = [r["exception"] for r in rows if r["label"] == "measurement"]
    assert alt == [False, True]  # the second ALT is the exception; its value is not flagged
    assert [r["exception"] for r in rows if r["label"] == "value"] == [False, False]


def test_context_exclusion_section_is_not_negation(tag) -> None:
    # The same text in an exclusion list is not negated: polarity lives in criteria.section.
    rows = tag("Pregnancy or breastfeeding")
    assert not rows["Pregnancy"]["negated"]


def test_abbreviation_defined_in_one_criterion_gives_long_form_elsewhere() -> None:
    tagger = EntityTagger("rules", quiet=True)
    criteria = [
        {"trial_id": "T", "criterion_id": "T:1", "start": 0,
         "text": "Absolute neutrophil count (ANC) ≥ 1.5 x 10^9/L"},
        {"trial_id": "T", "criterion_id": "T:2", "start": 60, "text": "ANC < 1000/mm3"},
        {"trial_id": "U", "criterion_id": "U:1", "start": 0, "text": "ANC < 500/mm3"},
    ]
    rows = tagger.tag_criteria(criteria)
    anc = {(r["trial_id"], r["criterion_id"]): r["long_form"] for r in rows if r["text"] == "ANC"}
    assert anc == {("T", "T:2"): "Absolute neutrophil count", ("U", "U:1"): None}


@pytest.mark.parametrize(
    "text, expected",
    [
        # real criteria (Chia, LCT; CC BY 4.0): the detector must still see these
        ("Eastern cooperative oncology group performance status (ECOG PS) of 0-1.", True),
        ("Absolute neutrophil count (ANC) ≥ 1.5 x 10^9/L", True),
        ("ANC (absolute neutrophil count) ≥ 1500/µL", True),
        # no capital letter near a parenthesis: no definition can be there
        ("adequate organ function (as defined below)", False),
        ("pregnancy or breastfeeding", False),
    ],
)
def test_abbreviation_cue_keeps_every_possible_definition(text: str, expected: bool) -> None:
    from pipeline.tag.component import ABBREVIATION_CUE

    assert bool("(" in text and ABBREVIATION_CUE.search(text)) is expected


def test_abbreviation_with_two_word_short_form_gets_long_form() -> None:
    tagger = EntityTagger("rules", quiet=True)
    doc = tagger.nlp("Eastern cooperative oncology group performance status (ECOG PS) of 0-1.")
    assert ("ECOG PS", "Eastern cooperative oncology group performance status") in abbreviations(doc)


@pytest.mark.parametrize(
    "text, pair",
    [
        # short forms scispaCy's candidate filter passes over: before a comma or semicolon
        # inside the parenthesis, or written with a hyphen or slash
        ("Left ventricular ejection fraction (LVEF, by echocardiography) < 40 %",
         ("LVEF", "Left ventricular ejection fraction")),
        ("History of chronic obstructive pulmonary disease (COPD; GOLD stage 3 or 4)",
         ("COPD", "chronic obstructive pulmonary disease")),
        ("anti-tuberculosis therapy-associated acute liver failure (ATT-ALF) in the past",
         ("ATT-ALF", "anti-tuberculosis therapy-associated acute liver failure")),
        # the detector's own case is unchanged
        ("Absolute neutrophil count (ANC) >= 1500/uL", ("ANC", "Absolute neutrophil count")),
    ],
)
def test_abbreviation_defined_before_a_comma_or_with_a_hyphen(text: str, pair) -> None:
    tagger = EntityTagger("rules", quiet=True)
    assert abbreviations(tagger.nlp(text)) == [pair]


def test_no_definition_from_a_parenthesis_that_gives_none() -> None:
    tagger = EntityTagger("rules", quiet=True)
    for text in ("Patients (n = 7, HEM) were excluded", "Hepatitis B virus (HBV/HCV) infection",
                 "Weight (kg, at screening) > 50"):
        assert abbreviations(tagger.nlp(text)) == [], text


def test_context_flags_skip_a_span_that_is_only_the_cue_word() -> None:
    # Chia tags "history" as an Observation and the tagger learns it; "no history of X" negates
    # X, not the cue's own word (cue_words in context.json)
    from spacy.tokens import Span

    from pipeline.tag.component import ContextComponent, SPAN_GROUP
    from pipeline.tag.nlp import build_nlp

    nlp = build_nlp(None)
    doc = nlp.make_doc("No history of EV71 infection")
    doc.spans[SPAN_GROUP] = [Span(doc, 1, 2, label="observation"),
                             Span(doc, 3, 5, label="condition")]
    doc = ContextComponent(nlp, "ctx_test")(doc)
    flags = doc._.elig_flags
    assert "negated" in flags[(3, 5, "condition")]
    assert (1, 2, "observation") not in flags


def test_context_what_a_condition_precludes_is_negated() -> None:
    # "disease that precludes surgery": the surgery is not to be had (Chia negates it too); the
    # disease itself is not negated
    from spacy.tokens import Span

    from pipeline.tag.component import ContextComponent, SPAN_GROUP
    from pipeline.tag.nlp import build_nlp

    nlp = build_nlp(None)
    doc = nlp.make_doc("Pleural disease that precludes surgery")
    doc.spans[SPAN_GROUP] = [Span(doc, 0, 2, label="condition"), Span(doc, 4, 5, label="procedure")]
    doc = ContextComponent(nlp, "ctx_test")(doc)
    flags = doc._.elig_flags
    assert "negated" in flags[(4, 5, "procedure")]
    assert "negated" not in flags.get((0, 2, "condition"), frozenset())
