"""AND / OR / NOT inside one criterion, and how a criterion combines its children.

Pure string work on the gaps between a criterion's entities: no I/O, no model, no parse, so a
criterion's logic costs microseconds.

``logic_tree(text, start, entities)`` gives ``criteria.logic``: a compact JSON tree
``{"op": "and" | "or" | "not", "args": [node or entity_id, ...]}`` over the entity ids of the
criterion's concept rows (labels in :data:`LEAF_LABELS`). Values and time windows (``value``,
``temporal``) are not leaves: they stay on the concept they constrain, and their text is read
as part of the gaps. Rows with ``exception`` true stay out of the tree. None when fewer than two
leaves remain.

How the gaps are read, from the loosest to the tightest binding:

1. a gap that is not a plain coordination (``;``, ``.``, ``:``, "with", "due to", "in patients
   who", any run of other words, nothing at all) joins its neighbours under ``and``;
2. ``and`` ("both … and", "as well as", "&") and ``or`` ("either … or", "and/or", "nor");
   when a stretch mixes them, ``or`` binds tighter: "A and B or C" is and(A, or(B, C));
3. commas take the conjunction that ends their list ("X, Y, or Z" → or; "X, Y and Z" → and);
   a comma list without one is read as ``or`` for clinical concepts and ``and`` for a list of
   measurements or demographics (``ANC ≥ 1.5, platelets ≥ 100``);
4. a slash between neighbours ("HBV/HCV infection") is ``or`` and binds tightest.

Entities inside parentheses that follow an entity belong to it: "hepatitis B (HBsAg positive)
or hepatitis C (HCV RNA detectable)" is or(and(hepatitis B, HBsAg), and(hepatitis C, HCV RNA)).
Rows over one span (a measurement with two alternative values: "haemoglobin ≥ 9 g/dL or
≥ 5.6 mmol/L" gives two rows) are ``or``-ed; overlapping spans are ``and``-ed. "neither X nor Y"
and "no X nor Y" give not(or(X, Y)).

``children_op(text)`` gives ``criteria.children_op`` for a criterion that heads a list: "any"
("at least one of the following", "any of the following", "one or more of"), "all" ("all of
the following", "must meet the following") or None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Union

__all__ = ["LEAF_LABELS", "children_op", "logic_tree", "pair_ops", "tree"]

#: Labels whose rows are leaves of the tree.
LEAF_LABELS = frozenset({"condition", "drug", "procedure", "measurement", "observation",
                         "device", "age", "sex", "pregnancy"})
#: Labels read as part of the gaps (they constrain a leaf, they are not one).
_TRANSPARENT = frozenset({"value", "temporal"})
#: Labels whose bare comma lists are conjunctions ("ANC ≥ 1.5, platelets ≥ 100").
_LIST_AND = frozenset({"measurement", "age", "sex"})

Node = Union[str, dict]

# Gap kinds.
_STRONG, _AND, _OR, _NOR, _COMMA, _SLASH = "S", "and", "or", "nor", ",", "/"

_WORD = re.compile(r"[a-z][a-z'.-]*")
_SENTENCE = re.compile(r"[;:]|\.(?:\s|$)")
_CONJ = re.compile(r"\b(?:and\s*/\s*or|or|nor|and|as well as|plus)\b|&")
_SLASH_GAP = re.compile(r"^[\s~]*/[\s~]*$")
# Words that may stand in a coordination gap without making it a clause of its own:
# "X or other Y", "X, or a history of Y", "X and/or any Y", "X, severe Y".
_GAP_FILLER = frozenset("""
a an the any other another either both neither history known active prior previous
current suspected documented confirmed uncontrolled severe significant chronic acute
clinically evidence presence diagnosis diagnosed certain all its their
""".split())
# Words that make a gap a relation rather than a coordination ("X with Y", "X such as Y").
_BLOCKING = frozenset("""
with without to of for by due such including include includes e.g. e.g i.e. i.e than except
excluding unless requiring require requires required that which who whom whose in on at from
after before during under against defined as related secondary caused associated because
into per via within if when where while
""".split())
_COORDINATED = re.compile(r"\b(?:or|nor|and)\b|[,/]")
_NEITHER = re.compile(r"\bneither\b")
_MAX_OTHER_WORDS = 2


def _kind(gap: str) -> str:
    """What a gap between two neighbouring units says (lower-cased, values masked as ``~``)."""
    stripped = gap.strip()
    if not stripped or stripped == "~":
        return _STRONG  # adjacent: a modifier of the same thing ("history of" + "stroke")
    if _SLASH_GAP.match(gap):
        return _SLASH
    if _SENTENCE.search(gap):
        return _STRONG
    conj = None
    for match in _CONJ.finditer(gap):
        conj = match.group()
    words = _WORD.findall(_CONJ.sub(" ", gap))
    other = 0
    for word in words:
        if word in _BLOCKING:
            return _STRONG
        if word not in _GAP_FILLER:
            other += 1
    if other > _MAX_OTHER_WORDS:
        return _STRONG
    if conj is None:
        return _COMMA if "," in gap else _STRONG
    if conj == "nor":
        return _NOR
    if conj == "or" or conj.endswith("or"):
        return _OR
    return _AND


class _Unit:
    """Leaves at one place in the text: a node, and the extent it covers."""

    __slots__ = ("start", "end", "node", "labels")

    def __init__(self, start: int, end: int, node: Node, labels: set[str]) -> None:
        self.start, self.end, self.node, self.labels = start, end, node, labels


def _node(op: str, args: list[Node]) -> Node:
    flat: list[Node] = []
    for arg in args:
        if isinstance(arg, dict) and arg["op"] == op and op != "not":
            flat.extend(arg["args"])
        else:
            flat.append(arg)
    return flat[0] if len(flat) == 1 and op != "not" else {"op": op, "args": flat}


def _units(rows: list[tuple[int, int, str, str]], masked: str) -> list[_Unit]:
    """Group rows (start, end, id, label) by span: same span → or; overlapping spans → or when
    their text coordinates ("alcohol or drug dependence" over "drug dependence"), else and."""
    rows.sort()
    units: list[_Unit] = []
    clusters: list[list[tuple[int, int, str, str]]] = []
    end = -1
    for row in rows:
        if clusters and row[0] < end:
            clusters[-1].append(row)
            end = max(end, row[1])
        else:
            clusters.append([row])
            end = row[1]
    for cluster in clusters:
        by_span: dict[tuple[int, int], list[str]] = {}
        for s, e, ident, _ in cluster:
            by_span.setdefault((s, e), []).append(ident)
        parts = [_node("or", ids) for ids in by_span.values()]
        end = max(r[1] for r in cluster)
        op = "or" if len(parts) > 1 and _COORDINATED.search(masked, cluster[0][0], end) else "and"
        units.append(_Unit(cluster[0][0], end, _node(op, parts), {r[3] for r in cluster}))
    return units


def _depths(text: str) -> list[int]:
    """Parenthesis depth at each character (brackets count as parentheses)."""
    depth, out = 0, []
    for char in text:
        if char in ")]":
            depth = max(depth - 1, 0)
        out.append(depth)
        if char in "([":
            depth += 1
    return out


def _attach_parentheticals(text: str, units: list[_Unit]) -> list[_Unit]:
    """Units inside parentheses that open after a unit belong to that unit."""
    if "(" not in text and "[" not in text:
        return units
    depth = _depths(text)
    out: list[_Unit] = []
    index = 0
    while index < len(units):
        unit = units[index]
        base = depth[unit.start]
        j = index + 1
        while (j < len(units) and depth[units[j].start] > base
               and min(depth[unit.end:units[j].start], default=base) >= base):
            j += 1
        if j > index + 1:
            inner = units[index + 1 : j]
            close = _close_of(text, depth, inner[-1].end, base)
            unit = _Unit(unit.start, max(close, inner[-1].end),
                         _node("and", [unit.node, _combine(text, inner)]),
                         unit.labels.union(*(u.labels for u in inner)))
        out.append(unit)
        index = j
    return out


def _close_of(text: str, depth: list[int], position: int, base: int) -> int:
    """Just past the parenthesis that brings the depth back to ``base`` after ``position``."""
    for k in range(position, len(text)):
        if depth[k] < base:
            return k
        if depth[k] == base and text[k] in ")]":
            return k + 1
    return len(text)


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """Lower-cased text with the transparent spans (values, windows) replaced by ``~``."""
    if not spans:
        return text.lower()
    out, cursor = [], 0
    for s, e in sorted(spans):
        if s < cursor:
            s = cursor
        if s >= e:
            continue
        out.append(text[cursor:s])
        out.append("~" + " " * (e - s - 1))  # same length: offsets stay valid
        cursor = e
    out.append(text[cursor:])
    return "".join(out).lower()


def _combine(masked: str, units: list[_Unit]) -> Node:
    """One node over neighbouring units, from what the gaps between them say."""
    if len(units) == 1:
        return units[0].node
    kinds = [_kind(masked[a.end:b.start].replace("(", " ").replace(")", " ")
                   .replace("[", " ").replace("]", " "))
             for a, b in zip(units, units[1:])]
    # commas take the conjunction that ends their list
    resolved = list(kinds)
    for i, kind in enumerate(kinds):
        if kind != _COMMA:
            continue
        ahead = next((k for k in kinds[i + 1:] if k != _COMMA), None)
        if ahead in (_OR, _NOR, _AND):
            resolved[i] = _OR if ahead == _NOR else ahead
        else:
            behind = next((k for k in reversed(kinds[:i]) if k != _COMMA), None)
            if behind in (_OR, _NOR, _AND):
                resolved[i] = _OR if behind == _NOR else behind
            else:
                labels = units[i].labels | units[i + 1].labels
                resolved[i] = _AND if labels <= _LIST_AND else _OR
    neither = [bool(_NEITHER.search(masked[(units[i - 1].end if i else 0):units[i].start]))
               for i in range(len(units))]
    return _split(units, resolved, 0, len(units), neither)


_LEVELS = ((_STRONG,), (_AND,), (_OR, _NOR), (_SLASH,))
_LEVEL_OP = ("and", "and", "or", "or")


def _split(units: list[_Unit], kinds: list[str], lo: int, hi: int, neither: list[bool],
           level: int = 0) -> Node:
    """Node over units[lo:hi]; kinds[i] is the gap between units[i] and units[i + 1]."""
    if hi - lo == 1:
        return units[lo].node
    while level < len(_LEVELS):
        cuts = [i for i in range(lo, hi - 1) if kinds[i] in _LEVELS[level]]
        if cuts:
            break
        level += 1
    else:
        return _node("and", [u.node for u in units[lo:hi]])
    args: list[Node] = []
    begin = lo
    for cut in [*cuts, hi - 1]:
        args.append(_split(units, kinds, begin, cut + 1, neither, level + 1))
        begin = cut + 1
    node = _node(_LEVEL_OP[level], args)
    if level == 2 and any(kinds[i] == _NOR for i in cuts) and (
            neither[lo] or any(kinds[i] == _NOR for i in cuts)):
        node = {"op": "not", "args": [node]}
    return node


def tree(text: str, start: int, entities: Iterable[Mapping[str, Any]]) -> Node | None:
    """The logic tree as Python objects (see :func:`logic_tree`)."""
    leaves: list[tuple[int, int, str, str]] = []
    masks: list[tuple[int, int]] = []
    limit = len(text)
    for row in entities:
        label = row["label"]
        s, e = row["start"] - start, row["end"] - start
        if s < 0 or e > limit or s >= e:
            continue
        if label in _TRANSPARENT:
            masks.append((s, e))
        elif label in LEAF_LABELS and not row.get("exception"):
            leaves.append((s, e, row["entity_id"], label))
    if len(leaves) < 2:
        return None
    masked = _masked(text, masks)
    units = _units(leaves, masked)
    if len(units) == 1:
        return units[0].node
    units = _attach_parentheticals(masked, units)
    return _combine(masked, units)


def logic_tree(text: str, start: int, entities: Iterable[Mapping[str, Any]]) -> str | None:
    """``criteria.logic`` of one criterion, as compact JSON, or None.

    ``text``: the criterion's text (``criteria.text``); ``start``: its offset in the trial's
    source text (``criteria.start``); ``entities``: the criterion's entity rows (dicts with at
    least ``entity_id``, ``label``, ``start``, ``end`` as source-text offsets, and optionally
    ``exception``). Rows of other labels or outside the criterion are ignored.
    """
    node = tree(text, start, entities)
    if node is None:
        return None
    return json.dumps(node, separators=(",", ":"), ensure_ascii=False)


def pair_ops(node: Node) -> dict[frozenset[str], str]:
    """For every pair of leaves, the op of their lowest common ancestor."""
    out: dict[frozenset[str], str] = {}

    def walk(n: Node) -> list[str]:
        if isinstance(n, str):
            return [n]
        groups = [walk(arg) for arg in n["args"]]
        for i, left in enumerate(groups):
            for right in groups[i + 1:]:
                for a in left:
                    for b in right:
                        if a != b:
                            out.setdefault(frozenset((a, b)), n["op"])
        return [leaf for group in groups for leaf in group]

    walk(node)
    return out


_ANY = re.compile(r"\b(?:at\s+least\s+(?:one|1|two|2)\s+(?:\w+\s+){0,2}?of|any\s+(?:one\s+)?of|"
                  r"one\s+or\s+more\s+of|either\s+of|one\s+of\s+the\s+following|"
                  r"(?:one|1)\s+(?:or\s+more\s+)?of\s+the\s+following)\b", re.I)
_ALL = re.compile(r"\b(?:all\s+(?:of\s+)?(?:the\s+|these\s+)?(?:following|criteria|conditions)|"
                  r"each\s+of\s+the\s+following|both\s+of\s+the\s+following|"
                  r"(?:must|should|will|to)\s+(?:\w+\s+){0,2}?(?:meet|fulfil+|satisfy|have)\s+"
                  r"(?:\w+\s+){0,1}?the\s+following)\b", re.I)


def children_op(text: str) -> str | None:
    """How a criterion's children combine: "any", "all", or None when the text does not say."""
    if _ANY.search(text):
        return "any"
    if _ALL.search(text):
        return "all"
    return None
