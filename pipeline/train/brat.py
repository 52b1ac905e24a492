"""Chia brat standoff -> gold spans per criterion line: one reading for training and evaluation.

Decisions, stated once so the figures can be read:

* ``.txt`` is read with ``newline=""``: Chia's offsets count the ``\\r`` of CRLF line ends.
* A **discontinuous** span (``T1\\tCondition 10 20;25 30``) becomes its full extent, first start
  to last end, whatever order the fragments are listed in
  (``major impairment of renal [or hepatic] function``): the model tags contiguous
  token runs, and the extent is the contiguous phrase a reader would mark.
* Edge whitespace is trimmed; a span whose offsets do not reproduce its surface text (a known
  upstream slip, 20 of 40,492 spans) or that crosses a line break is dropped and counted.
* One **line is one criterion** and one training example: the model is applied to one criterion
  at a time, so it learns on the same unit.
* **Overlapping** spans are all kept here (a span categorizer can use them); :func:`longest_first`
  makes the non-overlapping set NER needs, preferring the longer span.
* Labels are lower case; ``TYPES`` maps the Chia entity types that are trained.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "EVALUATED", "TYPES", "ChiaFile", "GoldSpan", "Line", "chia_folder", "dev_trial_ids",
    "dev_trials", "is_dev",
    "hash_percent", "longest_first", "read_file", "read_folder", "trial_of", "validation_trials",
]

EVALUATED = ("condition", "drug", "procedure", "measurement", "observation", "device", "value",
             "temporal")
TYPES = {name.capitalize(): name for name in EVALUATED}
VARIANT = "chia_with_scope"
SPLIT_SALT = "elig-chia-dev-v1"
DEV_PERCENT = 20
# The validation part, carved out of the training trials by another salted hash: training
# chooses its checkpoint on it, so the dev split is read only for the reported score.
VALIDATION_SALT = "elig-chia-validation-v1"
VALIDATION_PERCENT = 12

_LINE = re.compile(r"[^\r\n]+")
_NCT = re.compile(r"NCT\d{8}")


@dataclass(frozen=True, order=True)
class GoldSpan:
    """A labelled character span; offsets are into the whole ``.txt`` file."""

    start: int
    end: int
    label: str


@dataclass
class Line:
    """One criterion line and the gold spans inside it (offsets relative to the file)."""

    start: int
    end: int
    text: str
    spans: list[GoldSpan] = field(default_factory=list)
    # spans the model is told nothing about (LCT types with no clear counterpart here)
    missing: list[GoldSpan] = field(default_factory=list)
    # False: the tokens outside ``spans`` are missing too, not "no entity" (LCT positives only)
    negatives: bool = True


@dataclass
class ChiaFile:
    """One ``NCT…_inc`` / ``NCT…_exc`` document split into criterion lines."""

    name: str
    trial_id: str
    lines: list[Line]
    dropped: int = 0  # gold spans left out (bad offsets, across a line break)

    @property
    def spans(self) -> list[GoldSpan]:
        return [span for line in self.lines for span in line.spans]


def trial_of(name: str) -> str:
    """The NCT id in a Chia file name (``NCT00050349_inc`` -> ``NCT00050349``)."""
    match = _NCT.search(name)
    return match.group() if match else name.split("_")[0]


def hash_percent(salt: str, trial_id: str) -> int:
    """0-99 from a salted hash of an NCT id: every split of trials here is ``< percent`` of
    one of these, so it never depends on order and each salt gives an independent split."""
    digest = hashlib.sha256(f"{salt}:{trial_id}".encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100


def is_dev(trial_id: str) -> bool:
    """Fixed dev side of the split: a salted hash of the NCT id, so it never depends on order."""
    return hash_percent(SPLIT_SALT, trial_id) < DEV_PERCENT


def validation_trials(files: list[ChiaFile]) -> list[str]:
    """The sorted validation trial ids among the training ``files`` (dev trials are never
    among them): a salted hash of the NCT id, independent of the dev split's; at least one
    trial whenever there are two or more, so a tiny corpus still has a part to choose on."""
    train = sorted({f.trial_id for f in files if not is_dev(f.trial_id)})
    rank = {t: hash_percent(VALIDATION_SALT, t) for t in train}
    chosen = [t for t in train if rank[t] < VALIDATION_PERCENT]
    if not chosen and len(train) > 1:
        chosen = [min(train, key=lambda t: (rank[t], t))]
    return sorted(chosen)


def dev_trial_ids(path: Path, variant: str = VARIANT) -> set[str]:
    """The dev trial ids of the Chia folder ``path``, from the file names alone (no ``.ann``
    is read): what other corpora leave out so that dev stays unseen."""
    return {t for t in (trial_of(p.stem) for p in chia_folder(path, variant).glob("*.txt"))
            if is_dev(t)}


def dev_trials(files: list[ChiaFile]) -> list[str]:
    """The sorted dev trial ids among ``files``."""
    return sorted({f.trial_id for f in files if is_dev(f.trial_id)})


def chia_folder(path: Path, variant: str = VARIANT) -> Path:
    """The folder holding the ``.ann`` files: the ``variant`` subfolder when there is one (the
    layout of the Chia release), else ``path`` itself if it holds any, else the first subfolder
    that does (``chia_without_scope`` alone, say)."""
    if (path / variant).is_dir():
        return path / variant
    if any(path.glob("*.ann")):
        return path
    inner = sorted(p for p in path.iterdir() if p.is_dir() and any(p.glob("*.ann")))
    return inner[0] if inner else path


def _entity(line: str, types: dict[str, str]) -> tuple[str, list[tuple[int, int]], str] | None:
    """``T…`` line -> (label, fragments, surface text), or None for other lines and types."""
    parts = line.split("\t")
    if not line.startswith("T") or len(parts) < 2:
        return None
    kind, _, offsets = parts[1].partition(" ")
    if kind not in types:
        return None
    fragments = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
    return types[kind], [(a, b) for a, b in fragments], parts[2] if len(parts) > 2 else ""


def _resolve(text: str, fragments: list[tuple[int, int]], surface: str) -> tuple[int, int] | None:
    """Full extent of the fragments, edges trimmed; None when the offsets miss the surface."""
    pieces = " ".join(text[a:b] for a, b in fragments)
    if " ".join(pieces.split()) != " ".join(surface.split()):
        return None
    # fragments are listed out of order at times ("HIV infection Chronic")
    start, end = min(a for a, _ in fragments), max(b for _, b in fragments)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def read_file(txt_path: Path, types: dict[str, str] | None = None) -> ChiaFile:
    """One document with its gold spans of ``types`` (Chia type -> label; default the eight)."""
    types = TYPES if types is None else types
    with open(txt_path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    lines = [Line(m.start(), m.end(), m.group()) for m in _LINE.finditer(text)]
    ann_path = txt_path.with_suffix(".ann")
    dropped = 0
    seen: set[GoldSpan] = set()
    raw = ann_path.read_text(encoding="utf-8").splitlines() if ann_path.exists() else []
    for ann_line in raw:
        entity = _entity(ann_line, types)
        if entity is None:
            continue
        label, fragments, surface = entity
        extent = _resolve(text, fragments, surface)
        home = extent and next((ln for ln in lines if ln.start <= extent[0] < ln.end), None)
        if extent is None or home is None or extent[1] > home.end:
            dropped += 1
            continue
        span = GoldSpan(extent[0], extent[1], label)
        if span not in seen:
            seen.add(span)
            home.spans.append(span)
    for line in lines:
        line.spans.sort()
    return ChiaFile(txt_path.stem, trial_of(txt_path.stem), lines, dropped)


def read_folder(path: Path, split: str = "all", types: dict[str, str] | None = None,
                variant: str = VARIANT) -> list[ChiaFile]:
    """Every Chia document under ``path`` (sorted); ``split`` is all, train or dev."""
    if split not in ("all", "train", "dev"):
        raise ValueError(f"split must be all, train or dev, not {split!r}")
    folder = chia_folder(path, variant)
    return [read_file(p, types) for p in sorted(folder.glob("*.txt"))
            if split == "all" or is_dev(trial_of(p.stem)) == (split == "dev")]


def longest_first(spans: list[GoldSpan]) -> list[GoldSpan]:
    """A non-overlapping subset for NER: longer spans win, then earlier ones."""
    kept: list[GoldSpan] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= k.start or k.end <= span.start for k in kept):
            kept.append(span)
    return sorted(kept)
