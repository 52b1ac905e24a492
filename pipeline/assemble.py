"""Record + segmentation (+ entities) -> table rows. Pure: no I/O, no models.

``process_record`` is the unit of work of every runner (CLI, notebook API, worker processes,
Spark): it never raises for bad input, so one odd record cannot stop a registry-wide run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable

from pipeline.normalize import norm_text
from pipeline.schema import column_names
from pipeline.segment import Segmentation, segment
from pipeline.sources.record import REGISTRY_FIELDS, Record

Row = dict[str, Any]
# (source_text, criteria rows) -> entity rows; the tagger of the later stages plugs in here.
Tagger = Callable[[str, list[Row]], list[Row]]


@dataclass
class TrialRows:
    """All rows one record gives: exactly one trial row, its criteria, entities and codes."""

    trial: Row
    criteria: list[Row] = field(default_factory=list)
    entities: list[Row] = field(default_factory=list)
    codes: list[Row] = field(default_factory=list)


def criterion_rows(record_key: str, trial_id: str, seg: Segmentation) -> list[Row]:
    ids = [f"{record_key}:{n}" for n in range(1, len(seg.criteria) + 1)]
    return [
        {
            "trial_id": trial_id,
            "criterion_id": ids[n],
            "section": c.section,
            "ordinal": c.ordinal,
            "depth": c.depth,
            "parent_id": ids[c.parent] if c.parent is not None else None,
            "bullet": c.bullet,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "norm_text": norm_text(c.text),
            "logic": None,
            "children_op": None,
            "section_header": c.header,
        }
        for n, c in enumerate(seg.criteria)
    ]


def add_logic(criteria: list[Row], entities: list[Row]) -> None:
    """Fill ``logic`` and ``children_op`` of criteria rows in place, from their entity rows.

    The one place both columns are computed (``process_record`` and ``batch.parse_part`` call
    it): ``logic`` is the tree over each criterion's entity rows (exception rows left out, see
    :mod:`pipeline.tag.logic`), None without entities; ``children_op`` is read from the text of
    every criterion that has children, whether or not anything was tagged.
    """
    from pipeline.tag.logic import children_op, logic_tree

    by_criterion: dict[str, list[Row]] = {}
    for row in entities:
        by_criterion.setdefault(row["criterion_id"], []).append(row)
    parents = {c["parent_id"] for c in criteria if c["parent_id"] is not None}
    for c in criteria:
        rows = by_criterion.get(c["criterion_id"])
        c["logic"] = logic_tree(c["text"], c["start"], rows, c["section"]) if rows else None
        c["children_op"] = children_op(c["text"]) if c["criterion_id"] in parents else None


# The typed fields of an NER span (all None): rule mentions carry their own.
_UNTYPED = SimpleNamespace(comparator=None, low=None, high=None, unit=None, window_start=None,
                           window_end=None, anchor=None, concept=None)


def entity_rows(doc: Any, criterion: Row, span_group: str,
                context_columns: tuple[str, ...], text: str | None = None) -> list[Row]:
    """Rows of one criterion's tagged Doc: rule mentions keep their exact, typed span.
    ``text``: the criterion's text when ``criterion`` does not carry it."""
    base = criterion["start"]
    text = criterion["text"] if text is None else text
    trial_id, criterion_id = criterion["trial_id"], criterion["criterion_id"]
    ext = doc._
    flags = ext.elig_flags or {}
    unflagged = dict.fromkeys(context_columns, False)
    found = []
    for span, mention in zip(doc.spans[span_group], ext.elig_mentions):
        typed = mention or _UNTYPED  # an NER span: its own offsets and label, no typed fields
        start, end = (mention.start, mention.end) if mention else (span.start_char, span.end_char)
        row: Row = {
            "trial_id": trial_id, "criterion_id": criterion_id, "entity_id": "",
            "label": mention.label if mention else span.label_.lower(),
            "start": base + start, "end": base + end, "text": text[start:end],
            "comparator": typed.comparator, "value_low": typed.low, "value_high": typed.high,
            "unit": typed.unit, "window_start_days": typed.window_start,
            "window_end_days": typed.window_end, "anchor": typed.anchor, "long_form": None,
            "concept": typed.concept, "method": "rule" if mention else "ner",
        }
        set_here = flags.get((span.start, span.end, span.label_)) if flags else None
        row.update({column: column in set_here for column in context_columns}
                   if set_here else unflagged)
        found.append(row)
    found.sort(key=lambda r: (r["start"], r["end"], r["label"]))
    for n, row in enumerate(found, start=1):
        row["entity_id"] = f"{criterion_id}:e{n}"
    return found


def trial_row(record: Record, record_key: str, status: str, n_criteria: int,
              error: str | None = None) -> Row:
    row: Row = {name: None for name in column_names("trials")}
    row.update({f: record.fields.get(f) for f in REGISTRY_FIELDS})
    row.update(
        trial_id=record.trial_id,
        source=record.source,
        status=status,
        error=error,
        n_criteria=n_criteria,
        source_text=record.text,
        record_key=record_key,
        source_index=record.index,
        format=record.format,
        warning=record.warning,
    )
    return row


def process_record(record: Record, record_key: str | None = None,
                   tagger: Tagger | None = None) -> TrialRows:
    """Segment (and tag) one record. Errors become an ``error`` trial row, never an exception."""
    key = record_key or record.trial_id
    if record.error is not None:
        return TrialRows(trial_row(record, key, "error", 0, record.error))
    text = record.text
    if text is None or not text.strip():
        return TrialRows(trial_row(record, key, "empty", 0))
    try:
        criteria = criterion_rows(key, record.trial_id, segment(text))
        entities = tagger(text, criteria) if tagger is not None and criteria else []
        codes = tagger.codes(entities) if entities and hasattr(tagger, "codes") else []
        add_logic(criteria, entities)
    except Exception as exc:  # noqa: BLE001 - reported in the row, the run goes on
        message = (f"internal error while parsing {record.trial_id} from {record.source}: "
                   f"{type(exc).__name__}: {exc}; please report it with this record")
        return TrialRows(trial_row(record, key, "error", 0, message))
    status = "ok" if criteria else "empty"
    return TrialRows(trial_row(record, key, status, len(criteria)), criteria, entities, codes)


class RecordKeys:
    """``record_key`` for each record of a run: the trial id, then ``#2``, ``#3`` … on repeats."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, trial_id: str) -> str:
        count = self._seen.get(trial_id, 0) + 1
        self._seen[trial_id] = count
        return trial_id if count == 1 else f"{trial_id}#{count}"
