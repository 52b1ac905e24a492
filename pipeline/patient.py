"""One patient against a parsed trial: a worked example of reading the tables as a matcher does.

Not a matcher: it knows a patient's age (years), sex, a list of ICD-10-CM codes (taken as
complete: a coded condition the patient does not have is *not met*) and lab values with their
units, and nothing else (no dates, drugs or procedures), so everything else is *unknown*.

How the tables combine (README, "Reading a criterion's logic"):

* a leaf (an entity row of a label in :data:`~pipeline.tag.logic.LEAF_LABELS`, not inside an
  exception) is met, not met or unknown; a ``negated`` leaf asks for the absence, so its result
  is turned round; an ``or`` of negated leaves only is one negation over the coordination ("no
  prior chemotherapy or radiotherapy": neither), read as their ``and``;
* ``criteria.logic`` combines the leaves with three-valued and / or / not; without a tree, a
  criterion with exactly one leaf is that leaf, and one without leaves is unknown;
* a criterion with children is ``children_op`` (any / all) over its children's results; where the
  text does not say, this example reads an exclusion list as any and an inclusion list as all;
* the trial: every top-level inclusion criterion met and no top-level exclusion criterion met.
  One inclusion not met or one exclusion met decides "not eligible" whatever else is unknown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

import pandas as pd

from pipeline.tag.logic import LEAF_LABELS

__all__ = ["combine", "criterion_results", "leaf_result", "verdict", "walk", "within"]

Result = Optional[bool]  # True: met, False: not met, None: unknown
WORDS = {True: "met", False: "not met", None: "unknown"}


def within(x: float, row: Any) -> Result:
    """``x`` against the row's comparator and bounds (``value_low`` / ``value_high``)."""
    if not isinstance(row.comparator, str):
        return None
    low = pd.isna(row.value_low) or (x > row.value_low if row.comparator == ">"
                                     else x >= row.value_low)
    high = pd.isna(row.value_high) or (x < row.value_high if row.comparator == "<"
                                       else x <= row.value_high)
    return bool(low and high)


def _icd_match(patient_code: str, code: str) -> bool:
    """A code matches its descendants by prefix (E11 ⊃ E11.9); a block E08-E13 its categories."""
    if "-" in code:
        low, high = code.split("-", 1)
        return low <= patient_code[:3] <= high[:3]
    return patient_code.startswith(code)


def leaf_result(row: Any, patient: Mapping[str, Any], icd10cm: list[str]) -> Result:
    """One entity row (``row.label``, ``concept``, bounds, ``negated``) for the patient;
    ``icd10cm``: the rank-1 ICD-10-CM codes of the row (``codes`` table)."""
    met: Result = None
    label = row.label
    if label == "age" and row.unit == "years" and patient.get("age") is not None:
        met = within(patient["age"], row)
    elif label == "sex" and patient.get("sex") and isinstance(row.concept, str):
        met = row.concept in ("all", patient["sex"])
    elif label == "measurement" and row.concept in patient.get("labs", {}):
        value, unit = patient["labs"][row.concept]
        met = within(value, row) if unit == row.unit else None  # no unit conversion here
    elif label == "condition" and icd10cm:
        met = any(_icd_match(p, c) for c in icd10cm for p in patient.get("icd10cm", ()))
    if met is None:
        return None
    return met != bool(row.negated)  # a negated leaf asks for the absence


def combine(op: str, values: list[Result]) -> Result:
    """Three-valued ``and`` / ``or`` / ``not``: one True decides an or, one False an and."""
    if op == "not":
        return None if values[0] is None else not values[0]
    decides = op == "or"
    if any(v is decides for v in values):
        return decides
    return None if any(v is None for v in values) else not decides


def walk(node: Any, leaf: Any, negated: frozenset[str] | set[str] = frozenset()) -> Result:
    """A ``criteria.logic`` tree (parsed JSON) with ``leaf(entity_id)`` at its leaves.

    ``negated``: the ids of negated leaves. An ``or`` whose arguments are all negated leaves is
    one negation over the coordination ("no prior chemotherapy or radiotherapy": neither), so
    it is read as the ``and`` of the negated leaves (De Morgan)."""
    if isinstance(node, str):
        return leaf(node)
    op = node["op"]
    if op == "or" and all(isinstance(a, str) and a in negated for a in node["args"]):
        op = "and"
    return combine(op, [walk(arg, leaf, negated) for arg in node["args"]])


def criterion_results(tables: Any, patient: Mapping[str, Any],
                      trial_id: str | None = None) -> pd.DataFrame:
    """Each criterion of ``tables`` (a ``ParseResult``: ``.criteria``, ``.entities``, ``.codes``;
    only ``trial_id``'s when given) with ``result``: met, not met or unknown for ``patient``
    (``age`` in years, ``sex`` female/male, ``icd10cm`` codes, ``labs`` {concept: (value,
    unit)})."""
    criteria, entities, codes = tables.criteria, tables.entities, tables.codes
    if trial_id is not None:
        criteria = criteria[criteria.trial_id == trial_id]
        entities = entities[entities.trial_id == trial_id]
        codes = codes[codes.trial_id == trial_id]
    rows = entities.set_index("entity_id")
    icd = codes[(codes.system == "ICD10CM") & (codes["rank"] == 1)]
    icd_of = icd.groupby("entity_id").code.apply(list).to_dict()

    def leaf(entity_id: str) -> Result:
        return leaf_result(rows.loc[entity_id], patient, icd_of.get(entity_id, []))

    negated = set(entities.entity_id[entities.negated.astype(bool)])
    leaves = entities[entities.label.isin(LEAF_LABELS) & ~entities.exception.astype(bool)]
    leaves_of = leaves.groupby("criterion_id").entity_id.apply(list).to_dict()
    children_of: dict[str, list[str]] = {}
    for c in criteria.itertuples():
        if isinstance(c.parent_id, str):
            children_of.setdefault(c.parent_id, []).append(c.criterion_id)
    result: dict[str, Result] = {}
    for c in criteria[::-1].itertuples():  # sub-items before the criterion they hang under
        children = children_of.get(c.criterion_id)
        if children:
            op = c.children_op or ("any" if c.section == "exclusion" else "all")
            result[c.criterion_id] = combine("or" if op == "any" else "and",
                                             [result[k] for k in children])
            continue
        own = leaves_of.get(c.criterion_id, [])
        logic = getattr(c, "logic", None)
        node = json.loads(logic) if isinstance(logic, str) else own[0] if len(own) == 1 else None
        result[c.criterion_id] = None if node is None else walk(node, leaf, negated)
    out = criteria[["criterion_id", "section", "depth", "parent_id", "text"]].copy()
    out["result"] = [WORDS[result[k]] for k in out.criterion_id]
    return out.reset_index(drop=True)


def verdict(results: pd.DataFrame) -> str:
    """eligible, not eligible or unknown, from :func:`criterion_results`: every top-level
    inclusion criterion met and no top-level exclusion criterion met (``unknown`` sections
    are not counted)."""
    value = {"met": True, "not met": False, "unknown": None}
    top = results[results.parent_id.isna()]
    needed = [value[r] for r in top.result[top.section == "inclusion"]]
    needed += [combine("not", [value[r]]) for r in top.result[top.section == "exclusion"]]
    return {True: "eligible", False: "not eligible", None: "unknown"}[combine("and", needed)]
