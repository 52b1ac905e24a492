"""Negation against Chia's ``Has_negation`` relations (part of ``evaluate chia``).

Gold: Chia (``chia_with_scope``), one criterion per line, entities read as
:mod:`pipeline.evaluate.logic` reads them. A gold entity of the clinical types
(:data:`~pipeline.evaluate.logic.CLINICAL`) is **negated** when it is ``Arg1`` of a
``Has_negation`` relation, or lies inside a ``Scope`` that is (``no [major impairment of renal or
hepatic function]``: Chia negates the scope, which stands for the entities in it). Chia
annotates exceptions ("other than GAD", "except for febrile seizures") as negations too, so a
prediction counts as negated when its ``negated`` **or** ``exception`` flag is set.

Each gold entity is paired with the predicted entity row of a concept label (:data:`FLAGGED`)
that overlaps it most (ties: less text outside it, then the earlier), as the logic scores pair
them; a gold entity without one counts as predicted not negated.

* precision: gold entities that are negated and whose prediction is negated / gold entities
  whose prediction is negated (a negated prediction Chia did not annotate as an entity cannot
  be judged and is left out);
* recall: the same numerator / negated gold entities.

Predictions are the tagger's entity rows (NER model + rules + ConText: what ``parse`` writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.evaluate.logic import CLINICAL, GoldFile, _best_match
from pipeline.train.brat import _resolve

__all__ = ["FLAGGED", "NegationCase", "NegationReport", "format_report", "negated_ids",
           "score_negation"]

#: Labels whose rows can carry context flags (the clinical concepts).
FLAGGED = (*CLINICAL, "pregnancy")


def negated_ids(txt_path: Path) -> set[str]:
    """Ids of the entities of one Chia document that ``Has_negation`` negates: its ``Arg1``s
    and the entities inside a ``Scope`` that is one."""
    with open(txt_path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    ann_path = txt_path.with_suffix(".ann")
    raw = ann_path.read_text(encoding="utf-8").splitlines() if ann_path.exists() else []
    extents: dict[str, tuple[str, tuple[int, int]]] = {}
    args: set[str] = set()
    for ann in raw:
        parts = ann.split("\t")
        if len(parts) < 2:
            continue
        fields = parts[1].split()
        if ann.startswith("T") and fields:
            kind, offsets = fields[0], parts[1][len(fields[0]):].strip()
            try:
                fragments = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
                extent = _resolve(text, [(a, b) for a, b in fragments],
                                  parts[2] if len(parts) > 2 else "")
            except ValueError:
                extent = None
            if extent is not None:
                extents[parts[0]] = (kind, extent)
        elif ann.startswith("R") and fields and fields[0] == "Has_negation":
            arg1 = next((f.split(":", 1)[1] for f in fields[1:] if f.startswith("Arg1:")), None)
            if arg1:
                args.add(arg1)
    negated = set(args)
    scopes = [extents[a][1] for a in args if a in extents and extents[a][0] == "Scope"]
    for ident, (kind, (start, end)) in extents.items():
        if kind != "Scope" and any(a <= start and end <= b for a, b in scopes):
            negated.add(ident)
    return negated


@dataclass
class NegationCase:
    """One miss or false alarm, to be read."""

    criterion: str
    gold: str
    label: str
    predicted: str | None
    flags: tuple[str, ...]


@dataclass
class NegationReport:
    split: str = ""
    model: str = ""
    gold: int = 0  # gold clinical entities
    gold_negated: int = 0
    pred_negated: int = 0  # gold entities whose paired prediction is negated or an exception
    right: int = 0  # both
    unmatched_negated: int = 0  # negated gold entities no prediction overlaps
    misses: list[NegationCase] = field(default_factory=list)
    false_alarms: list[NegationCase] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.pred_negated if self.pred_negated else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.gold_negated if self.gold_negated else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _flags(row: dict | None) -> tuple[str, ...]:
    if row is None:
        return ()
    return tuple(c for c in ("negated", "exception", "historical", "hypothetical") if row.get(c))


def score_negation(files: list[GoldFile], predicted: dict[str, list[dict]],
                   negated: dict[str, set[str]], report: NegationReport | None = None
                   ) -> NegationReport:
    """Add ``files`` to ``report``: ``predicted`` entity rows per criterion id (file offsets),
    ``negated`` the negated entity ids per file name (:func:`negated_ids`)."""
    report = report or NegationReport()
    for f in files:
        gold_negated = negated.get(f.name, set())
        for line in f.lines:
            rows = [r for r in predicted.get(line.criterion_id, []) if r["label"] in FLAGGED]
            by_id = {r["entity_id"]: r for r in rows}
            for entity in line.entities:
                if entity["label"] not in CLINICAL:
                    continue
                report.gold += 1
                row = by_id.get(_best_match(entity, rows) or "")
                is_gold = entity["entity_id"] in gold_negated
                is_pred = row is not None and bool(row.get("negated") or row.get("exception"))
                report.gold_negated += is_gold
                report.pred_negated += is_pred
                report.right += is_gold and is_pred
                report.unmatched_negated += is_gold and row is None
                if is_gold != is_pred:
                    case = NegationCase(line.text, entity["text"], entity["label"],
                                        row["text"] if row else None, _flags(row))
                    (report.misses if is_gold else report.false_alarms).append(case)
    return report


def format_report(report: NegationReport, show: int = 0) -> list[str]:
    out = [
        f"negation on chia {report.split}: {report.gold} gold clinical entities, "
        f"{report.gold_negated} negated (Has_negation); {report.pred_negated} predicted negated "
        f"or exception",
        f"negation P {report.precision:.3f}  R {report.recall:.3f}  F1 {report.f1:.3f}   "
        f"(right {report.right}; negated gold entities without an overlapping prediction "
        f"{report.unmatched_negated})",
    ]
    for title, cases in (("misses", report.misses), ("false alarms", report.false_alarms)):
        if show <= 0:
            continue
        out.append(f"{title} ({len(cases)}; first {min(show, len(cases))}):")
        for case in cases[:show]:
            shown = "no prediction" if case.predicted is None else (
                f"predicted {case.predicted!r} [{', '.join(case.flags) or 'no flags'}]")
            out.append(f"  {case.label} {case.gold!r}: {shown}")
            out.append(f"      {case.criterion.strip()}")
    return out
