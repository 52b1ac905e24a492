"""Small views of the tables for the notebooks (which hold no logic of their own).

Each function takes the tables a parse gives (``pipeline.parse_text`` / ``parse_files`` /
``read_tables``) and returns a DataFrame or an HTML string; the SQL ones run in DuckDB over the
pandas frames, the way a data scientist would query the Parquet files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.review import displacy_html

__all__ = [
    "anc_thresholds",
    "chia_f1",
    "criteria_tree",
    "ecog_limits",
    "entities_html",
    "excluded_conditions",
    "repo",
    "shared_data",
    "typed_constraints",
    "washout_windows",
]


def repo() -> Path:
    """The repository root, wherever a notebook runs from (``notebooks/`` or the root)."""
    return Path(__file__).resolve().parent.parent


def shared_data() -> Path | None:
    """``../shared/data`` beside the repository, or None when it is absent (users lack it)."""
    path = repo().parent / "shared" / "data"
    return path if path.exists() else None


def criteria_tree(criteria: pd.DataFrame) -> str:
    """The criteria as an indented outline: section, depth, marker and text."""
    lines, section = [], None
    for row in criteria.itertuples():
        if row.section != section:
            section = row.section
            lines.append(f"{section.upper()}")
        marker = row.bullet or "·"
        text = " ".join(row.text.split())
        lines.append(f"{'    ' * (row.depth + 1)}{marker} {text[:110]}")
    return "\n".join(lines)


def entities_html(tables: object) -> str:
    """displaCy's entity view of every criterion, one line each."""
    by_criterion = {k: g for k, g in tables.entities.groupby("criterion_id")}
    empty = tables.entities.iloc[0:0]
    return "".join(
        f"<p><b>{row.section[:3]} {row.ordinal}</b> "
        f"{displacy_html(row.text, row.start, by_criterion.get(row.criterion_id, empty))}</p>"
        for row in tables.criteria.itertuples()
    )


def _with_section(tables: object) -> pd.DataFrame:
    sections = tables.criteria[["criterion_id", "section"]]
    return tables.entities.merge(sections, on="criterion_id", how="left")


def typed_constraints(tables: object) -> pd.DataFrame:
    """Entities that carry a value or a window: what a matcher compares a patient against."""
    frame = _with_section(tables)
    typed = frame[frame.comparator.notna() | frame.window_start_days.notna() |
                  frame.window_end_days.notna()]
    return typed[["section", "label", "text", "concept", "comparator", "value_low",
                  "value_high", "unit", "window_start_days", "window_end_days", "anchor",
                  "negated", "historical", "hypothetical"]].reset_index(drop=True)


def _sql(query: str, **frames: pd.DataFrame) -> pd.DataFrame:
    import duckdb

    connection = duckdb.connect()
    for name, frame in frames.items():
        connection.register(name, frame)
    return connection.execute(query).df()


def excluded_conditions(tables: object, top: int = 15) -> pd.DataFrame:
    """The most frequent conditions of exclusion criteria (empty without the NER model)."""
    return _sql(f"""
        SELECT lower(e.text) AS condition, count(*) AS mentions,
               count(DISTINCT e.trial_id) AS trials
        FROM entities e JOIN criteria c USING (criterion_id)
        WHERE e.label = 'condition' AND c.section = 'exclusion'
        GROUP BY 1 ORDER BY mentions DESC, condition LIMIT {int(top)}
    """, entities=tables.entities, criteria=tables.criteria)


def ecog_limits(tables: object) -> pd.DataFrame:
    """How many trials allow each highest ECOG score (from inclusion criteria)."""
    return _sql("""
        SELECT e.value_high AS highest_ecog_allowed, count(DISTINCT e.trial_id) AS trials
        FROM entities e JOIN criteria c USING (criterion_id)
        WHERE e.concept = 'ECOG performance status' AND c.section = 'inclusion'
              AND e.value_high IS NOT NULL
        GROUP BY 1 ORDER BY 1
    """, entities=tables.entities, criteria=tables.criteria)


def anc_thresholds(tables: object) -> pd.DataFrame:
    """Absolute neutrophil count thresholds as written, with their units."""
    return _sql("""
        SELECT e.trial_id, e.comparator, e.value_low, e.value_high, e.unit, e.text
        FROM entities e WHERE e.concept = 'absolute neutrophil count'
              AND e.comparator IS NOT NULL
        ORDER BY e.unit, e.value_low
    """, entities=tables.entities)


def washout_windows(tables: object) -> pd.DataFrame:
    """Look-back windows (days before their anchor) stated in exclusion criteria."""
    return _sql("""
        SELECT e.trial_id, e.anchor, -e.window_start_days AS days_before, e.text
        FROM entities e JOIN criteria c USING (criterion_id)
        WHERE e.label = 'temporal' AND c.section = 'exclusion'
              AND e.window_start_days < 0 AND e.window_end_days = 0
        ORDER BY days_before
    """, entities=tables.entities, criteria=tables.criteria)


def chia_f1(report: object) -> pd.DataFrame:
    """Per-label strict and relaxed F1 of an ``evaluate chia`` report."""
    rows = [{"label": label, "strict_f1": counts.strict_prf()[2],
             "relaxed_f1": counts.relaxed_prf()[2], "gold": counts.gold}
            for label, counts in report.labels.items()]
    micro = report.micro
    rows.append({"label": "micro", "strict_f1": micro.strict_prf()[2],
                 "relaxed_f1": micro.relaxed_prf()[2], "gold": micro.gold})
    return pd.DataFrame(rows)
