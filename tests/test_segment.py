"""Segmenter: sections, markers, inline enumerations, wrapped lines, nesting, offsets."""

from __future__ import annotations

import pytest

from pipeline.segment import segment


def texts(text: str, section: str | None = None) -> list[str]:
    return [c.text for c in segment(text).criteria if section is None or c.section == section]


def check_offsets(text: str) -> None:
    for c in segment(text).criteria:
        assert text[c.start : c.end] == c.text


def test_segment_seed_trial_counts(seed_text: str) -> None:
    seg = segment(seed_text)
    inclusion = [c for c in seg.criteria if c.section == "inclusion"]
    exclusion = [c for c in seg.criteria if c.section == "exclusion"]
    assert len(inclusion) == 10
    assert len(exclusion) == 12
    assert [c.bullet for c in inclusion[5:]] == ["⑥", "⑦", "⑧", "⑨", "⑩"]
    assert [c.bullet for c in exclusion[8:]] == ["⑨", "⑩", "⑪", "⑫"]
    assert inclusion[4].text == "Life expectancy is more than 3 months;"
    assert inclusion[5].text.startswith("Have at least one measurable lesion")
    assert exclusion[7].text == "History of active tuberculosis;"
    assert exclusion[8].text == "Positive human immunodeficiency virus (HIV) test result;"


def test_segment_seed_staircase_bullets_are_siblings(seed_text: str) -> None:
    seg = segment(seed_text)
    assert {c.depth for c in seg.criteria} == {0}
    assert all(c.parent is None for c in seg.criteria)
    assert [c.ordinal for c in seg.criteria if c.section == "exclusion"] == list(range(1, 13))
    check_offsets(seed_text)


@pytest.mark.parametrize(
    "header, section",
    [
        ("Inclusion Criteria:", "inclusion"),
        ("INCLUSION CRITERIA", "inclusion"),
        ("Key Inclusion Criteria:", "inclusion"),
        ("Inclusion criteria for Part A:", "inclusion"),
        ("-  INCLUSION CRITERIA:", "inclusion"),
        ("Patients must meet all of the following:", "inclusion"),
        ("Subjects will be included if:", "inclusion"),
        ("Exclusion Criteria:", "exclusion"),
        ("Key Exclusion Criteria", "exclusion"),
        ("EXCLUSION CRITERIA:", "exclusion"),
        ("Exclusion Criteria (both groups)", "exclusion"),
        ("Non-inclusion criteria:", "exclusion"),
        ("Patients with any of the following will be excluded:", "exclusion"),
    ],
)
def test_segment_header_variants(header: str, section: str) -> None:
    seg = segment(f"{header}\n- Age 18 or older\n- Signed consent\n")
    assert [c.section for c in seg.criteria] == [section, section]
    assert [c.text for c in seg.criteria] == ["Age 18 or older", "Signed consent"]


def test_segment_header_with_text_on_same_line() -> None:
    text = "Inclusion: adults aged 18 to 65\nExclusion: pregnancy\n"
    seg = segment(text)
    assert [(c.section, c.text) for c in seg.criteria] == [
        ("inclusion", "adults aged 18 to 65"),
        ("exclusion", "pregnancy"),
    ]


def test_segment_mention_of_exclusion_criteria_stays_a_criterion() -> None:
    text = (
        "Inclusion Criteria:\n- Adults\n- Patients who do not meet any of the exclusion criteria\n"
        "- Not meeting all of the inclusion criteria\nExclusion Criteria:\n- Pregnancy\n"
    )
    seg = segment(text)
    assert [c.section for c in seg.criteria] == ["inclusion"] * 3 + ["exclusion"]
    assert "exclusion criteria" in seg.criteria[1].text


def test_segment_header_glued_to_previous_criterion() -> None:
    text = "Inclusion Criteria:\n-  Signed informed consent Exclusion criteria:\n-  Pregnancy\n"
    seg = segment(text)
    assert [(c.section, c.text) for c in seg.criteria] == [
        ("inclusion", "Signed informed consent"),
        ("exclusion", "Pregnancy"),
    ]


def test_segment_unknown_section_without_header() -> None:
    seg = segment("Age over 18\nSigned consent")
    assert [c.section for c in seg.criteria] == ["unknown", "unknown"]


@pytest.mark.parametrize(
    "marker",
    ["*", "-", "•", "·", "o", "1.", "1)", "(1)", "a.", "(a)", "i.", "(iv)", "①", "A)", "1、"],
)
def test_segment_markers(marker: str) -> None:
    text = f"Inclusion Criteria:\n{marker} Adults aged 18 years or older\n"
    [criterion] = segment(text).criteria
    assert criterion.bullet == marker
    assert criterion.text == "Adults aged 18 years or older"


def test_segment_dash_inside_text_is_not_a_marker() -> None:
    text = "Inclusion Criteria:\n- Age 18 - 65 years\n- BMI 18.5-30\n"
    assert texts(text) == ["Age 18 - 65 years", "BMI 18.5-30"]


def test_segment_decimal_at_line_start_is_not_a_marker() -> None:
    assert texts("1.5 x ULN is the limit") == ["1.5 x ULN is the limit"]


def test_segment_inline_circled_numbers() -> None:
    text = "Exclusion Criteria:\n* History of TB; ⑨ Positive HIV test; ⑩Hepatitis B. ⑪Other"
    assert texts(text) == ["History of TB;", "Positive HIV test;", "Hepatitis B.", "Other"]


def test_segment_inline_numbered_list() -> None:
    text = "Inclusion criteria: 1) age 18 to 75 years 2) ECOG 0 or 1 3) adequate organ function"
    assert texts(text) == ["age 18 to 75 years", "ECOG 0 or 1", "adequate organ function"]


def test_segment_inline_reference_is_not_split() -> None:
    text = "- Patients meeting criteria (1) and (2) above are eligible"
    assert texts(text) == ["Patients meeting criteria (1) and (2) above are eligible"]


def test_segment_legacy_wrapped_lines_join() -> None:
    text = (
        "\n        Inclusion Criteria:\n\n"
        "          -  history within the last two years of at least six months with menstrually\n"
        "             related mood disturbances of at least moderate severity\n\n"
        "          -  age 18 to 50\n"
    )
    seg = segment(text)
    assert len(seg.criteria) == 2
    assert seg.criteria[0].text.endswith("moderate severity")
    assert seg.criteria[0].depth == 0
    check_offsets(text)


def test_segment_real_nesting_under_list_head() -> None:
    text = (
        "Inclusion Criteria:\n"
        "1. Adequate organ function defined as:\n"
        "   a. ANC >= 1.5 x 10^9/L\n"
        "   b. Platelets >= 100 x 10^9/L\n"
        "2. ECOG 0-1\n"
    )
    seg = segment(text)
    depths = [(c.text, c.depth, c.parent) for c in seg.criteria]
    assert depths == [
        ("Adequate organ function defined as:", 0, None),
        ("ANC >= 1.5 x 10^9/L", 1, 0),
        ("Platelets >= 100 x 10^9/L", 1, 0),
        ("ECOG 0-1", 0, None),
    ]


def test_segment_deeper_bullets_that_return_are_nested() -> None:
    text = (
        "* Active disease at Screening as defined by\n\n"
        "  * BASDAI score >= 4\n"
        "  * Spinal pain >= 4\n"
        "* Inadequate response to NSAIDs\n"
    )
    seg = segment(text)
    assert [c.depth for c in seg.criteria] == [0, 1, 1, 0]
    assert seg.criteria[1].parent == 0


def test_segment_lossy_tilde_separated_export() -> None:
    text = "Inclusion Criteria:~patients of any gender~older than 18 years~Exclusion Criteria:~pregnancy"
    seg = segment(text)
    assert [(c.section, c.text) for c in seg.criteria] == [
        ("inclusion", "patients of any gender"),
        ("inclusion", "older than 18 years"),
        ("exclusion", "pregnancy"),
    ]


def test_segment_crlf_offsets() -> None:
    text = "Inclusion Criteria:\r\n\r\n- Adults\r\n- Consent\r\n"
    seg = segment(text)
    assert [c.text for c in seg.criteria] == ["Adults", "Consent"]
    check_offsets(text)


def test_segment_empty_and_blank_text() -> None:
    assert segment("").criteria == ()
    assert segment("   \n\n  ").criteria == ()
    assert segment("Inclusion Criteria:\n-\nExclusion Criteria:\n-").criteria == ()


def test_segment_header_rest_after_no_break_space() -> None:
    # found by the property test: text after a header colon and a no-break space
    [criterion] = segment("Exclusion Criteria: \u00a00\n").criteria
    assert criterion.text == "0"
