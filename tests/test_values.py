"""Value grammar. Cases are real criteria text from the LCT corpus and Chia (both CC BY 4.0)
and the seed trial; the expected readings were checked by hand."""

from __future__ import annotations

import pytest

from pipeline.tag.values import find_values, normalize_unit, parse_number


def read(text: str) -> list[tuple[str, str | None, float | None, float | None, str | None]]:
    return [(text[v.start : v.end], v.comparator, v.low, v.high, v.unit)
            for v in find_values(text) if not v.bare]


@pytest.mark.parametrize(
    "text, expected",
    [
        # comparators in symbols and words
        ("ANC ≥ 1.5 × 10^9/L", [("≥ 1.5 × 10^9/L", ">=", 1.5, None, "10^9/L")]),
        ("Hematologic ANC > 1000/uL", [("> 1000/uL", ">", 1000.0, None, "/µL")]),
        ("platelets ≥ 100 x109/L", [("≥ 100 x109/L", ">=", 100.0, None, "10^9/L")]),
        ("Alanine aminotransferase (ALT) <=3 x ULN", [("<=3 x ULN", "<=", None, 3.0, "x ULN")]),
        ("Total bilirubin < 1.5 x upper limit of normal",
         [("< 1.5 x upper limit of normal", "<", None, 1.5, "x ULN")]),
        ("AST < or = 2.5 times the ULN", [("< or = 2.5 times the ULN", "<=", None, 2.5, "x ULN")]),
        ("calculated creatinine clearance at least 60 mL/min",
         [("at least 60 mL/min", ">=", 60.0, None, "mL/min")]),
        ("no more than 2 prior regimens", [("no more than 2", "<=", None, 2.0, None)]),
        ("greater than or equal to 18 years", [("greater than or equal to 18 years", ">=", 18.0,
                                                None, "years")]),
        ("body mass index (BMI) ≥25 kg/m2", [("≥25 kg/m2", ">=", 25.0, None, "kg/m2")]),
        ("BMI over 40", [("over 40", ">", 40.0, None, None)]),
        ("Subjects must weigh at least 110 pounds", [("at least 110 pounds", ">=", 110.0, None,
                                                      "lb")]),
        ("HbA1c ≥ 8.0%", [("≥ 8.0%", ">=", 8.0, None, "%")]),
        ("Body Mass Index > 39,99", [("> 39,99", ">", 39.99, None, None)]),
        # tolerances (LCT): the range they allow
        ("weight stable ±5kg in last 3 months", [("±5kg", "between", -5.0, 5.0, "kg"),
                                                 ("3 months", "=", 3.0, 3.0, "months")]),
        ("BMI 23 (+/- 4)", [("23 (+/- 4)", "between", 19.0, 27.0, None)]),
        ("HbA1c 7.0 plus or minus 0.5 %", [("7.0 plus or minus 0.5 %", "between", 6.5, 7.5,
                                            "%")]),
        # comparators written around the number (LCT)
        ("delivering at or after 20 weeks of gestation",
         [("at or after 20 weeks of gestation", ">=", 20.0, None, "weeks")]),
        ("symptoms present for at least a 4-week period",
         [("at least a 4-week", ">=", 4.0, None, "weeks")]),
        ("diagnosed with AD 12 months ago or less;",
         [("12 months ago or less", "<=", None, 12.0, "months")]),
        ("Minimum age: 18 Years", [("Minimum age: 18 Years", ">=", 18.0, None, "years")]),
        # ranges
        ("aged 18–75 years", [("18–75 years", "between", 18.0, 75.0, "years")]),
        ("between 50kg (inclusive) and 90kg", [("between 50kg (inclusive) and 90kg", "between",
                                                50.0, 90.0, "kg")]),
        ("aged between 18- and 65-years", [("between 18- and 65-years", "between", 18.0, 65.0,
                                            "years")]),
        ("10- to 13-year old children", [("10- to 13-year old", "between", 10.0, 13.0, "years")]),
        ("ASA status I, II, or III.", [("I, II, or III", "between", 1.0, 3.0, None)]),
        ("between 18 and 65 years", [("between 18 and 65 years", "between", 18.0, 65.0,
                                      "years")]),
        ("ECOG 0-3", [("0-3", "between", 0.0, 3.0, None)]),
        ("Performance status: 0, 1 or 2", [("0, 1 or 2", "between", 0.0, 2.0, None)]),
        ("ASA I, II, or III", [("I, II, or III", "between", 1.0, 3.0, None)]),
        ("Zubrod performance status of 0-2", [("0-2", "between", 0.0, 2.0, None)]),
        ("HbA1c between 6.5-10% inclusive", [("between 6.5-10%", "between", 6.5, 10.0, "%")]),
        ("NYHA class III or IV", [("III or IV", "between", 3.0, 4.0, None)]),
        ("2 to <12 years", [("2 to <12 years", "between", 2.0, 12.0, "years")]),
        # postfix comparators and number words
        ("Age 18 or older - no upper limit", [("18 or older", ">=", 18.0, None, None)]),
        ("MMSE score of 27 or lower", [("27 or lower", "<=", None, 27.0, None)]),
        ("80 or more years old", [("80 or more years old", ">=", 80.0, None, "years")]),
        ("Life expectancy is more than 3 months", [("more than 3 months", ">", 3.0, None,
                                                    "months")]),
        ("at least four weeks", [("at least four weeks", ">=", 4.0, None, "weeks")]),
        ("more than one year", [("more than one year", ">", 1.0, None, "years")]),
        # scientific counts with the superscript lost, and 10⁹ kept
        ("neutrophils <0.50x109/L", [("<0.50x109/L", "<", None, 0.5, "10^9/L")]),
        ("ANC ≥1.5×10⁹/L", [("≥1.5×10⁹/L", ">=", 1.5, None, "10^9/L")]),
        ("platelets ≥ 100,000/mm3", [("≥ 100,000/mm3", ">=", 100000.0, None, "/µL")]),
        ("eGFR ≥ 30 mL/min/1.73 m2", [("≥ 30 mL/min/1.73 m2", ">=", 30.0, None,
                                       "mL/min/1.73 m2")]),
        # alternatives stay separate values; blood pressure gives systolic and diastolic
        ("haemoglobin ≥ 9 g/dL or ≥ 5.6 mmol/L",
         [("≥ 9 g/dL", ">=", 9.0, None, "g/dL"), ("≥ 5.6 mmol/L", ">=", 5.6, None, "mmol/L")]),
        ("systolic BP >160 mmHg", [(">160 mmHg", ">", 160.0, None, "mmHg")]),
        ("blood pressure > 140/90 mmHg", [("> 140", ">", 140.0, None, "mmHg"),
                                          ("90 mmHg", ">", 90.0, None, "mmHg")]),
    ],
)
def test_values_read_real_criteria(text: str, expected: list) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    "text",
    ["COVID-19 infection", "HbA1c measured", "Type 2 diabetes", "version 2.0 of the protocol",
     "22:00-6:00 shift work", "more than moderate disease", "Hepatitis B or C"],
)
def test_values_no_false_constraints(text: str) -> None:
    assert read(text) == []


def test_values_parse_number_and_units() -> None:
    assert parse_number("1,500") == 1500.0
    assert parse_number("four") == 4.0
    assert parse_number("III") == 3.0
    assert parse_number("Ⅳ") == 4.0
    assert parse_number("fourteenth") is None
    assert normalize_unit("mg/dl") == "mg/dL"
    assert normalize_unit("x 109/L") == "10^9/L"
    assert normalize_unit("umol/L") == "µmol/L"
    assert normalize_unit("times the upper limit of normal") == "x ULN"
    assert normalize_unit("ml/min per 1.73 m2") == "mL/min/1.73 m2"
    assert normalize_unit("furlongs") is None
