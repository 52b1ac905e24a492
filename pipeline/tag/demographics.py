"""Age, sex and pregnancy as typed mentions.

Age comes from a value next to an age keyword ("Age 18 or older", "aged 18–75 years"), from a
value in years with an age cue ("≥ 18 years of age", "patients ≥ 18 years"), or from "adults"
(read as ≥ 18 years when no number is given). Ages are reported in years whatever unit the
text uses. Sex and pregnancy come from lexicons with concepts. All patterns are data in
``pipeline/rules/demographics.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline import rules
from pipeline.scan import guarded
from pipeline.tag.values import Value, comparator_before

__all__ = ["Age", "Concept", "find_ages", "find_pregnancy", "find_sex"]

_YEARS = {"years": 1.0, "months": 1 / 12, "weeks": 7 / 365.25, "days": 1 / 365.25}
_GAP_TO_VALUE = re.compile(r"^[\s,:(\[]*(?:(?:is|of|at|between|from|range|limits?|\(?years?\)?)"
                           r"[\s,:]*)*$", re.I)


@dataclass(frozen=True)
class Age:
    start: int
    end: int
    value: Value | None
    comparator: str
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Concept:
    start: int
    end: int
    concept: str


@dataclass(frozen=True)
class _Rules:
    keyword: re.Pattern[str]
    cue_after: re.Pattern[str]
    person_before: re.Pattern[str]
    not_age_before: re.Pattern[str]
    adult: re.Pattern[str]
    adult_low: float
    sex: tuple[tuple[re.Pattern[str], str], ...]
    pregnancy: tuple[tuple[re.Pattern[str], str], ...]
    sex_trigger: re.Pattern[str]
    pregnancy_trigger: re.Pattern[str]
    trigger: re.Pattern[str]
    trigger_lower: re.Pattern[str]  # the same, case-sensitive, for lower-cased text


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = rules.load("demographics")
    age = data["age"]
    return _Rules(
        keyword=guarded(re.compile(age["keyword"]["pattern"], re.I)),
        cue_after=re.compile(age["cue_after"]["pattern"], re.I),
        person_before=re.compile(age["person_before"]["pattern"]),
        not_age_before=re.compile(age["not_age_before"]["pattern"]),
        adult=guarded(re.compile(age["adult"]["pattern"], re.I)),
        adult_low=float(age["adult"]["low"]),
        sex=tuple((re.compile(s["pattern"], re.I), s["concept"]) for s in data["sex"]),
        pregnancy=tuple((re.compile(p["pattern"], re.I), p["concept"]) for p in data["pregnancy"]),
        sex_trigger=re.compile(data["sex_trigger"]["pattern"]),
        pregnancy_trigger=re.compile(data["pregnancy_trigger"]["pattern"]),
        trigger=guarded(re.compile(f"(?P<sex>{data['sex_trigger']['pattern']})|"
                                   f"(?P<pregnancy>{data['pregnancy_trigger']['pattern']})")),
        trigger_lower=guarded(re.compile(
            f"(?P<sex>{_strip_case(data['sex_trigger']['pattern'])})|"
            f"(?P<pregnancy>{_strip_case(data['pregnancy_trigger']['pattern'])})")),
    )


def _strip_case(pattern: str) -> str:
    """``(?i:...)`` -> ``(?:...)``: the trigger patterns are written in lower case."""
    return pattern.replace("(?i:", "(?:", 1)


def find_ages(text: str, values: list[Value]) -> list[Age]:
    """Age constraints; ``values`` are the values not already read as time windows."""
    r = _rules()
    keywords = list(r.keyword.finditer(text)) if values else []
    ages: list[Age] = []
    for value in values:
        if value.unit not in (None, *_YEARS):
            continue
        keyword = _keyword_before(text, keywords, value)
        if keyword is not None:
            ages.append(_age(keyword.start(), keyword.end(), _keyword_comparator(text, keyword,
                                                                                value)))
        elif "age" in text[value.start : value.number_start].lower():
            ages.append(_age(value.start, value.end, value))  # "above the age of 18"
        elif value.unit in _YEARS and _has_age_cue(text, value):
            ages.append(_age(value.start, value.end, value))
    if not any(a.low is not None for a in ages):
        for match in r.adult.finditer(text):
            ages.append(Age(match.start(), match.end(), None, ">=", r.adult_low, None))
    return ages


def _keyword_before(text: str, keywords: list[re.Match[str]], value: Value) -> re.Match | None:
    for keyword in reversed(keywords):
        if keyword.end() <= value.start and value.start - keyword.end() <= 30:
            if _GAP_TO_VALUE.match(text[keyword.end() : value.start]):
                return keyword
    return None


def _keyword_comparator(text: str, keyword: re.Match[str], value: Value) -> Value:
    """A bare age after "Minimum age:", "under age", "over the age of" takes that comparator."""
    if value.comparator not in (None, "="):
        return value
    word = keyword.group().lower()
    before = text[max(0, keyword.start() - 8) : keyword.start()].lower()
    if word.startswith("minimum") or "lower" in before:
        comparator: str | None = ">="
    elif word.startswith("maximum") or "upper" in before:
        comparator = "<="
    else:
        comparator = comparator_before(text, keyword.start())[0]
    if comparator is None:
        return value
    number = value.low if value.low is not None else value.high
    low, high = (number, None) if comparator in (">=", ">") else (None, number)
    return replace(value, comparator=comparator, low=low, high=high)


def _has_age_cue(text: str, value: Value) -> bool:
    r = _rules()
    span = text[value.start : value.end].lower()
    before = text[max(0, value.start - 40) : value.start]
    if r.not_age_before.search(before):
        return False  # "sudden death under 40 years of age", "a result less than a year old"
    if "of age" in span or "old" in span:
        return True
    if r.cue_after.match(text, value.end):
        return True
    if value.comparator != "=" and not before.strip(" \t\r\n-*:;,(•"):
        return True  # a criterion that is just "18 to 79 years inclusive"
    return value.comparator != "=" and r.person_before.search(before) is not None


def _age(start: int, end: int, value: Value) -> Age:
    factor = _YEARS.get(value.unit or "years", 1.0)
    low = None if value.low is None else round(value.low * factor, 4)
    high = None if value.high is None else round(value.high * factor, 4)
    return Age(start, end, value, value.comparator or "=", low, high)


def find_sex(text: str, triggered: set[str] | None = None) -> list[Concept]:
    r = _rules()
    hit = "sex" in triggered if triggered is not None else r.sex_trigger.search(text)
    return _concepts(text, r.sex) if hit else []


def find_pregnancy(text: str, triggered: set[str] | None = None) -> list[Concept]:
    r = _rules()
    hit = "pregnancy" in triggered if triggered is not None else r.pregnancy_trigger.search(text)
    return _concepts(text, r.pregnancy) if hit else []


def triggers(text: str) -> set[str]:
    """Which of the sex and pregnancy lexicons can match, in one pass over the text.

    Matching lower-cased text with a case-sensitive pattern is about four times faster than a
    case-insensitive pattern (when lower-casing keeps the length, as it does but for rare
    letters such as the Turkish dotted capital I).
    """
    r = _rules()
    lowered = text.lower()
    if len(lowered) == len(text):
        return {m.lastgroup for m in r.trigger_lower.finditer(lowered)}
    return {m.lastgroup for m in r.trigger.finditer(text)}


def _concepts(text: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> list[Concept]:
    found: list[Concept] = []
    for regex, concept in table:
        for match in regex.finditer(text):
            if not any(c.start < match.end() and match.start() < c.end for c in found):
                found.append(Concept(match.start(), match.end(), concept))
    return sorted(found, key=lambda c: c.start)
