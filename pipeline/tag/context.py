"""ConText for criteria: medspaCy's algorithm with criteria-specific rules.

medspaCy's default rules are written for clinical notes; in a criterion "history of X" is the
requirement itself (historical, not negated) and "a negative pregnancy test" is a required
finding, not a negated one. Our rules live in ``pipeline/rules/context.json`` with one
category -> column table; exclusion polarity stays in ``criteria.section`` and is never turned
into negation here.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.tokens import Span

from pipeline import rules

__all__ = ["attribute", "context_columns", "context_config", "context_rules"]


@lru_cache(maxsize=1)
def _data() -> dict:
    return rules.load("context")


def attribute(column: str) -> str:
    """The Span extension that holds one context column (``negated`` -> ``elig_negated``)."""
    return f"elig_{column}"


def context_columns() -> tuple[str, ...]:
    """The entities columns ConText fills, from the category -> column table."""
    return tuple(_data()["categories"].values())


def register_extensions() -> None:
    for column in context_columns():
        if not Span.has_extension(attribute(column)):
            Span.set_extension(attribute(column), default=False)


def context_config(span_group: str) -> dict:
    """Config for ``nlp.add_pipe("medspacy_context", config=...)`` (our rules are added after)."""
    register_extensions()
    data = _data()
    return {
        "rules": None,
        "span_attrs": {cat: {attribute(col): True} for cat, col in data["categories"].items()},
        "input_span_type": "group",
        "span_group_name": span_group,
        "terminating_types": data["terminating_types"],
        "prune_on_modifier_overlap": True,
    }


def context_rules() -> list:
    """medspaCy ``ConTextRule`` objects built from the rule file."""
    from medspacy.context import ConTextRule

    built = []
    for rule in _data()["context_rules"]:
        built.append(
            ConTextRule(
                literal=rule["literal"],
                category=rule["category"],
                pattern=rule.get("pattern"),
                direction=rule["direction"],
                max_scope=rule.get("max_scope"),
                metadata=rule.get("metadata"),
            )
        )
    return built
