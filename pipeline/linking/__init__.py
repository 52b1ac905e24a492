"""Concept codes for entities, offline: ICD-10-CM and MeSH for conditions, DrugBank and MeSH for
drugs, LOINC for measurements (see ``vocab``, ``index`` and ``linker``).

    import pipeline
    pipeline.link(["T2DM", "heart attack"], "condition")
    # [[{"system": "ICD10CM", "code": "E11", "name": "Type 2 diabetes mellitus", "score": 1.0},
    #   {"system": "MESH", "code": "D003924", …}], […]]
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = ["code_rows", "icd10cm_chapter", "link", "load_linker"]

_LINKER: Any = None


def load_linker() -> Any:
    """The process's linker, loaded on first use (the index is built first if missing)."""
    global _LINKER
    if _LINKER is None:
        from pipeline.linking.linker import Linker

        _LINKER = Linker()
    return _LINKER


def link(texts: Iterable[str] | str, label: str) -> list[list[dict[str, Any]]]:
    """For each text, its codes as ``{"system", "code", "name", "score"}`` dicts, best first
    within each system. ``label``: condition, drug, measurement or procedure."""
    from pipeline.linking.linker import LABEL_SYSTEMS

    if label not in LABEL_SYSTEMS:
        raise ValueError(f"label must be one of {', '.join(LABEL_SYSTEMS)}, not {label!r}")
    linker = load_linker()
    if isinstance(texts, str):
        texts = [texts]
    return [[{"system": c.system, "code": c.code, "name": c.name, "score": c.score}
             for c in linker.link(text, label)] for text in texts]


def code_rows(linker: Any, entities: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``codes`` table rows of entity rows (their label, text, long form and concept)."""
    rows = []
    for entity in entities:
        for code in linker.link(entity["text"], entity["label"], entity.get("long_form"),
                                entity.get("concept")):
            rows.append({"trial_id": entity["trial_id"], "criterion_id": entity["criterion_id"],
                         "entity_id": entity["entity_id"], "system": code.system,
                         "code": code.code, "name": code.name, "score": code.score,
                         "rank": code.rank})
    return rows


def icd10cm_chapter(code: str) -> str | None:
    """The ICD-10-CM chapter of a code or block: "4 Endocrine, nutritional and metabolic
    diseases (E00-E89)"; None for a code the tabular list does not have."""
    return load_linker().chapter(code)
