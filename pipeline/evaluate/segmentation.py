"""``evaluate segmentation``: readers and segmenter over real registry records and LLF criteria.

* Over every raw file of ``ctgov_records`` (XML, API v2 JSON, CSV, text): one trials row per
  record, no crash, the offsets invariant on every criterion row, and the share of trials whose
  text has both an inclusion and an exclusion header (found by a simple independent test) for
  which both sections are recognised.
* Over LLF (criteria as the LCT annotators split them, with their section): the share that
  comes out as exactly one criterion row of the same section with the same letters and digits,
  the leading marker aside.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.assemble import RecordKeys, process_record
from pipeline.segment import segment
from pipeline.sources import iter_records

_HEADER_LINE = re.compile(r"[^\r\n~#]+")
_GOLD_MARKER = re.compile(
    r"^(?:\s*(?:[-*\u2022\u00b7]|\(?\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]+)\s*[.)]"
    r"|\(\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]+)\s*\)|[\u2460-\u2473])\s*)+"
)
_NOT_ALNUM = re.compile(r"[\W_]+")


def alnum(text: str) -> str:
    """Letters and digits only, lower case: texts compared regardless of tokenization."""
    return _NOT_ALNUM.sub("", text.lower())


def has_header(text: str, word: str) -> bool:
    """Independent test for a header line: a short line naming ``word`` and 'criteria' or ':'."""
    for match in _HEADER_LINE.finditer(text):
        line = match.group()
        if word not in line.lower():
            continue
        if len(line.strip(" \t-*\u2022:").split()) <= 8 and (
            "criteria" in line.lower() or line.rstrip().endswith(":")
        ):
            return True
    return False


@dataclass
class RecordsReport:
    records: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    formats: dict[str, int] = field(default_factory=dict)
    criteria: int = 0
    offsets_ok: int = 0
    both_headers: int = 0
    both_found: int = 0
    both_with_rows: int = 0
    missed: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        share = self.both_found / self.both_headers if self.both_headers else 0.0
        rows = self.both_with_rows / self.both_headers if self.both_headers else 0.0
        offsets = self.offsets_ok / self.criteria if self.criteria else 1.0
        return [
            f"records: {self.records} trials rows; status {dict(sorted(self.statuses.items()))}",
            f"formats: {dict(sorted(self.formats.items()))}",
            f"offsets invariant: {self.offsets_ok}/{self.criteria} criteria rows "
            f"({offsets:.2%})",
            f"both headers in text: {self.both_headers} trials; both sections recognised: "
            f"{self.both_found} ({share:.2%}); both with criteria rows: {self.both_with_rows} "
            f"({rows:.2%}; the others have an empty section)",
            *(f"  missed: {trial}" for trial in self.missed[:20]),
        ]


def evaluate_records(path: Path) -> RecordsReport:
    report = RecordsReport()
    keys = RecordKeys()
    for record in iter_records([path]):
        rows = process_record(record, keys(record.trial_id))
        report.records += 1
        status = rows.trial["status"]
        report.statuses[status] = report.statuses.get(status, 0) + 1
        report.formats[record.format] = report.formats.get(record.format, 0) + 1
        text = record.text or ""
        if record.text is not None:
            report.texts.setdefault(record.trial_id, text)
        for row in rows.criteria:
            report.criteria += 1
            report.offsets_ok += text[row["start"] : row["end"]] == row["text"]
        if has_header(text, "inclusion") and has_header(text, "exclusion"):
            report.both_headers += 1
            found = {h.section for h in segment(text).headers}
            sections = {row["section"] for row in rows.criteria}
            if {"inclusion", "exclusion"} <= found:
                report.both_found += 1
            else:
                report.missed.append(record.trial_id)
            report.both_with_rows += {"inclusion", "exclusion"} <= sections
    return report


@dataclass
class LlfReport:
    criteria: int = 0
    matched: int = 0
    missing_text: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        share = self.matched / self.criteria if self.criteria else 0.0
        lines = [f"llf: {self.criteria} criteria; exactly one row with the same text and "
                 f"section: {self.matched} ({share:.3f})"]
        if self.missing_text:
            lines.append(f"  {self.missing_text} criteria of trials without a raw text")
        return lines


def evaluate_llf(llf_path: Path, texts: dict[str, str]) -> LlfReport:
    """Score LLF criteria against the segmentation of their trials' raw texts."""
    llf_file = llf_path / "llf.jsonl" if llf_path.is_dir() else llf_path
    seen: set[tuple[str, int, str]] = set()
    cache: dict[str, list[tuple[str, str]]] = {}
    report = LlfReport()
    with open(llf_file, encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            key = (item["nct_id"], item["criterion_index"], item["text"])
            if key in seen:
                continue  # the double-annotated criteria appear once per annotator
            seen.add(key)
            report.criteria += 1
            text = texts.get(item["nct_id"])
            if text is None:
                report.missing_text += 1
                continue
            if item["nct_id"] not in cache:
                cache[item["nct_id"]] = [(c.section, alnum(c.text)) for c in segment(text).criteria]
            section = "inclusion" if item["section"] == "INC" else "exclusion"
            wanted = {alnum(_GOLD_MARKER.sub("", item["text"], count=1)), alnum(item["text"])}
            same = [s for s, t in cache[item["nct_id"]] if t in wanted and s == section]
            if len(same) == 1:
                report.matched += 1
            else:
                report.misses.append((item["nct_id"], item["section"], item["text"]))
    return report
