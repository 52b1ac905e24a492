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
    by_prefix: dict[str, tuple[int, ...]]  # first one or two letters of a word -> entries
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
    by_prefix: dict[str, list[int]] = {}
    always: list[int] = []
    for index, entry in enumerate(entries):
        starts = [_leading_literals(alt) for alt in _alternatives(entry["pattern"])]
        if any(start is None for start in starts):
            always.append(index)
            continue
        for start in set().union(*starts):
            by_prefix.setdefault(start, []).append(index)
    return _Lexicon(
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


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression."""
    parts, depth, start, escaped, in_class = [], 0, 0, False, False
    for pos, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:pos])
            start = pos + 1
    parts.append(pattern[start:])
    return parts


def _leading_literals(alternative: str) -> set[str] | None:
    """The first one or two letters every match of an alternative starts with, lower-cased.

    A leading group is opened (``(?:serum\\s+|plasma\\s+)?creatinine`` starts with "se",
    "pl" or "cr"); None when the start cannot be read off the pattern.
    """
    if alternative.startswith("(?:"):
        close = _group_end(alternative)
        inner = alternative[3:close]
        starts: set[str] = set()
        for alt in _alternatives(inner):
            found = _leading_literals(alt)
            if found is None:
                return None
            starts |= found
        rest = alternative[close + 1 :]
        if rest[:1] in ("?", "*"):
            after = _leading_literals(rest[1:])
            if after is None:
                return None
            starts |= after
        return starts or None
    letters = ""
    for pos, char in enumerate(alternative):
        if not char.isalnum():
            break
        if pos + 1 < len(alternative) and alternative[pos + 1] in "?*{":
            break  # an optional letter
        letters += char.lower()
        if len(letters) == 2:
            break
    return {letters} if letters else None


def _group_end(pattern: str) -> int:
    depth, escaped = 0, False
    for pos, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return pos
    return len(pattern) - 1


_WORD_START = re.compile(r"(?<![\w-])[^\W_]")


def find_measurements(text: str) -> list[Measurement]:
    """Measurement mentions, left to right, non-overlapping (the first lexicon entry wins).

    Each entry's regex is tried only at word starts whose first letters can begin it, which
    is several times faster than one alternation of the whole lexicon.
    """
    lex = _lexicon()
    candidates: dict[int, list[int]] = {}
    for word in _WORD_START.finditer(text):
        pos = word.start()
        head = text[pos : pos + 2].lower()
        for key in (head, head[:1]):
            for index in lex.by_prefix.get(key, ()):
                candidates.setdefault(pos, []).append(index)
    for index in lex.always:
        for match in lex.entries[index].finditer(text):
            candidates.setdefault(match.start(), []).append(index)
    found: list[Measurement] = []
    end = 0
    for pos in sorted(candidates):
        if pos < end:
            continue
        for index in sorted(set(candidates[pos])):
            match = lex.entries[index].match(text, pos)
            if match is not None:
                found.append(Measurement(pos, match.end(), lex.concepts[index],
                                         lex.scales[index], lex.unlinked[index]))
                end = match.end()
                break
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
    # "AST and ALT ≤ 2.5 × ULN": a measurement with no value of its own shares the next one's.
    for index in range(len(measurements) - 2, -1, -1):
        if links[index]:
            continue
        gap = text[measurements[index].end : measurements[index + 1].start]
        if lex.shared.match(gap):
            links[index] = links[index + 1]
    return links
