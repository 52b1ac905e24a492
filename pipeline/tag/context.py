"""ConText for criteria: medspaCy's algorithm with criteria-specific rules.

medspaCy's default rules are written for clinical notes; in a criterion "history of X" is the
requirement itself (historical, not negated) and "a negative pregnancy test" is a required
finding, not a negated one. Our rules live in ``pipeline/rules/context.json`` with one
category -> column table; exclusion polarity stays in ``criteria.section`` and is never turned
into negation here.

Two things medspaCy does not do, done here when the flags are read (``context_flags``):

* flags belong to the clinical concepts (``targets`` in the rule file: condition, drug,
  procedure, measurement, observation, device, pregnancy), never to a value, a time window, an
  age or a sex: "No antibiotic treatment in the last 2 weeks" negates the treatment, not the
  window; nor to a span that is only a cue's own word (``cue_words``: "history", "medical
  history"): "no history of X" negates X;
* a cue's scope ends at a clause boundary between it and the span (``scope_ends``: a
  semicolon, "or with" / "and has" before a new requirement, "including" …; for exceptions
  also "such as" and "e.g."), at a colon unless it opens the cue's own list (``list_head``:
  "no history of the following: …"), and at the ``)`` that closes a parenthesis the cue is
  in: "free of active respiratory disease … or with active airways disease (asthma …)" does
  not negate the asthma.

The sentence (split at ``. ; ! ?``) stays a cue's widest scope, as in medspaCy.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc

from pipeline import rules

__all__ = ["context_columns", "context_config", "context_flags", "context_rules", "cue_pattern",
           "targets"]

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


@lru_cache(maxsize=1)
def targets() -> frozenset[str]:
    """The span labels context flags belong to (the clinical concepts)."""
    return frozenset(_data()["targets"])


@lru_cache(maxsize=1)
def _cue_words() -> frozenset[str]:
    """Span texts that are a cue's own words, never a concept to flag (``cue_words``): "no
    history of X" negates X, not the span "history"."""
    return frozenset(t.lower() for t in _data().get("cue_words", {}).get("texts", ()))


@lru_cache(maxsize=1)
def _scope_ends() -> dict[str, re.Pattern[str]]:
    """Category -> what ends a cue's scope between the cue and a span (``scope_ends``)."""
    ends = _data().get("scope_ends", {})
    common = ends.get("all", [])
    return {category: re.compile("|".join(f"(?:{p})" for p in [*common, *ends.get(category, [])]),
                                 re.IGNORECASE)
            for category in set(_columns_by_category()) | (set(ends) - {"all"})}


def _closes_outside(gap: str, forward: bool) -> bool:
    """Whether the text between cue and span leaves a parenthesis the cue is inside: a ``)``
    with no ``(`` of its own before it (cue first), or a ``(`` with no ``)`` after it (span
    first)."""
    depth = 0
    for char in gap if forward else reversed(gap):
        if char == ("(" if forward else ")"):
            depth += 1
        elif char == (")" if forward else "("):
            depth -= 1
            if depth < 0:
                return True
    return False


@lru_cache(maxsize=1)
def _list_head() -> re.Pattern[str]:
    return re.compile(_data()["list_head"], re.IGNORECASE)


def _colon_ends(gap: str, forward: bool) -> bool:
    """Whether a colon between cue and span ends the scope: always when the span comes first
    ("Females of childbearing potential: negative …"); after the cue, unless the colon opens
    the cue's own list ("except: …", "no history of the following: …")."""
    if not forward:
        return ":" in gap
    head = _list_head()
    return any(not head.search(gap[:m.start()]) for m in re.finditer(":", gap))


def in_scope(text: str, cue: tuple[int, int], span: tuple[int, int], category: str) -> bool:
    """Whether nothing between a cue and a span (character offsets in ``text``) ends the cue's
    scope: a colon that does not open the cue's list, a boundary of ``scope_ends``, or the end
    of a parenthesis the cue is in."""
    forward = cue[1] <= span[0]
    gap = text[cue[1]:span[0]] if forward else text[span[1]:cue[0]]
    if not gap.strip():
        return True
    if ":" in gap and _colon_ends(gap, forward):
        return False
    pattern = _scope_ends().get(category)
    if pattern is not None and pattern.search(gap):
        return False
    return not _closes_outside(gap, forward)


def context_flags(doc: Doc, labels: frozenset[str] | None = None,
                  text: str | None = None) -> dict[SpanKey, frozenset[str]]:
    """Columns set for each modified span of a Doc ConText has run on: spans of ``labels``
    only (None: any label), and only where no clause boundary stands between cue and span.
    ``text``: the Doc's text when the caller has it (``doc.text`` otherwise)."""
    graph = doc._.context_graph
    columns = _columns_by_category()
    flags: dict[SpanKey, set[str]] = {}
    for target, modifier in graph.edges if graph is not None else ():
        column = columns.get(modifier.category)
        if column is None or (labels is not None and target.label_ not in labels):
            continue
        if target.text.lower() in _cue_words():
            continue
        if text is None:
            text = doc.text
        start, end = modifier.modifier_span
        cue = (doc[start].idx, doc[end - 1].idx + len(doc[end - 1]))
        if in_scope(text, cue, (target.start_char, target.end_char), modifier.category):
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
