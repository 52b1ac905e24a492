"""Typed constraints of one criterion: the rule half of tagging, as pure functions.

``extract(text)`` reads values first, then decides what each value constrains: a time window
(when a temporal cue surrounds a duration), an age (next to an age keyword or cue), a
measurement (the lexicon entry it follows), or nothing (a value row on its own). The result is
a list of ``Mention`` with contract labels and typed fields, offsets into ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.tag.demographics import find_ages, find_pregnancy, find_sex, triggers
from pipeline.tag.measurements import find_measurements, link_values
from pipeline.tag.values import Value, comparator_before, find_values
from pipeline.tag.windows import Window, find_windows

__all__ = ["Mention", "extract"]


@dataclass(frozen=True)
class Mention:
    """A typed span: contract label, optional concept, value fields and window fields."""

    start: int
    end: int
    label: str
    concept: str | None = None
    comparator: str | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    window_start: float | None = None
    window_end: float | None = None
    anchor: str | None = None


def _typed(value: Value) -> dict:
    return {"comparator": value.comparator or "=", "low": value.low, "high": value.high,
            "unit": value.unit}


def _bounds(value: Value) -> tuple[float | None, float | None]:
    number = value.low if value.low is not None else value.high
    if value.comparator in (">=", ">"):
        return number, None
    if value.comparator in ("<=", "<"):
        return None, number
    return value.low, value.high


def _window_typed(window: Window) -> dict:
    """The duration constraint of a window, read the way the window is: "in the past 6 months"
    is ``<= 6 months``, "at least 4 weeks before" is ``>= 4 weeks``."""
    value = window.value
    if value is None:
        return {}
    return _typed(replace(value, comparator=window.comparator,
                          low=_bounds(replace(value, comparator=window.comparator))[0],
                          high=_bounds(replace(value, comparator=window.comparator))[1]))


def extract(text: str) -> list[Mention]:
    """Every typed mention in one criterion's text, sorted by position."""
    values = find_values(text)
    windows = find_windows(text, values)
    in_windows = {w.value for w in windows if w.value is not None}
    free = [v for v in values if v not in in_windows]
    ages = find_ages(text, free)
    age_values = {a.value for a in ages if a.value is not None}
    measurements = find_measurements(text)
    links = link_values(text, measurements, [v for v in free if v not in age_values])
    mentions: list[Mention] = []
    for w in windows:
        mentions.append(Mention(w.start, w.end, "temporal", None, **_window_typed(w),
                                window_start=w.window_start, window_end=w.window_end,
                                anchor=w.anchor))
    for a in ages:
        mentions.append(Mention(a.start, a.end, "age", None, a.comparator, a.low, a.high, "years"))
    linked: set[Value] = set()
    for index, m in enumerate(measurements):
        for value in links.get(index, []):
            linked.add(value)
            if value.comparator is None:
                # "≥ grade 2", "Greater than Stage 3": the comparator stands before the name.
                before, _ = comparator_before(text, m.start)
                value = replace(value, comparator=before) if before else value
                value = replace(value, low=_bounds(value)[0], high=_bounds(value)[1])
            mentions.append(Mention(m.start, m.end, "measurement", m.concept, **_typed(value)))
        if not links.get(index) and m.unlinked:
            mentions.append(Mention(m.start, m.end, "measurement", m.concept))
    for value in free:
        if not value.bare or value in linked or value in age_values:
            mentions.append(Mention(value.start, value.end, "value", None, **_typed(value)))
    triggered = triggers(text)
    for c in find_sex(text, triggered):
        mentions.append(Mention(c.start, c.end, "sex", c.concept))
    for c in find_pregnancy(text, triggered):
        mentions.append(Mention(c.start, c.end, "pregnancy", c.concept))
    return sorted(mentions, key=lambda m: (m.start, m.end, m.label))
