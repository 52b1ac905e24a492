"""Measurements (labs, vitals, scores, performance status) and the values that constrain them.

The lexicon is data (``pipeline/rules/measurements.json``): a concept name, a pattern with its
synonyms and abbreviations, and a real example. A measurement takes the values that follow it
across filler words ("creatinine clearance (Cockcroft-Gault) ≥ 60 mL/min"), alternatives in
other units ("≥ 9 g/dL or ≥ 5.6 mmol/L"), and shares them with measurements joined to it by
"and", "/" or a comma ("AST/ALT ≤ 2.5 × ULN").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules
from pipeline.scan import leading_strings
from pipeline.tag.values import Value

__all__ = ["Measurement", "find_measurements", "link_values"]

_ALTERNATIVE_GAP = re.compile(r"^[\s,;]*(?:\(|\[)?\s*(?:(?:or|and|and/or|/)\s*)?(?:\(|\[)?\s*$",
                              re.I)


@dataclass(frozen=True)
class Measurement:
    start: int
    end: int
    concept: str
    scale: str | None  # "performance", "class" or None
    unlinked: bool  # worth a row even without a value (labs yes, "weight" or "stage" no)


@dataclass(frozen=True)
class _Lexicon:
    entries: tuple[re.Pattern[str], ...]
    by_prefix: dict[str, tuple[int, ...]]  # up to three first characters -> entries
    starts: re.Pattern[str]  # word starts (in lower-cased text) that begin some entry
    lowered: tuple[str, ...]  # each entry's pattern for lower-cased text
    always: tuple[int, ...]  # entries whose start could not be read off the pattern
    concepts: tuple[str, ...]
    scales: tuple[str | None, ...]
    unlinked: tuple[bool, ...]
    filler: re.Pattern[str]
    shared: re.Pattern[str]
    max_gap: int


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = rules.load("measurements")
    entries = data["measurements"]
    link = data["link"]
    lowered = tuple(_lower_pattern(e["pattern"]) for e in entries)
    by_prefix: dict[str, list[int]] = {}
    always: list[int] = []
    for index, pattern in enumerate(lowered):
        starts = leading_strings(pattern, _PREFIX)
        if starts is None:
            always.append(index)
            continue
        for start in starts:
            by_prefix.setdefault(start, []).append(index)
    prefixes = "|".join(sorted((re.escape(p) for p in by_prefix), key=len, reverse=True))
    return _Lexicon(
        starts=re.compile(rf"(?<![\w-])(?={prefixes})"),  # zero-width: no start is skipped
        lowered=lowered,
        entries=tuple(re.compile(rf"(?<![\w-])(?:{e['pattern']})(?![\w])", re.IGNORECASE)
                      for e in entries),
        by_prefix={k: tuple(v) for k, v in by_prefix.items()},
        always=tuple(always),
        concepts=tuple(e["concept"] for e in entries),
        scales=tuple(e.get("scale") for e in entries),
        unlinked=tuple(e.get("unlinked", True) for e in entries),
        filler=re.compile(link["filler"]),
        shared=re.compile(link["shared_connector"], re.I),
        max_gap=link["max_gap"],
    )


@lru_cache(maxsize=4096)
def _entries_for(head: str) -> re.Pattern[str]:
    """The entries that can start with ``head`` (up to three lower-cased characters), as one
    case-sensitive alternation in lexicon order, so the first entry that matches wins."""
    lex = _lexicon()
    indexes = sorted({index for n in range(1, len(head) + 1)
                      for index in lex.by_prefix.get(head[:n], ())} | set(lex.always))
    if not indexes:
        return _NEVER
    return re.compile("(?:" + "|".join(f"(?P<m{i}>{lex.lowered[i]})" for i in indexes)
                      + r")(?![\w])")


_NEVER = re.compile(r"(?!)")
# Letters of an entry's start used to pick the word starts worth trying: with three, "the",
# "and", "to" no longer open the "thrombocytes", "ANC" and "total bilirubin" entries.
_PREFIX = 3


def _lower_pattern(pattern: str) -> str:
    """A pattern for lower-cased text: lower-case it, but not its escapes (``\\S`` ≠ ``\\s``).

    Matching lower-cased text case-sensitively is several times faster than IGNORECASE.
    """
    out, escaped = [], False
    for char in pattern:
        out.append(char if escaped else char.lower())
        escaped = char == "\\" and not escaped
    return "".join(out).replace("(?p<", "(?P<")


def find_measurements(text: str) -> list[Measurement]:
    """Measurement mentions, left to right, non-overlapping (the first lexicon entry wins).

    Each entry's regex is tried only at word starts whose first letters can begin it, which
    is several times faster than one alternation of the whole lexicon.
    """
    lex = _lexicon()
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower()[:1] or c for c in text)  # keep offsets aligned
    positions = {m.start() for m in lex.starts.finditer(lowered)}
    for index in lex.always:
        positions.update(m.start() for m in lex.entries[index].finditer(text))
    found: list[Measurement] = []
    end = 0
    for pos in sorted(positions):
        if pos < end:
            continue
        match = _entries_for(lowered[pos : pos + _PREFIX]).match(lowered, pos)
        if match is not None:
            index = int(match.lastgroup[1:])
            found.append(Measurement(pos, match.end(), lex.concepts[index], lex.scales[index],
                                     lex.unlinked[index]))
            end = match.end()
    return _merge_abbreviations(text, found)


_PAREN_OPEN = re.compile(r"\s*[(\[]\s*$")
_PAREN_CLOSE = re.compile(r"\s*[)\]]")


def _merge_abbreviations(text: str, found: list[Measurement]) -> list[Measurement]:
    """"body mass index (BMI)" is one mention, not two."""
    merged: list[Measurement] = []
    for mention in found:
        if merged and merged[-1].concept == mention.concept:
            previous = merged[-1]
            close = _PAREN_CLOSE.match(text, mention.end)
            if close and _PAREN_OPEN.match(text[previous.end : mention.start]):
                merged[-1] = Measurement(previous.start, close.end(), previous.concept,
                                         previous.scale, previous.unlinked)
                continue
        merged.append(mention)
    return merged


def link_values(text: str, measurements: list[Measurement],
                values: list[Value]) -> dict[int, list[Value]]:
    """For each measurement (by index), the values that constrain it, in text order."""
    lex = _lexicon()
    links: dict[int, list[Value]] = {}
    for index, measurement in enumerate(measurements):
        next_start = measurements[index + 1].start if index + 1 < len(measurements) else len(text)
        limit = min(next_start, measurement.end + lex.max_gap)
        chain: list[Value] = []
        cursor = measurement.end
        for value in values:
            if value.start < cursor or value.start >= limit:
                continue
            gap = text[cursor : value.start]
            if not chain and not lex.filler.match(gap):
                break
            if chain and not _ALTERNATIVE_GAP.match(gap):
                break
            chain.append(value)
            cursor = value.end
            limit = min(next_start, value.end + 40)
        links[index] = chain
    # "AST and ALT ≤ 2.5 × ULN": a measurement with no value of its own shares the next one's,
    # also across the words that name a specimen or a reading ("serum AST and serum ALT",
    # "AST levels and ALT levels").
    for index in range(len(measurements) - 2, -1, -1):
        if links[index]:
            continue
        gap = text[measurements[index].end : measurements[index + 1].start]
        if lex.shared.match(gap) or (_SHARED_FILLER.search(gap)
                                     and lex.shared.match(_SHARED_FILLER.sub(" ", gap))):
            links[index] = links[index + 1]
    return links


_SHARED_FILLER = re.compile(r"\b(?:serum|plasma|blood|whole|total|direct|the|both|levels?|values?|"
                            r"counts?|concentrations?)\b", re.I)
