"""AND / OR / NOT inside one criterion, and how a criterion combines its children.

Pure string work on the gaps between a criterion's entities: no I/O, no model, no parse, so a
criterion's logic costs microseconds (about 25 µs a Chia criterion here).

``logic_tree(text, start, entities, section)`` gives ``criteria.logic``: a compact JSON tree
``{"op": "and" | "or" | "not", "args": [node or entity_id, ...]}`` over the entity ids of the
criterion's concept rows (labels in :data:`LEAF_LABELS`). Values and time windows (``value``,
``temporal``) are not leaves: they stay on the concept they constrain, and their text is read
as part of the gaps. Rows with ``exception`` true stay out of the tree. None when fewer than two
leaves remain.

How the gaps are read (lower-cased, with the values and windows in them masked):

1. a gap that is not a plain coordination joins its neighbours under ``and``, at the lowest
   precedence: a relation ("allergy to", "history of", "X with Y", "requiring", side by side),
   an elaboration or clause ("such as", "including", "e.g.", "that", "who", "except", ":",
   a full stop) or more than two other words. So "allergy to A, B or C" is
   and(allergy, or(A, B, C)), and "X or Y with Z" is and(or(X, Y), Z);
2. ``and`` ("both … and", "as well as", "&"), then ``or`` ("either … or", "and/or"; "nor" gives
   not(or(…)): "neither X nor Y"): "A and B or C" is and(A, or(B, C));
3. commas and semicolons take the conjunction that ends their list ("X, Y, or Z" → or; "X, Y
   and Z" → and), else the one before them; a bare list is ``or`` ("MI, stroke, TIA"), but
   ``and`` when values stand between its items or it lists measurements or demographics
   ("ANC ≥ 1.5, platelets ≥ 100");
4. a slash between neighbours ("HBV/HCV infection") is ``or`` and binds tightest.

Words such as "other", "any", "history", "known", "severe" may stand in a coordination gap ("X
or any other Y"). Entities inside parentheses form a group of their own, and-ed beside the
sequence they interrupt, which is read as if the parenthesis were not there: "eclampsia or
CNS complication (e.g. stroke or PRES)" is and(or(eclampsia, CNS complication), or(stroke,
PRES)) — examples and abbreviations are not alternatives to the item's neighbours. Rows over one
span (a measurement with alternative values: "haemoglobin ≥ 9 g/dL or ≥ 5.6 mmol/L" gives two
rows) are ``or``-ed; overlapping spans are ``or``-ed when the text they cover coordinates ("alcohol
or drug dependence" over "drug dependence"), else ``and``-ed.

With ``section="exclusion"`` a list joined by "and" is read as ``or`` ("history of MI, stroke and
TIA" excludes a patient who had any of them), and bare lists are ``or`` too; "both X and Y"
keeps ``and``. These choices were made on a validation part of Chia's training trials
(:mod:`pipeline.evaluate.logic`).

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

# Gap kinds: a clause break, a relation ("X of Y", "X with Y", adjacency), coordinations.
_LOOSE, _REL, _AND, _OR, _NOR, _COMMA, _COMMA_V, _SLASH = (
    "S", "R", "and", "or", "nor", ",", ",~", "/")

_WORD = re.compile(r"[a-z][a-z'.-]*")
_SENTENCE = re.compile(r"[;:]|\.(?:\s|$)")
_STOP = re.compile(r"[:]|\.(?:\s|$)")
_CONJ = re.compile(r"\b(?:and\s*/\s*or|or|nor|and|as well as|plus)\b|&")
_SLASH_GAP = re.compile(r"^[\s~]*/[\s~]*$")
# Words that may stand in a coordination gap without making it a clause of its own:
# "X or other Y", "X, or a history of Y", "X and/or any Y", "X, severe Y".
_GAP_FILLER = frozenset("""
a an the any other another either both neither history known active prior previous
current suspected documented confirmed uncontrolled severe significant chronic acute
clinically evidence presence diagnosis diagnosed certain all its their
""".split())
# Words that relate a concept to the next ("X of Y", "allergy to Y", "X requiring Y"): the
# concept applies to the whole coordination that follows ("history of A, B or C").
_RELATING = frozenset("""
with without to of for by due in on at from against under into per via requiring require
requires required secondary caused associated related because
after before during within treated using use receiving taking undergoing following
""".split())
# Words that open an elaboration or a clause of its own ("X such as Y", "X that Y").
_CLAUSE = frozenset("""
such including include includes e.g. e.g i.e. i.e that which who whom whose if when where
while defined especially particularly namely like except excluding unless than but
""".split())
_COORDINATED = re.compile(r"\b(?:or|nor|and)\b|[,/]")
_BOTH = re.compile(r"\bboth\b")
_MAX_OTHER_WORDS = 2


def _kind(gap: str) -> str:
    """What a gap between two neighbouring units says (lower-cased, values masked as ``~``,
    parentheses removed)."""
    if _SLASH_GAP.match(gap):
        return _SLASH
    if _SENTENCE.search(gap):
        if ";" in gap and not _STOP.search(gap):
            gap = gap.replace(";", ",")  # "A; B; C": a list, as with commas
        else:
            return _LOOSE
    if "with or without" in gap:
        return _REL
    conj = None
    for match in _CONJ.finditer(gap):
        conj = match.group()
    coordinated = conj is not None or "," in gap
    other = 0
    for word in _WORD.findall(_CONJ.sub(" ", gap) if conj else gap):
        if word in _CLAUSE:
            return _LOOSE
        if word not in _RELATING and word not in _GAP_FILLER:
            other += 1
    if other > _MAX_OTHER_WORDS:
        return _LOOSE
    if not coordinated:
        return _REL  # side by side, or related by a word ("history of", "allergy to")
    if conj is None:
        return _COMMA_V if "~" in gap else _COMMA
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


def _units(rows: list[tuple[int, int, str, str]], masked: str, any_and: bool) -> list[_Unit]:
    """Group rows (start, end, id, label) by span: same span → or; overlapping spans → or when
    their text coordinates ("alcohol or drug dependence" over "drug dependence"), else and."""
    rows.sort()
    if all(a[1] <= b[0] for a, b in zip(rows, rows[1:])):  # no overlaps: one unit a row
        return [_Unit(r[0], r[1], r[2], {r[3]}) for r in rows]
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
        op = "and"
        if len(parts) > 1:
            conj = None
            for match in _COORDINATED.finditer(masked, cluster[0][0], end):
                conj = match.group()
            if conj is not None and (conj != "and" or any_and):
                op = "or"
        units.append(_Unit(cluster[0][0], end, _node(op, parts), {r[3] for r in cluster}))
    return units


def _depths(text: str) -> list[int]:
    """Parenthesis depth at each character (brackets count as parentheses; an opening one is
    at the depth outside it, a closing one too)."""
    out: list[int] = []
    depth = last = 0
    for match in _PAREN.finditer(text):
        k = match.start()
        out.extend([depth] * (k - last))
        if match.group() in ")]":
            depth = max(depth - 1, 0)
            out.append(depth)
        else:
            out.append(depth)
            depth += 1
        last = k + 1
    out.extend([depth] * (len(text) - last))
    return out


_PAREN = re.compile(r"[()\[\]]")


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """Lower-cased text with the transparent spans (values, windows) replaced by ``~``, of the
    same length as ``text`` (so offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lower-cases to two characters: one each
        lowered = "".join(c.lower()[:1] or c for c in text)
    if not spans:
        return lowered
    out, cursor = [], 0
    for s, e in sorted(spans):
        if s < cursor:
            s = cursor
        if s >= e:
            continue
        out.append(lowered[cursor:s])
        out.append("~" + " " * (e - s - 1))
        cursor = e
    out.append(lowered[cursor:])
    return "".join(out)


def _combine(masked: str, depth: list[int] | None, units: list[_Unit], any_and: bool) -> Node:
    """One node over neighbouring units. Units inside parentheses form groups of their own,
    and-ed beside the sequence they interrupt, which reads as if they were not there: "X (e.g.
    A or B) or Y" is and(or(X, Y), or(A, B))."""
    if len(units) == 1:
        return units[0].node
    if depth is None:
        return _sequence(masked, None, 0, units, any_and)
    base = min(depth[u.start] for u in units)
    outer: list[_Unit] = []
    groups: list[list[_Unit]] = []
    previous: _Unit | None = None
    for unit in units:
        if depth[unit.start] == base:
            outer.append(unit)
        elif (groups and previous is groups[-1][-1]
              and min(depth[previous.end:unit.start], default=base + 1) > base):
            groups[-1].append(unit)
        else:
            groups.append([unit])
        previous = unit
    args = [_sequence(masked, depth, base, outer, any_and)] if outer else []
    args.extend(_combine(masked, depth, group, any_and) for group in groups)
    return _node("and", args)


def _gap(masked: str, depth: list[int] | None, base: int, a: _Unit, b: _Unit) -> str:
    """The text between two units at parenthesis depth ``base``, parentheses left out."""
    if depth is None:
        return masked[a.end:b.start]
    return "".join(char for char, d in zip(masked[a.end:b.start], depth[a.end:b.start])
                   if d == base and char not in "()[]")


def _sequence(masked: str, depth: list[int] | None, base: int, units: list[_Unit],
              any_and: bool) -> Node:
    """Units at one depth: split at clause breaks and relations (and), then coordinations."""
    if len(units) == 1:
        return units[0].node
    kinds = [_kind(_gap(masked, depth, base, a, b)) for a, b in zip(units, units[1:])]
    if any_and and _AND in kinds:
        # an exclusion's "A, B and C" excludes a patient with any of them; "both" keeps and
        kinds = [_OR if k == _AND and not _BOTH.search(masked, 0, units[i].start) else k
                 for i, k in enumerate(kinds)]
    clauses: list[Node] = []
    begin = 0
    for i in range(len(units)):
        if i == len(units) - 1 or kinds[i] in (_LOOSE, _REL):
            ops = _resolve_commas(units[begin:i + 1], kinds[begin:i], any_and)
            clauses.append(_coordination(units[begin:i + 1], ops, 0, i + 1 - begin))
            begin = i + 1
    return _node("and", clauses)


def _resolve_commas(terms: list[_Unit], ops: list[str], any_and: bool) -> list[str]:
    """Commas take the conjunction that ends their list ("X, Y, or Z"), else the one before
    them; a bare list is ``or`` unless it lists measurements or demographics."""
    resolved = list(ops)
    for i, kind in enumerate(ops):
        if kind not in (_COMMA, _COMMA_V):
            continue
        ahead = next((k for k in ops[i + 1:] if k not in (_COMMA, _COMMA_V)), None)
        behind = next((k for k in reversed(ops[:i]) if k not in (_COMMA, _COMMA_V)), None)
        for near in (ahead, behind):
            if near in (_OR, _NOR, _AND):
                resolved[i] = _OR if near == _NOR else near
                break
        else:
            labels = terms[i].labels | terms[i + 1].labels
            if not any_and and (kind == _COMMA_V or labels <= _LIST_AND):
                resolved[i] = _AND  # "ANC ≥ 1.5, platelets ≥ 100": all of them
            else:
                resolved[i] = _OR
    return resolved


_LEVELS = ((_AND,), (_OR, _NOR), (_SLASH,))
_LEVEL_OP = ("and", "or", "or")


def _coordination(terms: list[_Unit], ops: list[str], lo: int, hi: int, level: int = 0) -> Node:
    """Node over terms[lo:hi]; ops[i] joins terms[i] and terms[i + 1]."""
    if hi - lo == 1:
        return terms[lo].node
    while level < len(_LEVELS):
        cuts = [i for i in range(lo, hi - 1) if ops[i] in _LEVELS[level]]
        if cuts:
            break
        level += 1
    else:
        return _node("and", [t.node for t in terms[lo:hi]])
    args: list[Node] = []
    begin = lo
    for cut in [*cuts, hi - 1]:
        args.append(_coordination(terms, ops, begin, cut + 1, level + 1))
        begin = cut + 1
    node = _node(_LEVEL_OP[level], args)
    if any(ops[i] == _NOR for i in cuts):
        node = {"op": "not", "args": [node]}  # "neither X nor Y", "no X nor Y"
    return node


def tree(text: str, start: int, entities: Iterable[Mapping[str, Any]],
         section: str | None = None) -> Node | None:
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
    units = _units(leaves, masked, section == "exclusion")
    if len(units) == 1:
        return units[0].node
    depth = _depths(masked) if "(" in masked or "[" in masked else None
    return _combine(masked, depth, units, section == "exclusion")


def logic_tree(text: str, start: int, entities: Iterable[Mapping[str, Any]],
               section: str | None = None) -> str | None:
    """``criteria.logic`` of one criterion, as compact JSON, or None.

    ``text``: the criterion's text (``criteria.text``); ``start``: its offset in the trial's
    source text (``criteria.start``); ``entities``: the criterion's entity rows (dicts with at
    least ``entity_id``, ``label``, ``start``, ``end`` as source-text offsets, and optionally
    ``exception``). Rows of other labels or outside the criterion are ignored.
    ``section``: ``criteria.section``; in an ``exclusion`` criterion a list joined by "and"
    ("history of MI, stroke and TIA") excludes a patient who has any of them, so it is read as
    ``or`` ("both X and Y" stays ``and``); otherwise "and" is ``and``.
    """
    node = tree(text, start, entities, section)
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


_ANY = re.compile(r"\b(?:at\s+least\s+(?:one|1)\s+(?:\w+\s+){0,2}?of|any\s+(?:one\s+)?of|"
                  r"one\s+or\s+(?:more|both)\s+of|either\s+of|"
                  r"(?:one|1)\s+(?:or\s+more\s+)?of\s+(?:the\s+following|these))\b", re.I)
_ALL = re.compile(r"\b(?:all\s+(?:of\s+)?(?:the\s+|these\s+)?(?:following|criteria|conditions)|"
                  r"each\s+of\s+the\s+following|both\s+of\s+the\s+following|"
                  r"(?:must|should|will|to)\s+(?:\w+\s+){0,2}?(?:meet|fulfil+|satisfy|have)\s+"
                  r"(?:\w+\s+){0,1}?the\s+following|"
                  r"following\s+(?:\w+\s+){0,2}?(?:must|should|have\s+to|need\s+to)\s+be\s+"
                  r"(?:met|fulfil+ed|satisfied|present))\b", re.I)
# "at least two of the following": a count, neither any nor all
_COUNT = re.compile(r"\b(?:at\s+least|a\s+minimum\s+of)\s+(?:two|three|four|[2-9])\s+"
                    r"(?:\w+\s+){0,2}?of\b", re.I)


def children_op(text: str) -> str | None:
    """How a criterion's children combine: "any", "all", or None when the text does not say.

    Meant for a criterion that has children (its sub-items are what it combines)."""
    lowered = text.lower()
    if "of" not in lowered and "follow" not in lowered:
        return None
    if _COUNT.search(text):
        return None
    if _ANY.search(text):
        return "any"
    if _ALL.search(text):
        return "all"
    return None
