"""Property test: random mixes of headers, markers, wrapped lines and text never break the
offsets invariant or lose a non-blank character."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.segment import segment

HEADERS = [
    "Inclusion Criteria:", "EXCLUSION CRITERIA", "Key Exclusion Criteria:", "-  INCLUSION CRITERIA:",
    "Inclusion criteria for Part A:", "Exclusion: pregnant", "Patients must meet all of the "
    "following:", "Subjects will be excluded if:", "Criteria: Inclusion Criteria:", "Eligibility:",
]
MARKERS = ["*", "-", "•", "·", "o", "1.", "2)", "(3)", "a.", "(b)", "iv.", "(ii)", "⑥", "⑫", "-  •",
           "10.", "A)", "#", "~", "--", "—", ""]
WORDS = ["age", "18", "years", "ECOG", "0-1", "≥", "1.5", "×", "ULN", "exclusion", "criteria",
         "Inclusion", "following:", "3)", "(a)", "⑦", ";", "-", "*", "o", "i.", "2.", "x", "~", "#",
         "Exclusion Criteria:", "HIV", "(", ")", "–", "ü", "\u00a0", "\t",
         # inline lettered / roman runs and the punctuation that closes their items
         "(b)", "(c)", "b)", "c)", "A.", "B.", "C.", "(i)", "(ii)", "ii)", "iii.", "women;", ",",
         "Smoking;"]
INDENTS = ["", " ", "  ", "    ", "          ", "             ", "\t"]
BREAKS = ["\n", "\r\n", "\r", "\n\n", "\n  \n"]

words = st.lists(st.sampled_from(WORDS) | st.text(min_size=1, max_size=6), min_size=0,
                 max_size=12).map(" ".join)
line = st.one_of(
    st.sampled_from(HEADERS),
    st.tuples(st.sampled_from(INDENTS), st.sampled_from(MARKERS), words).map(
        lambda t: f"{t[0]}{t[1]} {t[2]}" if t[1] else f"{t[0]}{t[2]}"
    ),
    st.tuples(st.sampled_from(INDENTS), words).map("".join),
)
document = st.lists(st.tuples(line, st.sampled_from(BREAKS)), max_size=25).map(
    lambda parts: "".join(a + b for a, b in parts)
)


def covered(text: str) -> list[int]:
    """How many of criteria texts, markers and headers cover each character."""
    seg = segment(text)
    counts = [0] * len(text)
    spans = [(c.start, c.end) for c in seg.criteria]
    spans += [(c.bullet_start, c.bullet_end) for c in seg.criteria if c.bullet_start is not None]
    spans += list(seg.markers) + [(h.start, h.end) for h in seg.headers]
    for start, end in set(spans):
        for pos in range(start, end):
            counts[pos] += 1
    return counts


def check(text: str) -> None:
    seg = segment(text)
    for c in seg.criteria:
        assert text[c.start : c.end] == c.text
        assert c.text and not c.text[0].isspace() and not c.text[-1].isspace()
    ordered = sorted((c.start, c.end) for c in seg.criteria)
    assert all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:])), "criteria overlap"
    for pos, count in enumerate(covered(text)):
        if not text[pos].isspace():
            assert count >= 1, f"character {text[pos]!r} at {pos} lost in {text!r}"
    for c in seg.criteria:
        assert c.parent is None or seg.criteria[c.parent].depth == c.depth - 1


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_segment_property_structured_documents(text: str) -> None:
    check(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_segment_property_arbitrary_text(text: str) -> None:
    check(text)
