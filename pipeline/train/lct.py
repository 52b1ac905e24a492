"""LCT brat standoff -> the same gold criterion lines as Chia's, for extra training signal.

The Leaf Clinical Trials corpus (Dobbins et al. 2022; ``../shared/data/lct``, MIT + CC BY 4.0)
annotates eligibility sections with its own schema. How each of its types maps onto ours:

* ``Condition``, ``Drug``, ``Procedure`` (the event anchors) -> condition, drug, procedure,
  each widened over the ``Modifier`` and ``Acuteness`` spans written right before it ("type 2"
  diabetes, "chronic" "kidney" disease), which Chia keeps inside the concept (in Chia's
  training text "chronic", "renal", "systemic" start a concept 206, 129, 101 times and stand
  alone as a Qualifier 48, 3, 14 times); ``Severity`` and ``Stability`` ("severe",
  "uncontrolled": 273 and 88 Chia Qualifiers against 40 and 12) stay outside.
* ``Observation`` by its ``Observation-Type-Value``: ``lab``, ``vital``, ``clinical-score`` and
  ``measurement`` -> measurement (Chia's Measurement: "serum creatinine", "BMI", "Karnofsky");
  ``social-habit``, ``survey-or-questionnaire`` and untyped ones -> observation ("smoking").
* ``Eq-Comparison`` with a value: value when another event takes it as its ``Numeric-Filter``
  ("age > 21", "2-21 years", "≤30 mL/min"), else temporal when it has a temporal unit ("within
  the past 3 years", "≤5 days", "last 6 month"), else value. Without a value it is only a
  period or a recency ("history", "current", "receiving", "underwent", "on"): Chia marks a few
  of those words as Temporal ("current", "previous") and most not ("history", 838 times in its
  text, never Temporal), so they are *missing* (below).
* Types Chia puts outside the eight (``Age``, ``Life-Stage-And-Gender``, ``Negation``,
  ``Modifier``, ``Severity``, ``Polarity``, ``Assertion``, ``Study``, ``Encounter``, ...) are
  plain text, as Chia's Person, Qualifier, Negation, Visit ... spans are in its own examples.
* Types whose Chia counterpart may be one of the eight but whose mapping is unclear
  (``Allergy``, ``Organism``, ``Immunization``, ``Specimen``, ``Contraindication``,
  ``Indication``, ``Death``, ``Birth``, ``Risk``, ``Other``) are *missing*: the model is told
  nothing about their tokens, neither entity nor not-entity. LCT has no device type, so the
  devices in its text are taught as text; the ablation in the model card says what that costs.

Each non-empty line is one example, as with Chia, without its leading number or bullet ("  1. ":
Chia's lines have none); the section headings ("Inclusion Criteria:") are left out. LCT and Chia share no trial (LCT: trials first posted in 2019); training leaves out
any LCT trial that is also a Chia dev trial all the same (``exclude``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from pipeline.train.brat import ChiaFile, GoldSpan, Line, trial_of

__all__ = ["MISSING", "label_counts", "lct_docs_folder", "parse_ann", "read_lct_file",
           "read_lct_folder"]

DIRECT = {"Condition": "condition", "Drug": "drug", "Procedure": "procedure"}
JOINED = {"Modifier", "Acuteness"}  # written right before a concept, part of Chia's span
MEASUREMENT_KINDS = {"lab", "vital", "clinical-score", "measurement"}
MISSING = {"Allergy", "Allergy-Name", "Organism", "Organism-Name", "Immunization",
           "Immunization-Name", "Specimen", "Contraindication", "Indication", "Death", "Birth",
           "Risk", "Other"}
_LINE = re.compile(r"[^\n]+")
# a line's number or bullet ("  1. ", "- "), which Chia's lines do not have; not "2.5 mg"
_LEAD = re.compile(r"\s*(?:\d{1,3}[.)](?!\d)\s*|[-*\u2022\u00b7]\s+)?")
_HEADING = re.compile(r"^\s*(inclusion|exclusion)( criteria)?\s*:?\s*$", re.I)


def parse_ann(ann: str) -> tuple[dict[str, tuple[str, int, int, str]], dict[str, list[str]],
                                 defaultdict[str, dict[str, str]]]:
    """An LCT ``.ann`` text -> (text-bound spans: id -> (type, start, end, text), events:
    id -> [type:anchor, role:ref, ...], attributes: id -> {name: value}). A discontinuous span
    is read as its full extent. ``evaluate lct`` reads the comparisons from the same parse."""
    spans: dict[str, tuple[str, int, int, str]] = {}
    events: dict[str, list[str]] = {}
    attrs: defaultdict[str, dict[str, str]] = defaultdict(dict)
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 3:
            kind, _, offsets = parts[1].partition(" ")
            pieces = [p.split() for p in offsets.split(";")]
            spans[parts[0]] = (kind, int(pieces[0][0]), int(pieces[-1][-1]), parts[2])
        elif line.startswith("E") and len(parts) >= 2:
            events[parts[0]] = parts[1].split()
        elif line.startswith("A") and len(parts) >= 2:
            fields = parts[1].split()
            if len(fields) >= 3:
                attrs[fields[1]][fields[0]] = fields[2]
    return spans, events, attrs


def _widen(text: str, start: int, modifiers: dict[int, int]) -> int:
    """``start`` moved left over the modifiers written right before it ("type 2" diabetes,
    "chronic" "kidney" disease): ``modifiers`` maps a modifier's end to its start."""
    while True:
        for gap in (start, start - 1):
            if gap in modifiers and text[gap:start] in ("", " ", "-"):
                start = modifiers[gap]
                break
        else:
            return start


def _labelled(text: str, spans: dict[str, tuple[str, int, int, str]],
              events: dict[str, list[str]], attrs: defaultdict[str, dict[str, str]]
              ) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """Gold (start, end, label) of the mapped types, and the (start, end) left missing."""
    modifiers = {end: start for kind, start, end, _ in spans.values() if kind in JOINED}
    filters: set[str] = set()  # Eq-Comparison events that some other event uses as a number
    for args in events.values():
        for arg in args[1:]:
            role, _, ref = arg.partition(":")
            if role.startswith("Numeric-Filter"):
                filters.add(ref)
    gold: list[tuple[int, int, str]] = []
    missing: list[tuple[int, int]] = []
    done: set[str] = set()
    for eid, args in events.items():
        kind, _, anchor = args[0].partition(":")
        if anchor not in spans:
            continue
        roles = {re.sub(r"\d+$", "", a.partition(":")[0]) for a in args[1:]}
        label = None
        if kind in DIRECT:
            label = DIRECT[kind]
        elif kind == "Observation":
            kind_value = attrs[eid].get("Observation-Type-Value")
            label = "measurement" if kind_value in MEASUREMENT_KINDS else "observation"
        elif kind == "Eq-Comparison" and "Value" in roles:
            temporal = "Temporal-Unit" in roles and eid not in filters
            label = "temporal" if temporal else "value"
        elif kind == "Eq-Comparison":
            missing.append(spans[anchor][1:3])
        if label:
            _, start, end, _ = spans[anchor]
            if kind in DIRECT:
                start = _widen(text, start, modifiers)
            gold.append((start, end, label))
            done.add(anchor)
    for tid, (kind, start, end, _) in spans.items():  # anchors without an event
        if tid not in done and kind in DIRECT:
            gold.append((_widen(text, start, modifiers), end, DIRECT[kind]))
    missing += [(start, end) for kind, start, end, _ in spans.values() if kind in MISSING]
    return gold, missing


def read_lct_file(txt_path: Path, labels: frozenset[str] | None = None) -> ChiaFile:
    """One LCT document as criterion lines with gold spans (and missing spans) in our labels;
    given ``labels``, only the spans of those labels, and every other token missing."""
    text = txt_path.read_text(encoding="utf-8")
    ann_path = txt_path.with_suffix(".ann")
    ann = ann_path.read_text(encoding="utf-8") if ann_path.exists() else ""
    gold, missing = _labelled(text, *parse_ann(ann))
    lines = []
    for match in _LINE.finditer(text):
        start = match.start() + _LEAD.match(match.group()).end()
        if text[start:match.end()].strip() and not _HEADING.match(match.group()):
            lines.append(Line(start, match.end(), text[start:match.end()]))
    dropped = 0

    def home(start: int, end: int) -> Line | None:
        line = next((ln for ln in lines if ln.start <= start < ln.end), None)
        return line if line is not None and end <= line.end else None

    seen: set[GoldSpan] = set()
    for start, end, label in gold:
        if labels is not None and label not in labels:
            continue
        if not 0 <= start < end <= len(text):
            dropped += 1
            continue
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        line = home(start, end) if start < end else None
        span = GoldSpan(start, end, label)
        if line is None:
            dropped += 1
        elif span not in seen:
            seen.add(span)
            line.spans.append(span)
    for start, end in missing:
        line = home(start, end)
        if line is not None:
            line.missing.append(GoldSpan(start, end, "-"))
    for line in lines:
        line.spans.sort()
        line.negatives = labels is None
    return ChiaFile(txt_path.stem, trial_of(txt_path.stem), lines, dropped)


def lct_docs_folder(path: Path) -> Path:
    """The folder holding LCT's ``.ann`` files: ``docs/`` in the shared layout, else ``path``."""
    return path / "docs" if (path / "docs").is_dir() else path


def read_lct_folder(path: Path, exclude: set[str] = frozenset(),
                    labels: frozenset[str] | None = None) -> list[ChiaFile]:
    """Every LCT document (a ``.txt`` with its ``.ann``) under ``path``, sorted, but those of
    the trials in ``exclude``; ``labels`` as in :func:`read_lct_file`."""
    folder = lct_docs_folder(path)
    return [read_lct_file(p.with_suffix(".txt"), labels) for p in sorted(folder.glob("*.ann"))
            if trial_of(p.stem) not in exclude and p.with_suffix(".txt").is_file()]


def label_counts(files: list[ChiaFile]) -> dict[str, int]:
    """How many gold spans of each label, for the model card."""
    counts: dict[str, int] = defaultdict(int)
    for chia in files:
        for span in chia.spans:
            counts[span.label] += 1
    return dict(sorted(counts.items()))
