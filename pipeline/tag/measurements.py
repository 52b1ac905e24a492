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
    regex: re.Pattern[str]
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
    alternation = "|".join(f"(?P<m{i}>{e['pattern']})" for i, e in enumerate(entries))
    link = data["link"]
    return _Lexicon(
        regex=re.compile(rf"(?<![\w-])(?:{alternation})(?![\w])", re.IGNORECASE),
        concepts=tuple(e["concept"] for e in entries),
        scales=tuple(e.get("scale") for e in entries),
        unlinked=tuple(e.get("unlinked", True) for e in entries),
        filler=re.compile(link["filler"]),
        shared=re.compile(link["shared_connector"], re.I),
        max_gap=link["max_gap"],
    )


def find_measurements(text: str) -> list[Measurement]:
    """Measurement mentions, left to right, non-overlapping (the first lexicon entry wins)."""
    lex = _lexicon()
    found = []
    for match in lex.regex.finditer(text):
        index = int(match.lastgroup[1:])
        found.append(Measurement(match.start(), match.end(), lex.concepts[index],
                                 lex.scales[index], lex.unlinked[index]))
    return found


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
