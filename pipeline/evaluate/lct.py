"""``evaluate lct``: typed values against the LCT corpus's comparison annotations.

LCT (Dobbins et al. 2022) annotates every comparison as an ``Eq-Comparison`` event with an
operator (GT, GTEQ, LT, LTEQ, EQ, BETWEEN), one or two values and a unit (split into Unit / Per /
Temporal-Unit spans). Gold comparisons are those with a value. A comparison is *found* when an
entity row with a comparator (value, measurement, age or temporal) overlaps its span; among those
found we score the comparator, the bounds (as a set: ``18–65`` is {18, 65}) and the unit.

Conventions, stated so the figures can be read: a comparison without an operator counts as
``=`` (``between`` when it has two values), except that one with a past/future period and no
operator ("in the past 6 months") counts as ``<=`` — the window reading — and that for a bare
duration ("in the 7 days prior to surgery", where LCT leaves the operator out) both ``=`` and
``<=`` are accepted. A ``PLUS-MINUS`` comparison ("±5 kg", "23 (+/- 4)") is the range it
allows, as the parser writes it: ``between`` -5 and 5, or 19 and 27. Gold units are
normalised with the parser's own unit table; unit accuracy is reported over comparisons whose
gold unit is one the table knows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.tag.values import PLUS_MINUS, normalize_unit, parse_number
from pipeline.train.lct import parse_ann

OPERATORS = {"GT": ">", "GTEQ": ">=", "LT": "<", "LTEQ": "<=", "EQ": "=", "BETWEEN": "between"}
_TEMPORAL_UNITS = {"year": "years", "month": "months", "week": "weeks", "day": "days",
                   "hour": "hours", "minute": "minutes", "second": "seconds"}
_DECIMAL_COMMA = re.compile(r"^(\d+),(\d{1,2})$")


@dataclass
class GoldComparison:
    doc: str
    start: int
    end: int
    text: str
    comparator: str
    accepted: frozenset[str]  # the comparator, or also "<=" for a bare duration (see above)
    values: frozenset[float]
    unit: str | None  # normalised, when the unit table knows it
    raw_unit: str | None


def _number(text: str) -> float | None:
    comma = _DECIMAL_COMMA.match(text.strip())
    if comma:
        return float(f"{comma.group(1)}.{comma.group(2)}")
    return parse_number(text)


def read_comparisons(ann_path: Path, doc: str) -> list[GoldComparison]:
    """Gold comparisons of one LCT ``.ann`` file."""
    spans, events, attrs = parse_ann(ann_path.read_text(encoding="utf-8"))
    gold = []
    for event in events.values():
        kind, _, anchor = event[0].partition(":")
        if kind != "Eq-Comparison" or anchor not in spans:
            continue
        args: dict[str, list[str]] = defaultdict(list)
        for arg in event[1:]:
            role, _, ref = arg.partition(":")
            args[re.sub(r"\d+$", "", role)].append(ref)
        if not args.get("Value"):
            continue
        gold.append(_comparison(doc, spans, attrs, anchor, args))
    return gold


def _comparison(doc: str, spans: dict, attrs: dict, anchor: str,
                args: dict[str, list[str]]) -> GoldComparison:
    _, start, end, text = spans[anchor]
    values = frozenset(v for ref in args["Value"] if ref in spans
                       for v in [_number(spans[ref][3])] if v is not None)
    operators = [attrs[ref].get("Eq-Operator-Value") for ref in args.get("Operator", [])]
    operators = [o for o in operators if o]
    if operators:
        comparator = OPERATORS.get(operators[0], operators[0].lower())
    elif len(args["Value"]) > 1:
        comparator = "between"
    elif any(attrs[r].get("Eq-Temporal-Period-Value") in ("past", "future", "recent")
             for r in args.get("Temporal-Period", [])):
        comparator = "<="
    else:
        comparator = "="
    if comparator == "plus-minus":
        comparator, values = "between", _tolerance_range(text, values)
    accepted = {comparator}
    if not operators and args.get("Temporal-Unit"):
        accepted.add("<=")  # "in the 7 days prior to surgery": LCT leaves the window's operator out
    unit_text = " ".join(spans[r][3] for r in args.get("Unit", []) if r in spans)
    per = " ".join(spans[r][3] for r in args.get("Per", []) if r in spans)
    raw = f"{unit_text}/{per}" if unit_text and per else unit_text or (f"/{per}" if per else "")
    unit = normalize_unit(raw) if raw else None
    temporal = [attrs[r].get("Eq-Temporal-Unit-Value") for r in args.get("Temporal-Unit", [])]
    if unit is None and temporal and temporal[0]:
        unit = _TEMPORAL_UNITS.get(temporal[0])
        raw = raw or temporal[0]
    return GoldComparison(doc, start, end, text, comparator, frozenset(accepted), values, unit,
                          raw or None)


def _tolerance_range(text: str, values: frozenset[float]) -> frozenset[float]:
    """{c - t, c + t} of a gold "c ± t" (or {-t, t} without a centre), read with the parser's
    own pattern for the sign; the gold values must hold the tolerance it finds."""
    match = PLUS_MINUS.search(text)
    tolerance = parse_number(match.group("tol")) if match else None
    if tolerance is None or tolerance not in values:
        return values
    centre = parse_number(match.group("centre") or "0") or 0.0
    return frozenset({centre - tolerance, centre + tolerance})


@dataclass
class LctReport:
    documents: int = 0
    gold: int = 0
    found: int = 0
    comparator_ok: int = 0
    values_ok: int = 0
    both_ok: int = 0
    unit_known: int = 0
    unit_ok: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    wrong_units: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def share(a: int, b: int) -> str:
            return f"{a}/{b} ({a / b:.3f})" if b else "n/a"

        return [
            f"lct: {self.documents} documents, {self.gold} gold comparisons with a value",
            f"recall (comparisons found): {share(self.found, self.gold)}",
            f"comparator accuracy among found: {share(self.comparator_ok, self.found)}",
            f"bounds accuracy among found: {share(self.values_ok, self.found)}",
            f"comparator+bounds accuracy among found: {share(self.both_ok, self.found)}",
            f"unit accuracy among found with a known gold unit: "
            f"{share(self.unit_ok, self.unit_known)}",
        ]


def score(gold: list[GoldComparison], rows: list[dict], report: LctReport) -> None:
    """Add one document's gold comparisons and predicted entity rows to the report."""
    # Ties on overlap go to the row that keeps the text's own unit: value, window, age, name.
    order = {"value": 0, "temporal": 1, "age": 2, "measurement": 3}
    typed = sorted((r for r in rows if r["comparator"] is not None),
                   key=lambda r: order.get(r["label"], 4))
    for g in gold:
        report.gold += 1
        overlapping = [r for r in typed if r["start"] < g.end and g.start < r["end"]]
        if not overlapping:
            report.misses.append(f"{g.doc}: {g.text!r}")
            continue
        report.found += 1
        best = max(overlapping, key=lambda r: min(g.end, r["end"]) - max(g.start, r["start"]))
        ours = frozenset(v for v in (best["value_low"], best["value_high"]) if v is not None)
        # "> 140/90 mmHg" is one LCT comparison and two of our rows (systolic, diastolic):
        # rows of one label and comparator inside the comparison are read together.
        together = [r for r in overlapping if r["label"] == best["label"] and
                    r["comparator"] == best["comparator"]]
        if len(together) > 1:
            ours = frozenset(v for r in together for v in (r["value_low"], r["value_high"])
                             if v is not None)
        comparator_ok = best["comparator"] in g.accepted
        values_ok = _same_values(ours, g.values)
        report.comparator_ok += comparator_ok
        report.values_ok += values_ok
        report.both_ok += comparator_ok and values_ok
        if g.unit is not None:
            report.unit_known += 1
            report.unit_ok += best["unit"] == g.unit
            if best["unit"] != g.unit:
                report.wrong_units.append(f"{g.doc}: {g.text!r} gold {g.unit} ({g.raw_unit!r}) "
                                          f"-> {best['text']!r} {best['unit']}")
        if not (comparator_ok and values_ok):
            report.wrong.append(f"{g.doc}: {g.text!r} gold {g.comparator} {sorted(g.values)} "
                                f"-> {best['text']!r} {best['comparator']} {sorted(ours)}")


def _same_values(ours: frozenset[float], gold: frozenset[float]) -> bool:
    """Same bounds; a gold list ("I, II, or III") is read as the range it spans."""
    if not ours or not gold:
        return ours == gold
    if len(gold) > 2 and len(ours) == 2:
        return abs(min(ours) - min(gold)) < 1e-6 and abs(max(ours) - max(gold)) < 1e-6
    if len(ours) != len(gold):
        return False
    return all(any(abs(a - b) < 1e-6 for b in gold) for a in ours)


def evaluate_lct(path: Path, tagger: object) -> LctReport:
    """Parse every LCT document under ``path`` and score its comparisons."""
    from pipeline.assemble import process_record
    from pipeline.sources.record import Record

    report = LctReport()
    for txt in sorted(Path(path).rglob("*.txt")):
        ann = txt.with_suffix(".ann")
        if not ann.exists():
            continue
        with open(txt, encoding="utf-8", newline="") as handle:
            text = handle.read()
        report.documents += 1
        rows = process_record(Record(txt.stem, str(txt), "text", text), tagger=tagger)
        score(read_comparisons(ann, txt.stem), rows.entities, report)
    return report
