"""Negation that stops where it should (issue 14), and its score against Chia's Has_negation.

The ConText cases run the context component on hand-placed spans, so they test the rules and
their wiring whatever the NER model tags; the texts are real criteria (Chia, CC BY 4.0).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import rules
from pipeline.evaluate.logic import read_logic_folder
from pipeline.evaluate.negation import (FLAGGED, NegationReport, format_report, negated_ids,
                                        score_negation)
from pipeline.tag.component import SPAN_GROUP, ConstraintTagger, ContextComponent, keep_text
from pipeline.tag.context import cue_pattern, targets
from pipeline.tag.tokenizer import blank

FLAGS = ("negated", "historical", "hypothetical", "exception")


@pytest.fixture(scope="module")
def nlp():
    return blank()


@pytest.fixture(scope="module")
def context(nlp):
    """``run(text, spans)`` -> {span text: set of flags}; ``spans``: (phrase, label) pairs, each
    phrase marked at its first occurrence (``phrase@2`` for the second)."""
    component = ContextComponent(nlp, "elig_context", SPAN_GROUP)

    def run(text: str, spans: list[tuple[str, str]]) -> dict[str, set[str]]:
        doc = keep_text(nlp.make_doc(text), text)
        group = []
        for phrase, label in spans:
            phrase, _, nth = phrase.partition("@")
            starts = [m.start() for m in re.finditer(re.escape(phrase), text)]
            start = starts[int(nth or 1) - 1]
            span = doc.char_span(start, start + len(phrase), label=label,
                                 alignment_mode="expand")
            assert span is not None, phrase
            group.append(span)
        doc.spans[SPAN_GROUP] = group
        doc = component(doc)
        flags = doc._.elig_flags or {}
        out: dict[str, set[str]] = {}
        for span, (phrase, _) in zip(group, spans):
            out[phrase] = set(flags.get((span.start, span.end, span.label_), ()))
        return out

    return run


# --- scope ends at a clause boundary ------------------------------------------------------


def test_scope_ends_at_or_with_before_a_new_requirement(context) -> None:
    text = ("Patients free of active respiratory disease such as acute respiratory signs/symptoms "
            "(e.g., wheezing) or with active airways disease (asthma, chronic obstructive "
            "pulmonary disease or emphysema).")
    flags = context(text, [("respiratory disease", "condition"), ("wheezing", "condition"),
                           ("airways disease", "condition"), ("asthma", "condition"),
                           ("chronic obstructive pulmonary disease", "condition"),
                           ("emphysema", "condition")])
    assert flags["respiratory disease"] == {"negated"} and flags["wheezing"] == {"negated"}
    for later in ("airways disease", "asthma", "chronic obstructive pulmonary disease",
                  "emphysema"):
        assert flags[later] == set(), later


def test_with_or_without_negates_nothing(context) -> None:
    text = ("Be healthy for their age group with or without medication on the basis of physical "
            "examination, medical history, vital signs, and 12-lead electrocardiogram (ECG) "
            "performed at Screening or admission.")
    flags = context(text, [("medication", "drug"), ("physical examination", "procedure"),
                           ("vital signs", "procedure"),
                           ("12-lead electrocardiogram", "procedure")])
    assert all(not f for f in flags.values()), flags


def test_scope_ends_at_a_semicolon(context) -> None:
    text = ("Absence of hemodynamic collapse, or decompensation, at presentation; Hemodynamic "
            "collapse or decompensation")
    flags = context(text, [("hemodynamic collapse", "condition"), ("decompensation", "condition"),
                           ("Hemodynamic collapse", "condition"),
                           ("decompensation@2", "condition")])
    assert flags["hemodynamic collapse"] == {"negated"} and flags["decompensation"] == {"negated"}
    assert flags["Hemodynamic collapse"] == set() and flags["decompensation@2"] == set()


def test_scope_ends_at_a_colon_unless_it_opens_the_cues_list(context) -> None:
    # the concept before the colon is not what "negative" is about
    flags = context("Females of childbearing potential: negative serum or urine pregnancy test",
                    [("childbearing potential", "condition")])
    assert flags["childbearing potential"] == set()
    # a colon after "not pregnant" starts another requirement
    flags = context("Women who are not pregnant: hemoglobin ≥ 10 g/dL",
                    [("pregnant", "pregnancy"), ("hemoglobin", "measurement")])
    assert flags == {"pregnant": {"negated"}, "hemoglobin": set()}
    # "the following:" opens the list the cue is about
    text = ("Subjects have no history of the following: ongoing acute or intermittent pain, "
            "postoperative pain, respiratory compromise, acute or severe asthma, or constipation")
    flags = context(text, [("respiratory compromise", "condition"), ("constipation", "condition")])
    assert flags["respiratory compromise"] >= {"negated"} and flags["constipation"] >= {"negated"}


def test_exception_scope_ends_with_its_parenthesis(context) -> None:
    text = ("Alcohol or Drug Dependence within 12 months or Abuse within 3 months (excluding "
            "nicotine and caffeine) of baseline visit, as assessed by history and urine drug "
            "screen.")
    flags = context(text, [("Drug Dependence", "condition"), ("nicotine", "drug"),
                           ("caffeine", "drug"), ("urine drug screen", "measurement")])
    assert flags["nicotine"] == {"exception"} and flags["caffeine"] == {"exception"}
    assert flags["Drug Dependence"] == set() and flags["urine drug screen"] == set()


# --- no flags on values, time windows or other non-concept labels ---------------------------


@pytest.mark.parametrize("text, concept, label, other, other_label", [
    ("Not pregnant at the time of enrollment", "pregnant", "pregnancy",
     "at the time of enrollment", "temporal"),
    ("No antibiotic treatment in the last 2 weeks", "antibiotic treatment", "drug",
     "in the last 2 weeks", "temporal"),
    ("No gingivitis (Community Periodontal Index score = 0).", "gingivitis", "condition",
     "= 0", "value"),
    ("No women older than 65 years", "women", "sex", "older than 65 years", "age"),
])
def test_flags_belong_to_concepts_only(context, text, concept, label, other,
                                       other_label) -> None:
    flags = context(text, [(concept, label), (other, other_label)])
    assert flags[other] == set()
    assert flags[concept] == ({"negated"} if label in targets() else set())


def test_targets_are_the_clinical_concepts() -> None:
    assert targets() == frozenset(FLAGGED)
    assert not targets() & {"value", "temporal", "age", "sex"}


# --- negation cues --------------------------------------------------------------------------


@pytest.mark.parametrize("text, concept", [
    ("Are negative for human immunodeficiency virus (HIV) infection at screening",
     "human immunodeficiency virus (HIV) infection"),
    ("Free of psychoactive medication for at least one month", "psychoactive medication"),
    ("Control: devoid of any systemic or neurological diseases", "neurological diseases"),
    ("1. Does not have a documented history of generalized seizures.", "generalized seizures"),
    ("Stone free after definitive surgical therapy", "Stone"),
])
def test_negation_cues(context, text, concept) -> None:
    assert "negated" in context(text, [(concept, "condition")])[concept]


def test_drug_naive_or_drug_free_negates_the_drug(nlp) -> None:
    """The NER span "drug-naive" loses its cue, which then negates "drug"."""
    from spacy.tokens import Span

    text = "durg-naive or drug-free"
    doc = keep_text(nlp.make_doc(text), text)
    doc.ents = [Span(doc, 0, 3, label="drug"), Span(doc, 4, 7, label="drug")]
    doc = ConstraintTagger(SPAN_GROUP, read_ents=True)(doc)
    assert [s.text for s in doc.spans[SPAN_GROUP]] == ["durg", "drug"]
    doc = ContextComponent(nlp, "elig_context", SPAN_GROUP)(doc)
    flags = doc._.elig_flags
    assert all(flags.get((s.start, s.end, s.label_)) == {"negated"}
               for s in doc.spans[SPAN_GROUP])


def test_hiv_negative_is_a_value_not_a_negation(context) -> None:
    # "negative" after a test is its result (a value row), like "a negative pregnancy test"
    assert context("HIV-1 antibody negative", [("HIV-1 antibody", "measurement")]) == {
        "HIV-1 antibody": set()}


def test_pseudo_negations(context) -> None:
    flags = context("histologically confirmed metastatic cancer that is not amenable to surgery "
                    "or radiation therapy with curative intent",
                    [("surgery", "procedure"), ("radiation therapy", "procedure")])
    assert flags == {"surgery": set(), "radiation therapy": set()}
    flags = context("no contraindications for chemotherapy",
                    [("contraindications", "condition"), ("chemotherapy", "procedure")])
    assert flags == {"contraindications": {"negated"}, "chemotherapy": set()}


# --- exceptions -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, kept, excepted", [
    ("Primary diagnosis other than GAD", "Primary diagnosis", ["GAD"]),
    ("Patients with a current seizure disorder, organic brain disorder or a history of "
     "seizure disorders (except for febrile seizures in childhood).", "organic brain disorder",
     ["febrile seizures"]),
    ("preoperative use of opioid drugs (excl. codeine, tramadol)", "opioid drugs",
     ["codeine", "tramadol"]),
    ("Systemic corticosteroids (oral or injectable) within 7 days of first dose of 852A "
     "(topical or inhaled steroids are allowed)", "Systemic corticosteroids",
     ["inhaled steroids"]),
])
def test_exceptions_are_exception_not_negated(context, text, kept, excepted) -> None:
    flags = context(text, [(kept, "drug")] + [(e, "drug") for e in excepted])
    assert "exception" not in flags[kept] and "negated" not in flags[kept]
    for phrase in excepted:
        assert "exception" in flags[phrase] and "negated" not in flags[phrase], phrase


def test_exception_scope_ends_at_such_as(context) -> None:
    text = ("Other causes of heart failure other than diastolic dysfunction, such as restrictive "
            "cardiomyopathy or infiltrative cardiomyopathy")
    flags = context(text, [("diastolic dysfunction", "condition"),
                           ("restrictive cardiomyopathy", "condition")])
    assert flags == {"diastolic dysfunction": {"exception"}, "restrictive cardiomyopathy": set()}


# --- the cue pre-filter ---------------------------------------------------------------------


def test_cue_pattern_finds_every_cue_that_can_set_a_flag() -> None:
    data = rules.load("context")
    pattern = cue_pattern()
    for rule in data["context_rules"]:
        if rule["category"] not in data["categories"]:
            continue
        # a token pattern could match words the literal does not name: the pre-filter would
        # skip Docs it matches in
        assert rule.get("pattern") is None, rule["literal"]
        assert pattern.search(rule["metadata"]["example"].lower()), rule["literal"]
        assert pattern.search(rule["literal"].lower()), rule["literal"]


# --- the scorer -----------------------------------------------------------------------------

TXT = "No asthma or eczema\r\nHistory of stroke, except for TIA\r\nDiabetes\r\n"
ANN = """T1\tNegation 0 2\tNo
T2\tCondition 3 9\tasthma
T3\tCondition 13 19\teczema
T4\tScope 3 19\tasthma or eczema
R1\tHas_negation Arg1:T4 Arg2:T1\t
T5\tCondition 32 38\tstroke
T6\tNegation 40 50\texcept for
T7\tCondition 51 54\tTIA
R2\tHas_negation Arg1:T7 Arg2:T6\t
T8\tCondition 56 64\tDiabetes
T9\tValue 3 9\tasthma
"""


def _row(n: int, label: str, start: int, end: int, **flags: bool) -> dict:
    return {"entity_id": f"e{n}", "label": label, "start": start, "end": end,
            "text": TXT[start:end], **{f: flags.get(f, False) for f in FLAGS}}


def test_negation_scorer_on_a_brat_snippet(tmp_path: Path) -> None:
    name = "NCT00000001_exc"
    (tmp_path / f"{name}.txt").write_bytes(TXT.encode("utf-8"))
    (tmp_path / f"{name}.ann").write_text(ANN, encoding="utf-8")
    # a Scope that is Arg1 negates the entities inside it (of any type: only the clinical
    # types are scored); an exception counts as negation
    assert negated_ids(tmp_path / f"{name}.txt") == {"T2", "T3", "T4", "T7", "T9"}
    files = read_logic_folder(tmp_path, "all")
    predicted = {
        f"{name}:1": [_row(1, "condition", 3, 9, negated=True),  # right
                      _row(2, "value", 13, 19, negated=True)],  # eczema: no concept row
        f"{name}:2": [_row(3, "condition", 32, 38, historical=True),
                      _row(4, "condition", 51, 54, exception=True),  # right (exception)
                      _row(5, "drug", 45, 54, negated=True)],  # overlaps TIA less: not its pair
        f"{name}:3": [_row(6, "condition", 56, 64, negated=True)],  # false alarm
    }
    report = score_negation(files, predicted, {name: negated_ids(tmp_path / f"{name}.txt")},
                            NegationReport("all"))
    assert (report.gold, report.gold_negated, report.pred_negated, report.right) == (5, 3, 3, 2)
    assert report.unmatched_negated == 1
    assert (report.precision, report.recall) == pytest.approx((2 / 3, 2 / 3))
    assert report.f1 == pytest.approx(2 / 3)
    assert [(c.gold, c.predicted) for c in report.misses] == [("eczema", None)]
    assert [(c.gold, c.flags) for c in report.false_alarms] == [("Diabetes", ("negated",))]
    lines = format_report(report, show=5)
    assert lines[1].startswith("negation P 0.667  R 0.667  F1 0.667")
    assert "misses (1; first 1):" in lines and "false alarms (1; first 1):" in lines
    assert not any("misses" in line for line in format_report(report))
