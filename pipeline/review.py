"""A self-contained HTML review page of a parse: what a clinician checks by looking.

``render(tables)`` turns the three tables into one page: the run's trials with their status,
each criterion in its section and place in the tree, its entities highlighted by displaCy, its
logic tree (``criteria.logic``: AND / OR / NOT over its entities, drawn as nested lists with each
leaf's text and label) and how its sub-items combine (``children_op``), a table of the typed
values, windows and context flags, and the trials that failed with their messages. Everything is inline (no script, font or stylesheet is fetched, and a
Content-Security-Policy tells the browser so) and every piece of text from the input, which is
untrusted, is escaped.

Trials are told apart by ``record_key`` (a repeated trial id gets ``#2``, ``#3``), the prefix of
their criterion ids, so two records with one id never share criteria on the page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Iterable

import pandas as pd

from pipeline.schema import SECTIONS, STATUSES
from pipeline.sources.record import REGISTRY_FIELDS

__all__ = ["COLORS", "displacy_doc", "displacy_html", "logic_html", "logic_text", "number",
           "render", "render_criterion", "typed_summary", "write_review"]

COLORS = {
    "condition": "#f9c3c3", "drug": "#c3e6f9", "procedure": "#d9c3f9", "measurement": "#fde7a9",
    "observation": "#e8e8e8", "device": "#c8f0d8", "value": "#ffd59e", "temporal": "#b9f3e4",
    "age": "#ffe0f0", "sex": "#f0e0ff", "pregnancy": "#ffd0e0",
}
FLAGS = ("negated", "historical", "hypothetical", "exception")
_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;
max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:2px solid #444}
h3{font-size:15px;margin:16px 0 6px;text-transform:capitalize}
.meta{color:#555;font-size:13px}.status-ok{color:#17623a}.status-error{color:#a11}
.status-empty{color:#886000}.criterion{margin:6px 0;padding:4px 8px;border-left:3px solid #ccc}
.bullet{color:#888;margin-right:6px;font-family:monospace}.ents{line-height:2.1}
.cid{color:#aaa;font-size:11px;margin-left:8px}
.entities{line-height:2.2!important;padding:0!important;display:inline}
table{border-collapse:collapse;font-size:12px;margin:4px 0 8px}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}th{background:#f4f4f4}
.flag{background:#333;color:#fff;border-radius:3px;padding:0 4px;font-size:10px;margin-right:2px}
.errors li{margin:4px 0}
.logic,.logic ul{list-style:none;margin:2px 0 4px;padding-left:18px;font-size:12px;
border-left:1px dotted #bbb}.op{font-weight:bold;font-size:11px;color:#1d4f7a}
.lab{color:#777;font-size:10px;margin-left:4px}.children-op{font-size:12px;color:#1d4f7a}
"""


def _e(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def number(value: object) -> str:
    """A bound or a day count as a person writes it (18, 1.5, -182.62); '' for null."""
    if value is None or pd.isna(value):
        return ""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _record_key(criterion_id: str) -> str:
    """The record a criterion belongs to: its id without the trailing ``:n``."""
    return str(criterion_id).rsplit(":", 1)[0]


def displacy_doc(text: str, base: int, entities: pd.DataFrame) -> dict:
    """displaCy's manual format for one criterion; where spans overlap, the first one is kept
    (displaCy draws no overlaps; the table below each criterion lists them all)."""
    ents, cursor = [], 0
    for ent in entities.sort_values(["start", "end"]).itertuples():
        start, end = ent.start - base, ent.end - base
        if start < cursor or start < 0 or end > len(text):
            continue
        ents.append({"start": start, "end": end, "label": html.escape(str(ent.label))})
        cursor = end
    return {"text": text, "ents": ents, "title": None}


def displacy_html(text: str, base: int, entities: pd.DataFrame) -> str:
    """The criterion with its entities marked by displaCy (it escapes the text; the labels
    are escaped in ``displacy_doc``)."""
    from spacy import displacy

    return displacy.render(displacy_doc(text, base, entities), style="ent", manual=True,
                           page=False, jupyter=False, options={"colors": COLORS})


def _value_cell(ent: object) -> str:
    comparator = getattr(ent, "comparator", None)
    if comparator is None or (isinstance(comparator, float) and pd.isna(comparator)):
        return ""
    low, high = number(getattr(ent, "value_low")), number(getattr(ent, "value_high"))
    unit = _e(getattr(ent, "unit"))
    if comparator == "between":
        return f"{low} – {high} {unit}".strip()
    return f"{_e(comparator)} {low or high} {unit}".strip()


def _window_cell(ent: object) -> str:
    start, end = getattr(ent, "window_start_days"), getattr(ent, "window_end_days")
    if pd.isna(start) and pd.isna(end):
        return ""
    return f"{number(start) or 'open'} .. {number(end) or 'open'} days ({_e(ent.anchor)})"


def typed_summary(ent: object) -> str:
    """What is typed about an entity in one short line (concept, value, window, context):
    the label a notebook's displaCy view shows next to the span. Not escaped."""
    concept = getattr(ent, "concept", None)
    parts = [None if concept is None or pd.isna(concept) else str(concept),
             html.unescape(_value_cell(ent)), html.unescape(_window_cell(ent)),
             *(f for f in FLAGS if getattr(ent, f, False))]
    return " · ".join(p for p in parts if p)


def _entity_table(entities: pd.DataFrame) -> str:
    """Every entity row of a criterion (overlapping ones too) with what is typed about it."""
    if entities.empty:
        return ""
    rows = []
    for ent in entities.sort_values(["start", "end"]).itertuples():
        flags = "".join(f'<span class="flag">{f}</span>' for f in FLAGS if getattr(ent, f, False))
        rows.append(f"<tr><td>{_e(ent.label)}</td><td>{_e(ent.text)}</td>"
                    f"<td>{_e(getattr(ent, 'concept', None))}</td><td>{_value_cell(ent)}</td>"
                    f"<td>{_window_cell(ent)}</td><td>{flags}</td>"
                    f"<td>{_e(getattr(ent, 'long_form', None))}</td>"
                    f"<td class=\"codes\">{_e(getattr(ent, 'codes', None) or None)}</td>"
                    f"<td>{_e(getattr(ent, 'method', None))}</td></tr>")
    head = ("<tr><th>label</th><th>text</th><th>concept</th><th>value</th><th>window</th>"
            "<th>context</th><th>long form</th><th>best codes</th><th>method</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _tree(logic: object) -> object:
    """The parsed ``criteria.logic`` of a row, or None (null, or tables without the column)."""
    if not isinstance(logic, str) or not logic:
        return None
    try:
        return json.loads(logic)
    except ValueError:
        return None


def _leaves(entities: pd.DataFrame) -> dict[str, object]:
    return {e.entity_id: e for e in entities.itertuples()} if not entities.empty else {}


def logic_text(logic: object, entities: pd.DataFrame) -> str:
    """``criteria.logic`` in brackets, leaves as their text and label: ``AND(History
    [observation], OR(myocardial infarction [condition], stroke [condition]))``; a negated leaf
    as ``no X [label]``. '' when the criterion has no tree."""
    by_id = _leaves(entities)

    def draw(node: object) -> str:
        if isinstance(node, str):
            row = by_id.get(node)
            if row is None:
                return node
            return f"{'no ' if row.negated else ''}{row.text} [{row.label}]"
        return f"{node['op'].upper()}({', '.join(draw(arg) for arg in node['args'])})"

    node = _tree(logic)
    return "" if node is None else draw(node)


def logic_html(logic: object, entities: pd.DataFrame) -> str:
    """``criteria.logic`` as nested lists under the criterion: each operator (AND, OR, NOT) above
    its indented arguments, each leaf as its entity's text and label with its context flags
    (escaped). '' when the criterion has no tree."""
    by_id = _leaves(entities)

    def draw(node: object) -> str:
        if isinstance(node, str):
            row = by_id.get(node)
            if row is None:
                return f'<li class="leaf">{_e(node)}</li>'
            flags = "".join(f'<span class="flag">{f}</span>' for f in FLAGS[:3]
                            if getattr(row, f, False))
            return (f'<li class="leaf" data-entity-id="{_e(node)}">{_e(row.text)}'
                    f'<span class="lab">{_e(row.label)}</span> {flags}</li>')
        args = "".join(draw(arg) for arg in node["args"])
        return f'<li><span class="op">{_e(node["op"]).upper()}</span><ul>{args}</ul></li>'

    node = _tree(logic)
    return "" if node is None else f'<ul class="logic" title="criteria.logic">{draw(node)}</ul>'


def render_criterion(criterion: object, entities: pd.DataFrame) -> str:
    """One criterion: marker, highlighted text, its logic tree, how its sub-items combine, and
    its typed entities."""
    depth = int(criterion.depth)
    bullet = f'<span class="bullet">{_e(criterion.bullet)}</span>' if criterion.bullet else ""
    children_op = getattr(criterion, "children_op", None)
    combines = (f'<div class="children-op">sub-items: {_e(children_op)} of them</div>'
                if isinstance(children_op, str) else "")
    return (f'<div class="criterion" data-criterion-id="{_e(criterion.criterion_id)}" '
            f'style="margin-left:{depth * 28}px">{bullet}'
            f'{displacy_html(criterion.text, criterion.start, entities)}'
            f'<span class="cid">{_e(criterion.criterion_id)}</span>'
            f"{logic_html(getattr(criterion, 'logic', None), entities)}{combines}"
            f"{_entity_table(entities)}</div>")


def _trial(trial: object, criteria: pd.DataFrame, entities: pd.DataFrame) -> str:
    fields = ", ".join(f"{k.replace('_', ' ')}: {_e(getattr(trial, k))}" for k in
                       REGISTRY_FIELDS if getattr(trial, k, None) not in (None, ""))
    parts = [f'<section class="trial" data-trial-id="{_e(trial.trial_id)}">'
             f"<h2>{_e(trial.record_key)} <span class=\"status-{_e(trial.status)}\">"
             f"({_e(trial.status)})</span></h2>"
             f'<div class="meta">{_e(trial.source)} · {int(trial.n_criteria)} criteria'
             f"{' · ' + fields if fields else ''}</div>"]
    if trial.status == "error":
        parts.append(f'<p class="status-error">{_e(trial.error)}</p>')
    by_criterion = {key: group for key, group in entities.groupby("criterion_id")}
    for section in SECTIONS:
        rows = criteria[criteria.section == section]
        if rows.empty:
            continue
        parts.append(f"<h3>{section} criteria</h3>")
        for criterion in rows.itertuples():
            parts.append(render_criterion(criterion, by_criterion.get(
                criterion.criterion_id, entities.iloc[0:0])))
    parts.append("</section>")
    return "".join(parts)


def select_trials(trials: pd.DataFrame, trial_ids: Iterable[str] | None) -> pd.DataFrame:
    """The trials rows a page shows: all, or those whose trial id or record key is asked for
    (a trial id brings every record that has it: ``NCT…`` and ``NCT…#2``)."""
    if trial_ids is None:
        return trials
    wanted = set(trial_ids)
    return trials[trials.trial_id.isin(wanted) | trials.record_key.isin(wanted)]


def render(trials: pd.DataFrame, criteria: pd.DataFrame, entities: pd.DataFrame,
           trial_ids: Iterable[str] | None = None, title: str = "Criteria review",
           codes: pd.DataFrame | None = None) -> str:
    """The whole page for the given tables (optionally only some trials); with ``codes``, each
    entity shows its best code in each system."""
    from pipeline.explore import best_codes

    trials = select_trials(trials, trial_ids)
    if codes is not None:
        entities = entities.assign(codes=best_codes(entities, codes))
    counts = trials.status.value_counts().to_dict()
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
    errors = trials[trials.status == "error"]
    plural = "" if len(trials) == 1 else "s"
    body = [f"<h1>{_e(title)}</h1><p class=\"meta\">{len(trials)} trial{plural}: {summary}</p>"]
    if not errors.empty:
        items = "".join(f"<li><b>{_e(t.record_key)}</b> ({_e(t.source)}): {_e(t.error)}</li>"
                        for t in errors.itertuples())
        body.append(f'<h2>Trials with errors</h2><ul class="errors">{items}</ul>')
    by_trial_c = {k: g for k, g in criteria.groupby(criteria.criterion_id.map(_record_key))}
    by_trial_e = {k: g for k, g in entities.groupby(entities.criterion_id.map(_record_key))}
    for trial in trials.itertuples():
        body.append(_trial(trial, by_trial_c.get(trial.record_key, criteria.iloc[0:0]),
                           by_trial_e.get(trial.record_key, entities.iloc[0:0])))
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def write_review(tables: object, out: Path, trial_ids: Iterable[str] | None = None) -> Path:
    """Write the page of a ``ParseResult`` to ``out`` (atomically)."""
    out = Path(out)
    page = render(tables.trials, tables.criteria, tables.entities, trial_ids,
                  codes=getattr(tables, "codes", None))
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
