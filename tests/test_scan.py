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
    source = re.sub(r"^(\(\?[aiLmsux]+\))?\(\?=(?:\(\?i:)?\[[^\]]*\]\)?\)\(\?:", r"\1", pattern.pattern)
    assert source != pattern.pattern and source.endswith(")"), "pattern is not guarded"
    return re.compile(source[:-1], pattern.flags)


def _scanners() -> list[re.Pattern[str]]:
    tables, rules = _tables(), demographic_rules()
    return [tables.comparators, tables.number_ahead, _grammar().number, rules.trigger,
            rules.trigger_lower, rules.keyword, rules.adult]


_CRAFTED = [
    "ANC greater than or equal to 1,500/mm3 and AT LEAST 18 years; no more than two prior lines",
    "Women who are pregnant, breast-feeding or of child-bearing potential; males aged >= 65",
    "ECOG 0-1, stage III-IVb, at least one measurable lesion, aged eighteen or older",
    "age ≥ 18, Adult patients, up to 5 x ULN, ＞3 months, ≧ 9 g/dL",
    "", "x", "Ⅳ期", "ﬁbrosis ſeverity K-ras",
]


@pytest.mark.parametrize("index", range(7))
def test_scan_guarded_pipeline_patterns_match_as_before(index: int) -> None:
    pattern = _scanners()[index]
    plain = _unguarded(pattern)
    texts = _CRAFTED + [r.text for r in iter_records([REPO / "data" / "raw"]) if r.text]
    for text in texts:
        for variant in (text, text.lower(), text.upper()):
            assert _spans(pattern, variant) == _spans(plain, variant), variant[:80]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aAmMlLtTeEsS oOrRnNgGhHuUpPwWyY1-8.,<>=≥≤≧()\n\t")),
               max_size=60))
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
