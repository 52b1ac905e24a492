"""The criteria tokenizer splits comparators, units and multiplication off their operands."""

from __future__ import annotations

import pytest

from pipeline.tag.tokenizer import blank


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("HbA1c<7%", ["HbA1c", "<", "7", "%"]),
        ("Age>=18 years", ["Age", ">=", "18", "years"]),
        ("ANC ≥1.5×10^9/L", ["ANC", "≥", "1.5", "×", "10", "^", "9", "/", "L"]),
        ("eGFR>60mL/min/1.73m2", ["eGFR", ">", "60", "mL", "/", "min", "/", "1.73", "m2"]),
        ("2.5xULN", ["2.5", "x", "ULN"]),
        ("≥18yrs", ["≥", "18", "yrs"]),
        ("<= 2.5", ["<=", "2.5"]),
        ("Type 2 diabetes", ["Type", "2", "diabetes"]),
        ("COVID-19", ["COVID-19"]),
        ("T2DM and B12", ["T2DM", "and", "B12"]),
        # a parenthesis closed right before a hyphen: the abbreviation is a word of its own
        ("nitroprusside (SNP)-induced", ["nitroprusside", "(", "SNP", ")", "-", "induced"]),
    ],
)
def test_tokenizer_splits(text: str, tokens: list[str]) -> None:
    assert [t.text for t in blank()(text)] == tokens


def test_tokenizer_registered_for_saved_pipelines() -> None:
    from spacy.util import registry

    assert registry.tokenizers.get("elig.tokenizer.v1") is not None


def test_abbreviation_defined_before_a_hyphen_is_found() -> None:
    from pipeline.tag.nlp import build_nlp
    from pipeline.tag.tagger import abbreviations

    nlp = build_nlp(None)
    doc = nlp.get_pipe("elig_abbreviations")(nlp.make_doc(
        "Prior sodium nitroprusside (SNP)-induced hypotension"))
    assert dict(abbreviations(doc)) == {"SNP": "sodium nitroprusside"}
