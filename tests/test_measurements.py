"""Measurements and the values they take. Real criteria text (LCT, Chia: CC BY 4.0)."""

from __future__ import annotations

import pytest

from conftest import REPO
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


def _brute_force(text: str) -> list[tuple[int, int, str]]:
    """Every lexicon entry tried at every word start, first entry wins: what the prefix index
    in ``find_measurements`` must reproduce (before merging "name (ABBR)" pairs)."""
    import re

    from pipeline.tag.measurements import _lexicon

    lex = _lexicon()
    found, end = [], 0
    for start in (m.start() for m in re.finditer(r"(?<![\w-])(?=\S)", text)):
        if start < end:
            continue
        for index, entry in enumerate(lex.entries):
            match = entry.match(text, start)
            if match is not None:
                found.append((start, match.end(), lex.concepts[index]))
                end = match.end()
                break
    return found


def test_measurements_prefix_index_finds_what_trying_every_entry_finds() -> None:
    from pipeline import rules
    from pipeline.segment import segment
    from pipeline.sources import iter_records
    from pipeline.tag.measurements import Measurement, _merge_abbreviations, find_measurements

    texts = [c.text for record in iter_records([REPO / "data" / "raw"]) if record.text
             for c in segment(record.text).criteria]
    texts += [e["metadata"]["example"] for e in rules.load("measurements")["measurements"]]
    assert len(texts) > 500
    for text in texts:
        expected = _merge_abbreviations(text, [Measurement(s, e, c, None, True)
                                               for s, e, c in _brute_force(text)])
        got = find_measurements(text)
        assert [(m.start, m.end, m.concept) for m in got] == [
            (m.start, m.end, m.concept) for m in expected], text


@pytest.mark.parametrize("pattern, samples", [
    (r"C[- ]peptide", ["c-peptide", "c peptide"]),
    (r"ab*c", ["ac", "abbc"]),
    (r"hb+x", ["hbx", "hbbx"]),
    (r"se?rum", ["serum", "srum"]),
    (r"x{2}y", ["xxy"]),
    (r"(?:serum\s+|plasma\s+)?creatinine", ["creatinine", "serum creatinine", "plasma creatinine"]),
    (r"T\.?\s*bili", ["t.bili", "t. bili", "tbili", "t bili"]),
    (r"K\+", ["k+"]),
    (r"(?:a|)b", ["ab", "b"]),
    (r"[a-c]x|y", ["ax", "cx", "y"]),
    (r"performance\s+status|\bPS(?=\s*\d)", ["performance  status", "ps 2"]),
    (r"Ha?emoglobin|Hb(?!A1c)", ["hemoglobin", "haemoglobin", "hb"]),
])
def test_measurements_entry_prefixes_cover_every_match(pattern: str, samples: list[str]) -> None:
    """The characters an entry is indexed by (read off its pattern for lower-cased text) must
    begin every string the entry matches."""
    import re

    from pipeline.scan import leading_strings
    from pipeline.tag.measurements import _PREFIX, _lower_pattern

    lowered = _lower_pattern(pattern)
    prefixes = leading_strings(lowered, _PREFIX)
    assert prefixes, pattern  # each of these can be read
    assert all(0 < len(p) <= _PREFIX for p in prefixes)
    for sample in samples:
        assert re.match(lowered, sample), (pattern, sample)
        assert any(sample.startswith(p) for p in prefixes), (pattern, sample, prefixes)


@pytest.mark.parametrize("pattern", [r"\d+x", r"x?", r".abc", r"[^a]b", r"(?i:a)b", r"(?i)ab"])
def test_measurements_unreadable_starts_are_tried_everywhere(pattern: str) -> None:
    from pipeline.scan import leading_strings

    assert leading_strings(pattern, 3) is None


@pytest.mark.parametrize(
    "text",
    ["AST and ALT ≤ 2.5 × ULN", "Serum AST and serum ALT ≤ 2.5 × ULN",
     "AST levels and ALT levels ≤ 2.5 × ULN", "AST, ALT ≤ 2.5 x ULN"],
)
def test_a_value_after_two_labs_types_both(text: str) -> None:
    """The shared value gives each measurement its own comparator, bound and unit."""
    rows = [(m[1], m[2], m[3], m[4], m[5]) for m in measured(text)]
    assert rows == [("aspartate aminotransferase", "<=", None, 2.5, "x ULN"),
                    ("alanine aminotransferase", "<=", None, 2.5, "x ULN")]


def test_a_value_is_not_shared_across_a_clause() -> None:
    rows = measured("AST within normal limits; ALT ≤ 2.5 × ULN")
    assert [(r[1], r[2]) for r in rows] == [("aspartate aminotransferase", None),
                                            ("alanine aminotransferase", "<=")]
