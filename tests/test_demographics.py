"""Age, sex, pregnancy. Real criteria text (LCT, Chia: CC BY 4.0; the seed trial)."""

from __future__ import annotations

import pytest

from pipeline.tag.constraints import extract


def ages(text: str) -> list[tuple[str, str | None, float | None, float | None]]:
    return [(text[m.start : m.end], m.comparator, m.low, m.high) for m in extract(text)
            if m.label == "age"]


def concepts(text: str, label: str) -> list[tuple[str, str | None]]:
    return [(text[m.start : m.end], m.concept) for m in extract(text) if m.label == label]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Age 18 or older - no upper limit;", [("Age", ">=", 18.0, None)]),
        ("aged 18–75 years", [("aged", "between", 18.0, 75.0)]),
        ("≥ 18 years of age", [("≥ 18 years of age", ">=", 18.0, None)]),
        ("Healthy adult males aged ≥ 19 years", [("aged", ">=", 19.0, None)]),
        ("females who are at least 18 years of age at time of enrollment",
         [("at least 18 years of age", ">=", 18.0, None)]),
        ("Men and women above the age of 18.", [("above the age of 18", ">", 18.0, None)]),
        ("18 to 79 years inclusive", [("18 to 79 years", "between", 18.0, 79.0)]),
        ("Minimum Age: 18 Years", [("Minimum Age: 18 Years", ">=", 18.0, None)]),
        ("Under age 50", [("Under age 50", "<", None, 50.0)]),
        ("children aged 6 months to 5 years", [("aged", "between", 0.5, 5.0)]),
        ("Adults with type 2 diabetes", [("Adults", ">=", 18.0, None)]),
        ("Type 1 diabetes for at least 2 years", []),
        ("sudden death under 40 years of age in a first-degree relative", []),
    ],
)
def test_demographics_age(text: str, expected: list) -> None:
    assert ages(text) == expected


def test_demographics_sex_and_pregnancy() -> None:
    text = "Female/male who is pregnant or breastfeeding or who intends to give birth"
    assert concepts(text, "sex") == [("Female/male", "all")]
    assert concepts(text, "pregnancy") == [("pregnant", "pregnant"),
                                           ("breastfeeding", "breastfeeding"),
                                           ("give birth", "pregnant")]
    text = "Women of childbearing potential must have a negative serum pregnancy test"
    assert concepts(text, "sex") == [("Women", "female")]
    assert concepts(text, "pregnancy") == [("of childbearing potential",
                                            "childbearing_potential"),
                                           ("serum pregnancy test", "pregnancy_test")]
    assert concepts("Male or female, age 18 years and older", "sex") == [("Male or female",
                                                                          "all")]
    assert concepts("Residents of nursing homes", "pregnancy") == []
