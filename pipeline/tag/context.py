"""ConText for criteria: medspaCy's algorithm with criteria-specific rules.

medspaCy's default rules are written for clinical notes; in a criterion "history of X" is the
requirement itself (historical, not negated) and "a negative pregnancy test" is a required
finding, not a negated one. Our rules live in ``pipeline/rules/context.json`` with one
category -> column table; exclusion polarity stays in ``criteria.section`` and is never turned
into negation here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc

from pipeline import rules

__all__ = ["context_columns", "context_config", "context_flags", "context_rules", "cue_pattern"]

SpanKey = tuple[int, int, str]  # (start token, end token, label)


@lru_cache(maxsize=1)
def _data() -> dict:
    return rules.load("context")


@lru_cache(maxsize=1)
def _columns_by_category() -> dict[str, str]:
    return dict(_data()["categories"])


def context_columns() -> tuple[str, ...]:
    """The entities columns ConText fills, from the category -> column table."""
    return tuple(_columns_by_category().values())


def context_config(span_group: str) -> dict:
    """Config for medspaCy's ConText (our rules are added after).

    ConText is asked not to set Span extensions: the flags are read once from its graph
    (``context_flags``), which is cheaper than four extension look-ups per span.
    """
    data = _data()
    return {
        "rules": None,
        "span_attrs": None,
        "input_span_type": "group",
        "span_group_name": span_group,
        "terminating_types": data["terminating_types"],
        "prune_on_modifier_overlap": True,
    }


def context_flags(doc: Doc) -> dict[SpanKey, frozenset[str]]:
    """Columns set for each modified span of a Doc ConText has run on."""
    graph = doc._.context_graph
    columns = _columns_by_category()
    flags: dict[SpanKey, set[str]] = {}
    for target, modifier in graph.edges if graph is not None else ():
        column = columns.get(modifier.category)
        if column is not None:
            flags.setdefault((target.start, target.end, target.label_), set()).add(column)
    return {key: frozenset(value) for key, value in flags.items()}


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


@lru_cache(maxsize=1)
def cue_pattern() -> re.Pattern[str]:
    """Any cue of a rule that can set a flag, as a whole word of lower-cased text: when none
    occurs, ConText has nothing to do (PhraseMatcher matches whole tokens, so this never
    skips a Doc ConText would have flagged)."""
    columns = _columns_by_category()
    cues = {rule["literal"].lower() for rule in _data()["context_rules"]
            if rule["category"] in columns}
    ordered = sorted(cues, key=len, reverse=True)
    words = "|".join(re.escape(c) for c in ordered if c[-1].isalnum())
    others = "|".join(re.escape(c) for c in ordered if not c[-1].isalnum())  # "non-", "h/o"
    return re.compile(rf"(?<![a-z0-9])(?:(?:{words})(?![a-z0-9]){'|' + others if others else ''})")
