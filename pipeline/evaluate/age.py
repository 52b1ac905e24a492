"""``evaluate age``: the inclusion age rows against the registry's structured minimum age.

For every record whose structured ``minimum_age`` is in years ("18 Years"), the parser's
inclusion ``age`` rows are compared with it: a trial agrees when one of its inclusion age rows
has that lower bound. Trials whose text states no age at all cannot have an age row; they are
counted separately (coverage), not as disagreements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.assemble import RecordKeys, process_record
from pipeline.sources import iter_records

_YEARS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*years?\s*$", re.IGNORECASE)


@dataclass
class AgeReport:
    with_minimum: int = 0
    with_age_row: int = 0
    agree: int = 0
    disagreements: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        share = self.agree / self.with_age_row if self.with_age_row else 0.0
        coverage = self.with_age_row / self.with_minimum if self.with_minimum else 0.0
        return [
            f"records with a structured minimum age in years: {self.with_minimum}",
            f"  of which with an inclusion age row from the text: {self.with_age_row} "
            f"({coverage:.1%}; the others state no age in their criteria)",
            f"  lower bound equals the structured minimum: {self.agree}/{self.with_age_row} "
            f"({share:.1%})",
        ]


def evaluate_age(path: Path, tagger: object) -> AgeReport:
    report = AgeReport()
    keys = RecordKeys()
    for record in iter_records([path]):
        match = _YEARS.match(record.fields.get("minimum_age") or "")
        if match is None or not record.text:
            continue
        report.with_minimum += 1
        minimum = float(match.group(1))
        rows = process_record(record, keys(record.trial_id), tagger)
        inclusion = {c["criterion_id"] for c in rows.criteria if c["section"] != "exclusion"}
        ages = [e for e in rows.entities if e["label"] == "age" and
                e["criterion_id"] in inclusion]
        if not ages:
            continue
        report.with_age_row += 1
        lows = [e["value_low"] for e in ages if e["value_low"] is not None]
        if any(abs(low - minimum) < 1e-6 for low in lows):
            report.agree += 1
        else:
            report.disagreements.append(f"{record.trial_id}: structured {minimum:g}, text "
                                        f"{[(e['text'], e['value_low']) for e in ages]}")
    return report
