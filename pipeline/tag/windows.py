"""Time windows: durations with a temporal cue become signed day intervals around an anchor.

``within 4 weeks prior to the first dose`` -> (-28, 0, first_dose); ``in the past 6 months``
-> (-182.6, 0, now); ``at least 4 weeks before enrollment`` -> (None, -28, enrollment);
``≥ 28 days since last chemotherapy`` -> (None, -28, now). Conventions (a month is 30.4375
days, a year 365.25) and the cue and anchor phrases are data in ``pipeline/rules/windows.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules
from pipeline.tag.values import Value

__all__ = ["Window", "find_windows", "DURATION_UNITS"]

DURATION_UNITS = frozenset({"years", "months", "weeks", "days", "hours", "minutes", "seconds"})
_WORDS_AFTER = re.compile(r"\s*(?:the\s+|a\s+|an\s+|his\s+|her\s+|their\s+)?((?:[\w-]+\s*){1,3})")
_OVER_THE = re.compile(r"(?i)\bover\s+the\s+(?:(?:past|last|previous|preceding)\s+)?$")
_STOP = re.compile(r"(?i)\b(?:and|or|with|without|for|in|at|of|to|is|are|was|were|who|which|that|"
                   r"if|unless|except|but|as|on|by)\b")


@dataclass(frozen=True)
class Window:
    """A time window: the span that states it, its duration value, and the signed days."""

    start: int
    end: int
    value: Value | None  # the duration; None for "during the study"
    comparator: str | None  # how the duration is bounded, as the window reads it
    window_start: float | None
    window_end: float | None
    anchor: str


@dataclass(frozen=True)
class _Rules:
    days: dict[str, float]
    cues_before: tuple[tuple[re.Pattern[str], str, str], ...]
    cues_after: tuple[tuple[re.Pattern[str], str], ...]
    anchors: tuple[tuple[re.Pattern[str], str], ...]
    during: re.Pattern[str]
    during_anchor: str


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = rules.load("windows")
    return _Rules(
        days=data["conventions"]["days_per_unit"],
        cues_before=tuple((re.compile(c["pattern"], re.I), c["kind"], c.get("direction", "before"))
                          for c in data["cues_before"]),
        cues_after=tuple((re.compile(c["pattern"], re.I), c["kind"]) for c in data["cues_after"]),
        anchors=tuple((re.compile(rf"\s*(?:{a['pattern']})\b", re.I), a["anchor"])
                      for a in data["anchors"]),
        during=re.compile(data["during_study"]["pattern"], re.I),
        during_anchor=data["during_study"]["anchor"],
    )


def find_windows(text: str, values: list[Value]) -> list[Window]:
    """Windows stated in ``text``; ``values`` are its parsed values (durations among them)."""
    windows = [w for v in values if v.unit in DURATION_UNITS for w in _window(text, v)]
    r = _rules()
    for match in r.during.finditer(text):
        if not any(w.start <= match.start() < w.end for w in windows):
            windows.append(Window(match.start(), match.end(), None, None, 0.0, None,
                                  r.during_anchor))
    return sorted(windows, key=lambda w: w.start)


def _window(text: str, value: Value) -> list[Window]:
    r = _rules()
    lead_start = max(0, value.start - 40)
    lead = text[lead_start : value.number_start]
    kind, direction, start = None, "before", value.start
    comparator = value.comparator
    # A cue may stand before the comparator ("for at least 4 weeks") or be part of it
    # ("within the past 6 months").
    for lead_end in (value.start, value.number_start):
        for regex, cue_kind, cue_direction in r.cues_before:
            match = regex.search(text, lead_start, lead_end)
            if match is not None:
                kind, direction = cue_kind, cue_direction
                start = min(start, match.start())
                break
        if kind is not None:
            break
    if _OVER_THE.search(lead):
        kind, comparator = "within", "="  # "over the 3 months prior to …" is a window
    if kind is None and value.comparator in ("<=", "<") and "within" in lead.lower():
        kind = "within"
    after_kind, anchor, end = _after(text, value.end, value)
    if after_kind is not None:
        direction = "after" if after_kind == "after" else "before"
    if kind is None and after_kind is None:
        return []
    if after_kind == "of" and kind is None:
        return []  # "4 weeks of treatment" is a duration of something, not a window
    days = r.days[value.unit]
    low = value.low * days if value.low is not None else None
    high = value.high * days if value.high is not None else None
    bounds = _bounds(comparator, low, high, kind, after_kind)
    if direction == "after":
        bounds = (None if bounds[1] is None else -bounds[1],
                  None if bounds[0] is None else -bounds[0])
    return [Window(start, end, value, _duration_comparator(comparator, kind, bounds),
                   _round(bounds[0]), _round(bounds[1]), anchor)]


def _duration_comparator(comparator: str | None, kind: str | None,
                         bounds: tuple[float | None, float | None]) -> str:
    """"in the past 6 months" bounds the duration by ``<=``; "for 3 months" stays ``=``."""
    if comparator not in ("=", None) or kind == "duration":
        return comparator or "="
    start, end = bounds
    if start is not None and end is not None and start != end:
        return "<="
    return "="


def _after(text: str, pos: int, value: Value) -> tuple[str | None, str, int]:
    """(cue kind, anchor, span end) of what follows a duration ("prior to the first dose")."""
    r = _rules()
    rest = text[pos : pos + 120]
    for regex, kind in r.cues_after:
        match = regex.match(rest)
        if match is None:
            continue
        cue_word = match.group().strip().split()[-1].lower()
        if kind == "before" and cue_word == "of":
            if value.comparator not in ("<=", "<"):
                continue
            kind = "of"
        cue_end = pos + match.end()
        if kind == "ago":
            return kind, "now", cue_end
        if kind == "since":
            return kind, "now", _phrase_end(text, cue_end)
        anchor, anchor_end = _anchor(text, cue_end)
        return kind, anchor, anchor_end
    return None, "now", value.end


def _anchor(text: str, pos: int) -> tuple[str, int]:
    for regex, anchor in _rules().anchors:
        match = regex.match(text, pos)
        if match is not None:
            return anchor, match.end()
    words = _WORDS_AFTER.match(text, pos)
    if words is None:
        return "unspecified", pos
    phrase = words.group(1)
    stop = _STOP.search(phrase)
    phrase = phrase[: stop.start()] if stop else phrase
    slug = re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")
    if not slug:
        return "unspecified", pos
    return slug, words.start(1) + len(phrase.rstrip())


def _phrase_end(text: str, pos: int) -> int:
    words = _WORDS_AFTER.match(text, pos)
    if words is None:
        return pos
    phrase = words.group(1)
    stop = _STOP.search(phrase)
    phrase = phrase[: stop.start()] if stop else phrase
    return words.start(1) + len(phrase.rstrip()) if phrase.strip() else pos


def _bounds(comparator: str | None, low: float | None, high: float | None, kind: str | None,
            after_kind: str | None) -> tuple[float | None, float | None]:
    """Signed days for a look-back window (negated later for look-ahead windows)."""
    if comparator == "between" and low is not None and high is not None:
        return -high, -low
    if comparator in (">=", ">"):
        return None, -(low or 0.0)
    amount = high if high is not None else low
    if amount is None:
        return None, None
    if kind == "duration" and comparator in ("=", None):
        return None, -amount  # "diabetes for 2 years": it began at least 2 years ago
    if after_kind == "ago" and comparator in ("=", None) and kind is None:
        return -amount, -amount
    return -amount, 0.0


def _round(days: float | None) -> float | None:
    return None if days is None else round(days, 2) + 0.0
