"""Inline lettered and roman lists: "(a) … (b) …", "a) … b) …", "(i) … (ii) …", "A. … B. …" run
together in one line, short and lower-case items included (issue 16, point 4), and the prose that
must stay whole. Real texts: the LCT documents of ``ctgov_records`` (NCT03797300, NCT03797430,
NCT03794830) re-laid as one paragraph per section, and lines of other records as written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.segment import segment

ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]

# The items of three LCT documents, as their "  -  " lists give them.
NCT03797300 = {
    "Inclusion Criteria:": ["Healthy adult willing to participate"],
    "Exclusion Criteria:": ["Wrist size outside the indicated use", "Low perfusion", "Smoking"],
}
NCT03797430 = {
    "Inclusion Criteria:": [
        "women", "age from 14 to 18 years old", "national or international level for handball",
    ],
    "Exclusion Criteria:": [
        "no french language", "players who don't understand the instructions to perform the test",
        "Refusal to perform the test",
    ],
}
NCT03794830 = {
    "Inclusion Criteria:": [
        "dysfunction or sacroiliac joint hypomobility (SI)",
        "having stopped taking anti-inflammatory medicines or analgesics three days before the "
        "study began",
    ],
    "Exclusion Criteria:": [
        "destructive injuries of the spine and pelvis", "fractures", "lumbar surgery",
        "sacroiliac instability", "spondylolisthesis", "pregnancy in progress",
        "cauda equina syndrome", "abdominal aneurysm", "infection", "inflammatory arthritis",
        "tumors", "osteoporosis",
    ],
}
STYLES = {
    "(a)": lambda k: f"({chr(97 + k)})",
    "a)": lambda k: f"{chr(97 + k)})",
    "a.": lambda k: f"{chr(97 + k)}.",
    "(A)": lambda k: f"({chr(65 + k)})",
    "A)": lambda k: f"{chr(65 + k)})",
    "A.": lambda k: f"{chr(65 + k)}.",
    "(i)": lambda k: f"({ROMAN[k]})",
    "i)": lambda k: f"{ROMAN[k]})",
    "i.": lambda k: f"{ROMAN[k]}.",
    "(I)": lambda k: f"({ROMAN[k].upper()})",
    "I.": lambda k: f"{ROMAN[k].upper()}.",
}


def rows(text: str) -> list[tuple[str, int, str | None, str]]:
    return [(c.section, c.ordinal, c.bullet, c.text) for c in segment(text).criteria]


def check_invariant(text: str) -> None:
    """Offsets index the text; every non-blank character is in one criterion, marker or header."""
    seg = segment(text)
    covered = [0] * len(text)
    spans = {(c.start, c.end) for c in seg.criteria}
    spans |= {(c.bullet_start, c.bullet_end) for c in seg.criteria if c.bullet_start is not None}
    spans |= set(seg.markers) | {(h.start, h.end) for h in seg.headers}
    for start, end in spans:
        for pos in range(start, end):
            covered[pos] += 1
    for c in seg.criteria:
        assert text[c.start : c.end] == c.text
    for pos, char in enumerate(text):
        assert char.isspace() or covered[pos] == 1, (pos, char, text)


def relay(document: dict[str, list[str]], style: str, sep: str = "; ", end: str = ";",
          joiner: str = "\n") -> str:
    """One paragraph per section: "Exclusion Criteria: (a) …; (b) …; (c) …;"."""
    return joiner.join(
        header + " " + sep.join(f"{STYLES[style](k)} {item}" for k, item in enumerate(items)) + end
        for header, items in document.items()
    )


def expected(document: dict[str, list[str]], style: str, sep: str = "; ", end: str = ";"):
    out = []
    for header, items in document.items():
        section = header.split()[0].lower()
        for k, item in enumerate(items):
            closing = sep.strip() if k + 1 < len(items) else end
            out.append((section, k + 1, STYLES[style](k), item + closing))
    return out


# ------------------------------------------------------------------------- the examples


def test_inline_letters_after_header_short_items() -> None:
    text = (
        "Exclusion criteria: (a) Wrist size outside the indicated use; (b) Low perfusion; "
        "(c) Smoking;"
    )
    assert rows(text) == [
        ("exclusion", 1, "(a)", "Wrist size outside the indicated use;"),
        ("exclusion", 2, "(b)", "Low perfusion;"),
        ("exclusion", 3, "(c)", "Smoking;"),
    ]
    check_invariant(text)


def test_inline_letters_after_header_lower_case_one_word_first_item() -> None:
    text = (
        "Inclusion criteria: (a) women; (b) age from 14 to 18 years old; (c) national or "
        "international level for handball;"
    )
    assert rows(text) == [
        ("inclusion", 1, "(a)", "women;"),
        ("inclusion", 2, "(b)", "age from 14 to 18 years old;"),
        ("inclusion", 3, "(c)", "national or international level for handball;"),
    ]
    check_invariant(text)


def test_inline_letters_one_word_items_keep_everything_after_a() -> None:
    text = (
        "(a) destructive injuries of the spine and pelvis; (b) fractures; (c) lumbar surgery; "
        "(d) sacroiliac instability; (e) spondylolisthesis; (f) pregnancy in progress"
    )
    assert rows(text) == [
        ("unknown", 1, "(a)", "destructive injuries of the spine and pelvis;"),
        ("unknown", 2, "(b)", "fractures;"),
        ("unknown", 3, "(c)", "lumbar surgery;"),
        ("unknown", 4, "(d)", "sacroiliac instability;"),
        ("unknown", 5, "(e)", "spondylolisthesis;"),
        ("unknown", 6, "(f)", "pregnancy in progress"),
    ]
    check_invariant(text)


# ------------------------------------------------ LCT documents re-laid one paragraph a section


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("document", [NCT03797300, NCT03797430, NCT03794830],
                         ids=["NCT03797300", "NCT03797430", "NCT03794830"])
def test_inline_relaid_lct_documents(document: dict[str, list[str]], style: str) -> None:
    text = relay(document, style)
    assert rows(text) == expected(document, style)
    check_invariant(text)


@pytest.mark.parametrize("style", ["(a)", "a)", "A.", "(i)", "i."])
def test_inline_relaid_with_commas_and_full_stop(style: str) -> None:
    text = relay(NCT03794830, style, sep=", ", end=".")
    assert rows(text) == expected(NCT03794830, style, sep=", ", end=".")
    check_invariant(text)


@pytest.mark.parametrize("style", ["(a)", "a)", "A.", "(i)"])
def test_inline_relaid_whole_document_in_one_line(style: str) -> None:
    """Both sections in one paragraph: the second header is cut out of the first list."""
    text = relay(NCT03797430, style, joiner=" ")
    assert rows(text) == expected(NCT03797430, style)
    assert [text[h.start : h.end] for h in segment(text).headers] == [
        "Inclusion Criteria:", "Exclusion Criteria:"]
    check_invariant(text)


def test_inline_letters_continue_past_roman_looking_i() -> None:
    """(h) (i) (j): "(i)" reads as the ninth letter when the run is of letters."""
    items = NCT03794830["Exclusion Criteria:"]
    text = "Exclusion Criteria: " + "; ".join(f"({chr(97 + k)}) {t}" for k, t in enumerate(items))
    got = rows(text)
    assert [b for _, _, b, _ in got] == [f"({chr(97 + k)})" for k in range(12)]
    assert got[8] == ("exclusion", 9, "(i)", "infection;")
    assert got[11] == ("exclusion", 12, "(l)", "osteoporosis")
    check_invariant(text)


# --------------------------------------------------------------------- lines of real records


def test_inline_roman_after_lead_in_nct03933514() -> None:
    text = (
        "Inclusion Criteria:\n"
        "  -  Children: i) to present parents respecting the inclusion criteria for periodontal "
        "health or GAgP; ii) 6 to 12 years of age at the beginning of study iii) good systemic "
        "health iv) presence of first molars and central incisors.\n"
    )
    got = segment(text).criteria
    assert [(c.bullet, c.text, c.depth) for c in got] == [
        ("-", "Children:", 0),
        ("i)", "to present parents respecting the inclusion criteria for periodontal health or "
         "GAgP;", 1),
        ("ii)", "6 to 12 years of age at the beginning of study", 1),
        ("iii)", "good systemic health", 1),
        ("iv)", "presence of first molars and central incisors.", 1),
    ]
    assert [c.ordinal for c in got] == [1, 2, 3, 4, 5]
    check_invariant(text)


def test_inline_roman_periods_nct03793842() -> None:
    text = (
        "Inclusion Criteria:\n"
        "  -  Presence of all of the following conditions for < 48 hours i. PaO2/FiO2 < 150 with "
        "PEEP > 5 cm H2O for > 30 min. ii. bilateral opacities not fully explained by effusions, "
        "lobar/lung collapse, or nodules iii. respiratory failure not fully explained by cardiac "
        "failure or fluid overload\n"
    )
    assert [(c.bullet, c.text) for c in segment(text).criteria] == [
        ("-", "Presence of all of the following conditions for < 48 hours"),
        ("i.", "PaO2/FiO2 < 150 with PEEP > 5 cm H2O for > 30 min."),
        ("ii.", "bilateral opacities not fully explained by effusions, lobar/lung collapse, or "
         "nodules"),
        ("iii.", "respiratory failure not fully explained by cardiac failure or fluid overload"),
    ]
    check_invariant(text)


def test_inline_capital_letters_without_punctuation_nct03793387() -> None:
    text = (
        "Inclusion Criteria:\n"
        "A. One of each: lung nodule size less than 1 cm; depth more than 2 cm; GGO lesion "
        "B. 20~90 years old C. sign permit\n"
    )
    assert rows(text) == [
        ("inclusion", 1, "A.",
         "One of each: lung nodule size less than 1 cm; depth more than 2 cm; GGO lesion"),
        ("inclusion", 2, "B.", "20~90 years old"),
        ("inclusion", 3, "C.", "sign permit"),
    ]
    check_invariant(text)


def test_inline_numbers_short_last_item_nct03869463() -> None:
    text = (
        "Inclusion Criteria:\n  1. Age 18-29.\n"
        "4. Willing and able to complete MRI, mood, and neuropsychological testing. 5. IQ > 85.\n"
    )
    assert [(c.bullet, c.text) for c in segment(text).criteria] == [
        ("1.", "Age 18-29."),
        ("4.", "Willing and able to complete MRI, mood, and neuropsychological testing."),
        ("5.", "IQ > 85."),
    ]
    check_invariant(text)


def test_inline_numbers_after_one_word_lead_in_nct03926325() -> None:
    text = (
        "Exclusion Criteria:\n"
        "  1. OHCA: 1)The out-of-hospital cardiac arrest patients who were taken to the hospital "
        "by their family members; 2) Bystanders suspected cardiac arrest, but the ROSC was "
        "achieved without defibrillation or resuscitation by EMS.\n"
    )
    assert [(c.bullet, c.text) for c in segment(text).criteria] == [
        ("1.", "OHCA:"),
        ("1)", "The out-of-hospital cardiac arrest patients who were taken to the hospital by "
         "their family members;"),
        ("2)", "Bystanders suspected cardiac arrest, but the ROSC was achieved without "
         "defibrillation or resuscitation by EMS."),
    ]
    check_invariant(text)


def test_inline_letters_after_lead_in_header_nct03861312() -> None:
    text = (
        "Exclusion Criteria:\n"
        "  -  Exclusion criteria included the following: a) patients with rheumatic diseases, "
        "cervical hernia, cervical whiplash syndrome, neck surgeries or history of arthrodesis, "
        "b) systemic diseases, c) vision, hearing or vestibular problems, d) Severe trauma or "
        "traffic accident which has had an impact on the cervical area."
    )
    got = rows(text)
    assert [(s, o, b) for s, o, b, _ in got] == [
        ("exclusion", 1, "a)"), ("exclusion", 2, "b)"), ("exclusion", 3, "c)"),
        ("exclusion", 4, "d)")]
    assert [t for *_, t in got[1:3]] == [
        "systemic diseases,", "vision, hearing or vestibular problems,"]
    check_invariant(text)


# ------------------------------------------------------------------------ prose that stays whole


@pytest.mark.parametrize(
    "text",
    [
        "- Deficiency of vitamin A. B12 levels below normal. C. difficile infection",
        "- Diabetes type A. The patient must be stable",
        "- Patients with hepatitis A. B. C. or D. are excluded",
        "- Patients with S. aureus or E. coli bacteremia; A. baumannii excluded",
        "- Group A. Group B. Group C. patients",
        "- Patients meeting criteria (a) and (b) above are eligible",
        "- Use of drugs listed in section (a), (b) and (c) of the appendix",
        "- stage (i), (ii), or (iii) disease",
        "- Hepatitis (B) or (C) infection",
        "- Child-Pugh class (a) or (c); prior therapy",
        "- History of (a) stroke; (c) myocardial infarction",
        "- Eligible for either a) surgery or b) radiotherapy",
        "- Induction triggered by ICD or during EPS or both, a) and b)",
        "- Severe hepatic (Child B and C) or renal insufficiency (GFR<30 mL/min)",
        "- Known ABO-Resus(D) blood group",
        "- ii. Moderate to severe disease iii. Candidate for phototherapy or systemic therapy b.",
    ],
)
def test_inline_prose_is_not_split(text: str) -> None:
    [criterion] = segment(text).criteria
    assert criterion.text == text[criterion.bullet_end :].strip()
    check_invariant(text)


# ---------------------------------------------------------------------------------- property

WORDS = ["women", "age", "18", "years", "fractures", "Low", "perfusion", "HbA1c", "≥", "7%",
         "prior", "surgery", "Smoking", "type", "vitamin", "B12", "stage", "II", "and", "or"]
FIRST = ["women", "fractures", "Smoking", "prior", "HbA1c", "Age", "tumors", "no"]
item = st.tuples(st.sampled_from(FIRST), st.lists(st.sampled_from(WORDS), max_size=5)).map(
    lambda t: " ".join([t[0], *t[1]]))


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(item, min_size=2, max_size=12),
    style=st.sampled_from(list(STYLES)),
    header=st.sampled_from(["Inclusion Criteria: ", "Exclusion criteria: ", ""]),
    sep=st.sampled_from(["; ", ", ", ";  "]),
    end=st.sampled_from(["", ";", "."]),
)
def test_inline_property_punctuated_runs_split_into_their_items(
    items: list[str], style: str, header: str, sep: str, end: str
) -> None:
    """Any run "(a) x; (b) y; …" after a header (or alone) gives one row per item, in order."""
    body = sep.join(f"{STYLES[style](k)} {t}" for k, t in enumerate(items)) + end
    text = header + body
    got = segment(text).criteria
    closing = [sep.strip()] * (len(items) - 1) + [end]
    bullets = [STYLES[style](k) for k in range(len(items))]
    assert [(c.bullet, c.text) for c in got] == [
        (b, t + c) for b, t, c in zip(bullets, items, closing)]
    assert [c.ordinal for c in got] == list(range(1, len(items) + 1))
    check_invariant(text)
