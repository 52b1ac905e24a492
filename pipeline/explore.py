"""Small views of the tables for the notebooks (which hold no logic of their own).

Each function takes the tables a parse gives (``pipeline.parse_text`` / ``parse_files`` /
``read_tables``) and returns a DataFrame or displaCy's manual format; the SQL ones run in DuckDB
over the pandas frames, the way a data scientist would query the Parquet files. The plotting
helpers print a note instead of drawing an empty chart, so a notebook runs the same with and
without the NER model (without it no condition is tagged).
"""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path

import pandas as pd

from pipeline.paths import REPO, SHARED_DATA
from pipeline.review import COLORS, displacy_doc, typed_summary

__all__ = [
    "anc_thresholds",
    "bar_chart",
    "chia_f1",
    "chia_unavailable",
    "criteria_tree",
    "displacy_docs",
    "displacy_options",
    "ecog_limits",
    "excluded_conditions",
    "histogram",
    "repo",
    "shared_data",
    "sql",
    "typed_constraints",
    "washout_windows",
]


def repo() -> Path:
    """The repository root, wherever a notebook runs from (``notebooks/`` or the root)."""
    return REPO


def shared_data() -> Path | None:
    """``../shared/data`` beside the repository, or None when it is absent (users lack it)."""
    return SHARED_DATA if SHARED_DATA.exists() else None


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


def displacy_docs(tables: object) -> list[dict]:
    """displaCy's manual format, one doc per criterion, for ``displacy.render(manual=True)``.

    Each label carries what is typed about its span ('measurement · ECOG performance status ·
    0 – 1'), so the view shows values and windows, not only where the spans are.
    Overlapping spans keep the first (displaCy draws no overlaps); titles and labels are
    escaped because displaCy inserts them as they are.
    """
    entities = tables.entities.copy()
    entities["label"] = [" · ".join(filter(None, (str(e.label), typed_summary(e))))
                         for e in entities.itertuples()]
    by_criterion = {k: g for k, g in entities.groupby("criterion_id")}
    docs = []
    for row in tables.criteria.itertuples():
        doc = displacy_doc(row.text, row.start, by_criterion.get(row.criterion_id,
                                                                 entities.iloc[0:0]))
        doc["title"] = html.escape(f"{row.section} {row.ordinal} · {row.criterion_id}")
        docs.append(doc)
    return docs


def displacy_options(docs: list[dict]) -> dict:
    """displaCy options colouring each label of ``displacy_docs`` by its entity type."""
    labels = {ent["label"] for doc in docs for ent in doc["ents"]}
    return {"colors": {label: COLORS.get(html.unescape(label).split(" · ")[0], "#ddd")
                       for label in labels}}


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


def sql(query: str, **frames: pd.DataFrame) -> pd.DataFrame:
    """Run a DuckDB query over DataFrames registered under the given names."""
    import duckdb

    connection = duckdb.connect()
    for name, frame in frames.items():
        connection.register(name, frame)
    return connection.execute(query).df()


def excluded_conditions(tables: object, top: int = 15) -> pd.DataFrame:
    """The most frequent conditions of exclusion criteria (empty without the NER model)."""
    return sql(f"""
        SELECT lower(e.text) AS condition, count(*) AS mentions,
               count(DISTINCT e.trial_id) AS trials
        FROM entities e JOIN criteria c USING (criterion_id)
        WHERE e.label = 'condition' AND c.section = 'exclusion'
        GROUP BY 1 ORDER BY mentions DESC, condition LIMIT {int(top)}
    """, entities=tables.entities, criteria=tables.criteria)


def ecog_limits(tables: object) -> pd.DataFrame:
    """How many trials allow each highest ECOG score (from inclusion criteria)."""
    return sql("""
        SELECT CAST(e.value_high AS INTEGER) AS highest_ecog_allowed,
               count(DISTINCT e.trial_id) AS trials
        FROM entities e JOIN criteria c USING (criterion_id)
        WHERE e.concept = 'ECOG performance status' AND c.section = 'inclusion'
              AND e.value_high IS NOT NULL
        GROUP BY 1 ORDER BY 1
    """, entities=tables.entities, criteria=tables.criteria)


def anc_thresholds(tables: object) -> pd.DataFrame:
    """Absolute neutrophil count thresholds as written, and in 10^9/L where the unit allows
    (10^3/µL is the same number, /µL a thousand times it; other units stay null), with a
    ``threshold`` label such as 'inclusion >= 1.5' to count them by."""
    return sql("""
        WITH anc AS (
            SELECT e.trial_id, c.section, e.comparator, e.value_low, e.value_high, e.unit,
                   coalesce(e.value_low, e.value_high) * CASE e.unit
                       WHEN '10^9/L' THEN 1 WHEN '10^3/µL' THEN 1 WHEN '/µL' THEN 0.001
                       ELSE NULL END AS threshold_e9_per_l,
                   e.text
            FROM entities e JOIN criteria c USING (criterion_id)
            WHERE e.concept = 'absolute neutrophil count' AND e.comparator IS NOT NULL)
        SELECT *, section || ' ' || comparator || ' ' || CAST(threshold_e9_per_l AS VARCHAR)
                  AS threshold
        FROM anc ORDER BY threshold_e9_per_l, unit, value_low
    """, entities=tables.entities, criteria=tables.criteria)


def washout_windows(tables: object) -> pd.DataFrame:
    """Look-back windows (days before their anchor) stated in exclusion criteria."""
    return sql("""
        SELECT e.trial_id, e.anchor, -e.window_start_days AS days_before, e.text
        FROM entities e JOIN criteria c USING (criterion_id)
        WHERE e.label = 'temporal' AND c.section = 'exclusion'
              AND e.window_start_days < 0 AND e.window_end_days = 0
        ORDER BY days_before
    """, entities=tables.entities, criteria=tables.criteria)


def chia_unavailable() -> str | None:
    """Why the Chia per-label scores cannot be computed here, or None when they can: the
    shared corpus, the ``evaluate chia`` module and the trained model must all be present."""
    from pipeline.train import MODEL_DIR

    data = shared_data()
    if data is None or not (data / "chia").exists():
        return "the Chia corpus (../shared/data/chia) is not here"
    if importlib.util.find_spec("pipeline.evaluate.chia") is None:
        return "pipeline.evaluate.chia is not installed"
    if not (MODEL_DIR / "config.cfg").exists():
        return f"no trained model in {MODEL_DIR} (python -m pipeline train)"
    return None


def bar_chart(frame: pd.DataFrame, x: str, y: str, title: str, horizontal: bool = False,
              empty_note: str = "nothing to plot") -> None:
    """Bars of ``y`` by ``x``; a printed note instead when the query found nothing."""
    import matplotlib.pyplot as plt

    if frame.empty:
        print(f"{title}: {empty_note}")
        return
    height = max(2.5, 0.28 * len(frame)) if horizontal else 3
    fig, ax = plt.subplots(figsize=(7, height))
    labels = frame[x].astype(str)
    if horizontal:
        ax.barh(labels[::-1], frame[y][::-1])
        ax.set_xlabel(y)
    else:
        ax.bar(labels, frame[y])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
    ax.set_title(title)
    fig.tight_layout()
    plt.show()


def histogram(values: pd.Series, title: str, xlabel: str, bins: int = 20,
              empty_note: str = "nothing to plot") -> None:
    """A histogram of the non-null ``values``; a printed note instead when there are none."""
    import matplotlib.pyplot as plt

    values = values.dropna()
    if values.empty:
        print(f"{title}: {empty_note}")
        return
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist(values, bins=bins)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    fig.tight_layout()
    plt.show()


def chia_f1(report: object) -> pd.DataFrame:
    """Per-label strict and relaxed F1 of an ``evaluate chia`` report."""
    rows = [{"label": label, "strict_f1": counts.strict_prf()[2],
             "relaxed_f1": counts.relaxed_prf()[2], "gold": counts.gold}
            for label, counts in report.labels.items()]
    micro = report.micro
    rows.append({"label": "micro", "strict_f1": micro.strict_prf()[2],
                 "relaxed_f1": micro.relaxed_prf()[2], "gold": micro.gold})
    return pd.DataFrame(rows)


def best_codes(entities: "pd.DataFrame", codes: "pd.DataFrame") -> "pd.Series":
    """Per entity row, its best code in each system with the code's name, e.g.
    "ICD10CM E11 Type 2 diabetes mellitus · MESH D003924 Diabetes Mellitus, Type 2" ("" when
    uncoded), aligned with ``entities``."""
    best = codes[codes["rank"] == 1]
    text = (best.system + " " + best.code + " " + best.name).groupby(best.entity_id).agg(" · ".join)
    return entities.entity_id.map(text).fillna("")


def trials_by_icd10cm_chapter(tables: object, section: str | None = None) -> "pd.DataFrame":
    """Trials per ICD-10-CM chapter of their conditions' best codes (optionally one section)."""
    import pandas as pd

    from pipeline.linking import icd10cm_chapter

    codes = tables.codes[(tables.codes.system == "ICD10CM") & (tables.codes["rank"] == 1)]
    if section is not None:
        keep = tables.criteria.criterion_id[tables.criteria.section == section]
        codes = codes[codes.criterion_id.isin(keep)]
    chapters = codes.code.map(icd10cm_chapter)
    counts = codes.assign(chapter=chapters).groupby("chapter").trial_id.nunique()
    return (pd.DataFrame({"chapter": counts.index, "trials": counts.values})
            .sort_values(["trials", "chapter"], ascending=[False, True]).reset_index(drop=True))
