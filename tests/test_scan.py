"""The first-character guard: same matches as the pattern it guards, on crafted and real text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalize import _tables, normalize_spacing
from pipeline.scan import first_chars, guarded
from pipeline.sources import iter_records
from pipeline.tag.demographics import _rules as demographic_rules
from pipeline.tag import values
from pipeline.tag.values import _grammar
from conftest import REPO


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[str | None, int, int]]:
    return [(m.lastgroup, m.start(), m.end()) for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    "source, flags, expected",
    [
        (r"abc|def", 0, "[ad]"),
        (r"(?<![\w-])(?:at\s+least|up\s+to)\b|>=", 0, "[>au]"),
        (r"x?y+z", 0, "[xy]"),
        (r"\d+|[A-Cq]", 0, r"[A-C\dq]"),
        (r"more|less", re.I, "(?i:[lm])"),
        (r"(?i:more)|<", 0, "(?i:[<m])"),
        (r"\bword", 0, "[w]"),
    ],
)
def test_scan_first_chars_read_off_the_pattern(source: str, flags: int, expected: str) -> None:
    assert first_chars(re.compile(source, flags)) == expected


@pytest.mark.parametrize("source", [r"a*", r"(?=x)", r"[^a]b", r".x", r"(a)?\1x", r"x?|y", r"\b"])
def test_scan_unreadable_starts_leave_the_pattern_alone(source: str) -> None:
    pattern = re.compile(source)
    assert first_chars(pattern) is None
    assert guarded(pattern) is pattern


def test_scan_guard_keeps_global_flags_first() -> None:
    pattern = re.compile(r"(?i)\bmore\s+than(?=\s*\d)")
    fast = guarded(pattern)
    assert fast.pattern.startswith("(?i)(?=")
    assert _spans(fast, "More than 3, more than x, MORE THAN 7") == _spans(
        pattern, "More than 3, more than x, MORE THAN 7")


# The scanning patterns of the pipeline, guarded where they are compiled, rebuilt unguarded.
def _unguarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    guard = r"^(\(\?[aiLmsux]+\))?\(\?=(?:\(\?i:)?\[[^\]]*\]\)?\)\(\?:"
    source = re.sub(guard, r"\1", pattern.pattern)
    assert source != pattern.pattern and source.endswith(")"), "pattern is not guarded"
    return re.compile(source[:-1], pattern.flags)


def _scanners() -> list[re.Pattern[str]]:
    tables, rules, grammar = _tables(), demographic_rules(), _grammar()
    return [tables.comparators, tables.number_ahead, grammar.number, grammar.comparator_before,
            grammar.unit, grammar.postfix, grammar.separator, grammar.roman_after,
            values._BETWEEN_BEFORE, values._A_ALLOWED_AFTER, values._BP_CONTEXT, rules.trigger,
            rules.trigger_lower, rules.keyword, rules.adult]


_CRAFTED = [
    "ANC greater than or equal to 1,500/mm3 and AT LEAST 18 years; no more than two prior lines",
    "Women who are pregnant, breast-feeding or of child-bearing potential; males aged >= 65",
    "ECOG 0-1, stage III-IVb, at least one measurable lesion, aged eighteen or older",
    "age ≥ 18, Adult patients, up to 5 x ULN, ＞3 months, ≧ 9 g/dL",
    "SBP < 140/90 mmHg, between 18 and 65 years, 2 to <12 years, 80 or more years old",
    "grade II-IIIb, stage IV or V, 1.5 x 10^9/L, 60 mL/min/1.73 m2, within a year ago, 7,8 mmol/l",
    "", "x", "Ⅳ期", "ﬁbrosis ſeverity K-ras",
]


@pytest.mark.parametrize("index", range(15))
def test_scan_guarded_pipeline_patterns_match_as_before(index: int) -> None:
    pattern = _scanners()[index]
    plain = _unguarded(pattern)
    texts = _CRAFTED + [r.text for r in iter_records([REPO / "data" / "raw"]) if r.text]
    for text in texts:
        for variant in (text, text.lower(), text.upper()):
            assert _spans(pattern, variant) == _spans(plain, variant), variant[:80]


_LETTERS = "aAmMlLtTeEsS oOrRnNgGhHuUpPwWyYkKdDbBIVX1-8.,<>=≥≤≧()/%\n\t"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(_LETTERS)), max_size=60))
def test_scan_guarded_pipeline_patterns_on_generated_text(text: str) -> None:
    for pattern in _scanners():
        assert _spans(pattern, text) == _spans(_unguarded(pattern), text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\u00a0\u2003\u3000ab,;:.!?)]([")),
               max_size=40))
def test_scan_spacing_without_regex_is_the_regex_spacing(text: str) -> None:
    expected = re.sub(r"\s+", " ", text).strip()
    expected = re.sub(r"\s+([,;:.!?)\]])", r"\1", expected)
    expected = re.sub(r"([(\[])\s+", r"\1", expected)
    assert normalize_spacing(text) == expected
