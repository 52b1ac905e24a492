"""Measurements and the values they take. Real criteria text (LCT, Chia: CC BY 4.0)."""

from __future__ import annotations

import pytest

from pipeline.tag.constraints import extract


def measured(text: str) -> list[tuple[str, str, str | None, float | None, float | None,
                                      str | None]]:
    return [(text[m.start : m.end], m.concept, m.comparator, m.low, m.high, m.unit)
            for m in extract(text) if m.label == "measurement"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hematologic ANC > 1000/uL", [("ANC", "absolute neutrophil count", ">", 1000.0, None,
                                        "/µL")]),
        ("calculated creatinine clearance at least 60 mL/min",
         [("creatinine clearance", "creatinine clearance", ">=", 60.0, None, "mL/min")]),
        ("AST/ALT ≤ 2.5 x ULN",
         [("AST", "aspartate aminotransferase", "<=", None, 2.5, "x ULN"),
          ("ALT", "alanine aminotransferase", "<=", None, 2.5, "x ULN")]),
        ("haemoglobin ≥ 9 g/dL or ≥ 5.6 mmol/L",
         [("haemoglobin", "hemoglobin", ">=", 9.0, None, "g/dL"),
          ("haemoglobin", "hemoglobin", ">=", 5.6, None, "mmol/L")]),
        ("Eastern cooperative oncology group performance status (ECOG PS) of 0-1",
         [("Eastern cooperative oncology group performance status (ECOG PS)",
           "ECOG performance status", "between", 0.0, 1.0, None)]),
        ("KPS ≥ 70", [("KPS", "Karnofsky performance status", ">=", 70.0, None, None)]),
        ("body mass index (BMI) ≥25 kg/m2",
         [("body mass index (BMI)", "body mass index", ">=", 25.0, None, "kg/m2")]),
        ("NYHA class III or IV heart failure", [("NYHA class", "NYHA class", "between", 3.0, 4.0,
                                                 None)]),
        ("≥ grade 2 peripheral neuropathy", [("grade", "grade", ">=", 2.0, None, None)]),
        ("Life expectancy is more than 3 months", [("Life expectancy", "life expectancy", ">",
                                                    3.0, None, "months")]),
        ("History of heart failure with LVEF < 40%", [("LVEF", "left ventricular ejection "
                                                       "fraction", "<", None, 40.0, "%")]),
    ],
)
def test_measurements_take_their_values(text: str, expected: list) -> None:
    assert measured(text) == expected


def test_measurements_without_value_and_generic_words() -> None:
    assert measured("abnormal liver function tests including bilirubin") == [
        ("bilirubin", "total bilirubin", None, None, None, None)]
    assert measured("unintentional weight loss") == []
