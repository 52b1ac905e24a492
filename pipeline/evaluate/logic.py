"""``criteria.logic`` against Chia's OR sets and AND relations.

Gold: Chia (``chia_with_scope``, the variant ``evaluate chia`` reads), one criterion per line.
Every pair of entities in an ``OR`` set (``*\\tOR T1 T2 …``, and the few ``R…\\tOR``
relations) is a gold OR pair, every ``AND`` relation a gold AND pair, when both entities are of
the clinical types (:data:`CLINICAL`); a set member that is a ``Scope`` is not expanded. Spans
are read as :mod:`pipeline.train.brat` reads them (discontinuous spans as their full extent,
edges trimmed, spans whose offsets miss their text dropped).

Each gold entity is paired with the predicted leaf that overlaps it most (ties: the one with
less text outside it, then the earlier). A gold pair is found as OR (AND) when its two
predicted leaves are distinct and the lowest common ancestor of the two in the criterion's tree
is an ``or`` (``and``) node.

Predicted leaves come from the tagger applied to each Chia line as a criterion, so on
``validation`` (training trials) they come from a model trained on those very trials and are
flattering; ``dev`` is the honest figure. The section passed to the trees is the file's
(``_inc`` inclusion, ``_exc`` exclusion).

* OR recall: gold OR pairs found as OR / gold OR pairs;
* OR precision: predicted OR pairs that are the image of a gold OR pair / predicted OR pairs
  whose two leaves are both the image of some gold clinical entity (a pair of leaves Chia did
  not annotate as clinical entities cannot be judged);
* AND recall: gold AND pairs found as AND / gold AND pairs.

Two kinds of leaves are scored: the tagger's entity rows (predicted leaves, what the pipeline
writes: NER and rule errors included), and Chia's own clinical entities with its values and
temporals as the transparent rows (gold leaves: the logic alone). Each is scored for
:func:`pipeline.tag.logic.tree` and for the baseline (:func:`baseline_tree`).

The split: ``dev`` is the dev split of ``evaluate chia`` (:func:`pipeline.train.brat.is_dev`);
``train`` the other trials; ``validation`` a fixed fifth of the training trials (a salted hash
of the NCT id, :func:`is_validation`) on which the rules of :mod:`pipeline.tag.logic` were
chosen; ``fit`` the training trials outside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.tag.logic import LEAF_LABELS, Node, pair_ops, tree
from pipeline.train.brat import _entity, _resolve, chia_folder, hash_percent, is_dev, trial_of

__all__ = ["CLINICAL", "LogicReport", "Scores", "baseline_tree", "evaluate_logic",
           "format_report", "is_validation", "read_logic_folder"]

CLINICAL = ("condition", "drug", "procedure", "measurement", "observation", "device")
_TYPES = {name.capitalize(): name for name in (*CLINICAL, "value", "temporal")}
VALIDATION_SALT = "elig-chia-logic-validation-v1"
VALIDATION_PERCENT = 20
SPLITS = ("dev", "train", "validation", "fit", "all")

_LINE = re.compile(r"[^\r\n]+")


def is_validation(trial_id: str) -> bool:
    """The validation part of the training trials (never a dev trial)."""
    return not is_dev(trial_id) and hash_percent(VALIDATION_SALT, trial_id) < VALIDATION_PERCENT


def _in_split(trial_id: str, split: str) -> bool:
    if split == "all":
        return True
    if split == "dev":
        return is_dev(trial_id)
    if split == "train":
        return not is_dev(trial_id)
    if split == "validation":
        return is_validation(trial_id)
    if split == "fit":
        return not is_dev(trial_id) and not is_validation(trial_id)
    raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")


@dataclass
class GoldLine:
    """One criterion line: its gold entity rows and gold pairs (entity ids)."""

    name: str
    index: int
    start: int
    text: str
    entities: list[dict] = field(default_factory=list)  # clinical, value and temporal rows
    or_pairs: set[frozenset[str]] = field(default_factory=set)
    and_pairs: set[frozenset[str]] = field(default_factory=set)

    @property
    def section(self) -> str:
        return "exclusion" if self.name.endswith("_exc") else "inclusion"

    @property
    def criterion_id(self) -> str:
        return f"{self.name}:{self.index}"


@dataclass
class GoldFile:
    name: str
    trial_id: str
    lines: list[GoldLine]
    cross_line: int = 0  # gold pairs whose entities sit on different lines (never findable)


def read_logic_file(txt_path: Path) -> GoldFile:
    with open(txt_path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    name = txt_path.stem
    lines = [GoldLine(name, n, m.start(), m.group())
             for n, m in enumerate(_LINE.finditer(text), start=1)]
    ann_path = txt_path.with_suffix(".ann")
    raw = ann_path.read_text(encoding="utf-8").splitlines() if ann_path.exists() else []
    home: dict[str, GoldLine] = {}
    for ann in raw:
        entity = _entity(ann, _TYPES)
        if entity is None:
            continue
        label, fragments, surface = entity
        extent = _resolve(text, fragments, surface)
        if extent is None:
            continue
        line = next((ln for ln in lines if ln.start <= extent[0] < ln.start + len(ln.text)),
                    None)
        if line is None or extent[1] > line.start + len(line.text):
            continue
        ident = ann.split("\t", 1)[0]
        line.entities.append({"entity_id": ident, "label": label, "start": extent[0],
                              "end": extent[1], "text": text[extent[0]:extent[1]],
                              "exception": False})
        home[ident] = line
    cross = 0

    def add(kind: str, members: list[str]) -> None:
        nonlocal cross
        members = [m for m in members if m in home and
                   next(e for e in home[m].entities if e["entity_id"] == m)["label"] in CLINICAL]
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a == b:
                    continue
                if home[a] is not home[b]:
                    cross += 1
                    continue
                pairs = home[a].or_pairs if kind == "OR" else home[a].and_pairs
                pairs.add(frozenset((a, b)))

    for ann in raw:
        parts = ann.split("\t")
        if len(parts) < 2:
            continue
        fields = parts[1].split()
        if not fields:
            continue
        if ann.startswith("*") and fields[0] == "OR":
            add("OR", fields[1:])
        elif ann.startswith("R") and fields[0] in ("OR", "AND"):
            args = [f.split(":", 1)[1] for f in fields[1:] if ":" in f]
            add(fields[0], args)
    for line in lines:
        line.entities.sort(key=lambda e: (e["start"], e["end"], e["entity_id"]))
    return GoldFile(name, trial_of(name), lines, cross)


def read_logic_folder(path: Path, split: str = "dev") -> list[GoldFile]:
    folder = chia_folder(Path(path))
    return [read_logic_file(p) for p in sorted(folder.glob("*.txt"))
            if _in_split(trial_of(p.stem), split)]


# ---------------------------------------------------------------------------------------------
# the baseline

_BASELINE_JOIN = re.compile(r",|/|\bor\b", re.I)


def baseline_tree(text: str, start: int, entities: list[dict],
                  section: str | None = None) -> Node | None:
    """A comma, slash or "or" within 40 characters between neighbouring leaves puts them in one
    OR group; the groups sit under one AND."""
    leaves = sorted((e for e in entities
                     if e["label"] in LEAF_LABELS and not e.get("exception")),
                    key=lambda e: (e["start"], e["end"]))
    if len(leaves) < 2:
        return None
    groups: list[list[dict]] = [[leaves[0]]]
    for previous, leaf in zip(leaves, leaves[1:]):
        gap = text[previous["end"] - start:leaf["start"] - start]
        if previous["end"] <= leaf["start"] and len(gap) <= 40 and _BASELINE_JOIN.search(gap):
            groups[-1].append(leaf)
        else:
            groups.append([leaf])
    args: list[Node] = [g[0]["entity_id"] if len(g) == 1 else
                        {"op": "or", "args": [e["entity_id"] for e in g]} for g in groups]
    return {"op": "and", "args": args}


# ---------------------------------------------------------------------------------------------
# scoring


@dataclass
class Scores:
    gold_or: int = 0
    found_or: int = 0
    pred_or: int = 0  # predicted OR pairs over two leaves that are images of gold entities
    right_or: int = 0
    gold_and: int = 0
    found_and: int = 0
    # gold pairs no tree could find, by cause: an entity no predicted leaf overlaps, both
    # entities in one predicted leaf, a leaf inside an exception (kept out of the tree)
    or_unmatched: int = 0
    or_same: int = 0
    or_exception: int = 0
    and_unmatched: int = 0
    and_same: int = 0
    and_exception: int = 0

    def add(self, other: Scores) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def or_precision(self) -> float:
        return self.right_or / self.pred_or if self.pred_or else 0.0

    @property
    def or_recall(self) -> float:
        return self.found_or / self.gold_or if self.gold_or else 0.0

    @property
    def or_f1(self) -> float:
        p, r = self.or_precision, self.or_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def and_recall(self) -> float:
        return self.found_and / self.gold_and if self.gold_and else 0.0


def _best_match(gold: dict, predicted: list[dict]) -> str | None:
    best, key = None, None
    for row in predicted:
        overlap = min(gold["end"], row["end"]) - max(gold["start"], row["start"])
        if overlap <= 0:
            continue
        rank = (-overlap, row["end"] - row["start"] - overlap, row["start"], row["entity_id"])
        if key is None or rank < key:
            best, key = row["entity_id"], rank
    return best


def score_line(line: GoldLine, predicted: list[dict], node: Node | None,
               scores: Scores) -> None:
    """Add one criterion's pairs to ``scores``; ``predicted``: its entity rows, ``node``: the
    tree built over them."""
    leaves = [r for r in predicted if r["label"] in LEAF_LABELS]
    excepted = {r["entity_id"] for r in leaves if r.get("exception")}
    ops = pair_ops(node) if node is not None else {}
    image = {g["entity_id"]: _best_match(g, leaves) for g in line.entities
             if g["label"] in CLINICAL}
    mapped_or = set()
    for kind, pairs in (("or", line.or_pairs), ("and", line.and_pairs)):
        for pair in pairs:
            a, b = (image.get(x) for x in pair)
            setattr(scores, f"gold_{kind}", getattr(scores, f"gold_{kind}") + 1)
            cause = ("unmatched" if not a or not b else "same" if a == b else
                     "exception" if a in excepted or b in excepted else None)
            if cause is not None:
                name = f"{kind}_{cause}"
                setattr(scores, name, getattr(scores, name) + 1)
                continue
            mapped = frozenset((a, b))
            if kind == "or":
                mapped_or.add(mapped)
            if ops.get(mapped) == kind:
                setattr(scores, f"found_{kind}", getattr(scores, f"found_{kind}") + 1)
    judged = {x for x in image.values() if x}
    for pair, op in ops.items():
        if op == "or" and pair <= judged:
            scores.pred_or += 1
            scores.right_or += pair in mapped_or


@dataclass
class LogicReport:
    split: str
    files: int = 0
    lines: int = 0
    cross_line: int = 0
    model: str = ""
    scores: dict[str, Scores] = field(default_factory=dict)  # "<leaves>/<method>" -> scores


TreeFn = Callable[[str, int, list[dict]], Any]
METHODS: dict[str, TreeFn] = {"ours": tree, "baseline": baseline_tree}


def _predict(files: list[GoldFile], tagger: Any) -> dict[str, list[dict]]:
    """The tagger's entity rows per criterion line (file offsets), keyed by criterion id."""
    criteria = [{"trial_id": f.name, "criterion_id": line.criterion_id, "start": line.start,
                 "end": line.start + len(line.text), "text": line.text}
                for f in files for line in f.lines]
    out: dict[str, list[dict]] = {c["criterion_id"]: [] for c in criteria}
    for row in tagger.tag_criteria(criteria):
        out[row["criterion_id"]].append(row)
    return out


def _shown(model: Any) -> str:
    """The model as a person reads it: relative to the repository when inside it."""
    from pipeline.paths import REPO

    if not model:
        return "rules"
    path = Path(model).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(model)


def evaluate_logic(chia_dir: Path | str, split: str = "dev", tagger: Any = None,
                   predicted: dict[str, list[dict]] | None = None) -> LogicReport:
    """Score the logic trees on Chia's ``split`` with predicted and with gold leaves.

    ``tagger``: an :class:`~pipeline.tag.tagger.EntityTagger` (default: ``pipeline.load_tagger()``,
    the shipped model); ``predicted``: entity rows per criterion id computed already (then no
    tagger runs).
    """
    files = read_logic_folder(Path(chia_dir), split)
    report = LogicReport(split, files=len(files))
    if predicted is None:
        if tagger is None:
            import pipeline

            tagger = pipeline.load_tagger(quiet=True)
        report.model = _shown(getattr(tagger, "model", None))
        predicted = _predict(files, tagger)
    for leaves in ("predicted", "gold"):
        for method in METHODS:
            report.scores[f"{leaves}/{method}"] = Scores()
    for f in files:
        report.cross_line += f.cross_line
        for line in f.lines:
            report.lines += 1
            rows = {"predicted": predicted.get(line.criterion_id, []), "gold": line.entities}
            for leaves, entity_rows in rows.items():
                for method, build in METHODS.items():
                    node = build(line.text, line.start, entity_rows, line.section)
                    score_line(line, entity_rows, node, report.scores[f"{leaves}/{method}"])
    return report


def format_report(report: LogicReport) -> str:
    first = next(iter(report.scores.values()), Scores())
    out = [
        f"logic on chia {report.split}: {report.files} files, {report.lines} criterion lines; "
        f"gold OR pairs {first.gold_or}, gold AND pairs {first.gold_and} (clinical types; "
        f"{report.cross_line} more cross a line and are not scored)",
        f"{'leaves':<10} {'method':<9} {'OR P':>6} {'OR R':>6} {'OR F1':>6} {'AND R':>6}   "
        f"{'pred OR pairs':>13}",
    ]
    for key, s in report.scores.items():
        leaves, method = key.split("/")
        out.append(f"{leaves:<10} {method:<9} {s.or_precision:>6.3f} {s.or_recall:>6.3f} "
                   f"{s.or_f1:>6.3f} {s.and_recall:>6.3f}   {s.pred_or:>13}")
    out.append("gold pairs no tree can find (the same for both methods), of OR / AND pairs:")
    for leaves in ("predicted", "gold"):
        s = report.scores.get(f"{leaves}/ours")
        if s is None:
            continue
        out.append(f"  {leaves} leaves: an entity without a leaf {s.or_unmatched} / "
                   f"{s.and_unmatched}, both in one leaf {s.or_same} / {s.and_same}, in an "
                   f"exception {s.or_exception} / {s.and_exception}")
        reachable_or = s.gold_or - s.or_unmatched - s.or_same - s.or_exception
        reachable_and = s.gold_and - s.and_unmatched - s.and_same - s.and_exception
        if reachable_or and reachable_and:
            out.append(f"  {leaves} leaves, of the pairs a tree can find: OR recall "
                       f"{s.found_or / reachable_or:.3f}, AND recall "
                       f"{s.found_and / reachable_and:.3f}")
    if report.model:
        out.append(f"predicted leaves: the tagger's entity rows ({report.model})")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """``python -m pipeline.evaluate.logic [CHIA_DIR] [--split dev|validation|…] [--model M]``"""
    import argparse

    from pipeline.paths import SHARED_DATA

    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluate.logic",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("chia", nargs="?", default=str(SHARED_DATA / "chia"))
    parser.add_argument("--split", default="dev", choices=SPLITS)
    parser.add_argument("--model", default=None, help="spaCy pipeline dir, or 'rules'")
    args = parser.parse_args(argv)
    import pipeline

    tagger = pipeline.load_tagger(args.model, quiet=True)
    print(format_report(evaluate_logic(args.chia, args.split, tagger)))


if __name__ == "__main__":
    main()
