"""Normalizer: pure functions for norm_text; source text is never touched."""

from __future__ import annotations

import pytest

from pipeline.normalize import (
    norm_text,
    normalize_comparators,
    normalize_multiplication,
    normalize_spacing,
    normalize_unicode,
    unescape_markdown,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ANC ≥ 1.5 × 10⁹/L", "ANC ≥ 1.5 × 10^9/L"),
        ("ANC>=1.5x10^9/L", "ANC ≥ 1.5 × 10^9/L"),
        ("bilirubin < or = 1.5 x ULN", "bilirubin ≤ 1.5 × ULN"),
        ("AST=<2.5X ULN", "AST ≤ 2.5 × ULN"),
        ("Life expectancy is more than 3 months", "Life expectancy is > 3 months"),
        ("more than moderate disease", "more than moderate disease"),
        ("no more than four weeks", "≤ four weeks"),
        ("creatinine clearance greater than or equal to 60 mL/min", "creatinine clearance ≥ 60 mL/min"),
        ("Ｈｂ≧９ｇ／ｄＬ（male）", "Hb ≥ 9g/dL(male)"),
        ("BASDAI score \\>= 4", "BASDAI score ≥ 4"),
        ("eGFR < 30 mL/min/1.73 m²", "eGFR < 30 mL/min/1.73 m2"),
        ("disease ; ( ULN )", "disease; (ULN)"),
        ("⑥Have at least one lesion", "(6) Have ≥ one lesion"),
        ("Age  18\n   or older", "Age 18 or older"),
        ("platelets 100 × 10*9/L", "platelets 100 × 10^9/L"),
    ],
)
def test_normalize_norm_text(raw: str, expected: str) -> None:
    assert norm_text(raw) == expected


def test_normalize_unicode_keeps_exponents_and_folds_width() -> None:
    assert normalize_unicode("10⁹/L and m²") == "10^9/L and m2"
    assert normalize_unicode("１．ＡＮＣ：") == "1.ANC:"
    assert normalize_unicode("½ – ‘x’") == "1/2 - 'x'"


def test_normalize_comparators_only_before_numbers() -> None:
    assert normalize_comparators("at least 18 years") == "≥ 18 years"
    assert normalize_comparators("at least one prior line") == "≥ one prior line"
    assert normalize_comparators("seen at least weekly") == "seen at least weekly"
    assert normalize_comparators("takeover 5") == "takeover 5"


def test_normalize_multiplication_and_spacing_and_markdown() -> None:
    assert normalize_multiplication("2.5x ULN") == "2.5 × ULN"
    assert normalize_multiplication("5 x 3 cm") == "5 x 3 cm"
    assert normalize_spacing("  a \t b\n c  ") == "a b c"
    assert unescape_markdown(r"\[Eichenfeld 2004\] \> 10") == "[Eichenfeld 2004] > 10"


def test_normalize_does_not_mutate_input() -> None:
    raw = "ANC>=1.5x10^9/L"
    norm_text(raw)
    assert raw == "ANC>=1.5x10^9/L"
