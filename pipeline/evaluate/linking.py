"""``evaluate linking``: MeSH codes of gold mentions (BC5CDR, NCBI disease) and the share of the
shared records' entities that get a code.

* Gold mentions are given; each is linked as the pipeline links an entity: its text, and the
  long form when the abstract defines it as an abbreviation (scispaCy's detector, as for a
  trial). acc@k: the gold MeSH id is among the first k MeSH codes.
* Composite mentions (several ids, ``|`` or ``+``) and ``-1`` ids are skipped and counted. NCBI
  also codes to OMIM and to supplementary concepts (``C…``), which a MeSH descriptor list
  cannot give: they stay in the denominator (the ceiling is the printed share of descriptor ids).
* **+ training mentions**: the train parts' mentions (text -> gold id) join the vocabularies as
  extra names, as published linkers do; the dev parts are never read for anything but scoring.
  The figures without them are printed too.
* Thresholds (``linker.THRESHOLDS``) were chosen by ``choose_thresholds`` on a validation part:
  every fifth document of the train parts, linked with extra names from the other four fifths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pipeline.linking.text import long_form_of

__all__ = ["Mention", "read_pubtator", "evaluate_linking", "LinkingReport"]

BC5CDR = ("bc5cdr", "CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt")
NCBI = ("ncbi_disease", "NCBItrainset_corpus.txt", "NCBIdevelopset_corpus.txt")
_TYPE = {"Disease": "condition", "SpecificDisease": "condition", "DiseaseClass": "condition",
         "Modifier": "condition", "CompositeMention": "condition", "Chemical": "drug"}


@dataclass
class Mention:
    doc: str
    text: str
    label: str  # condition or drug
    ids: tuple[str, ...]
    long_form: str | None = None


def read_pubtator(path: Path, long_forms: bool = True) -> list[Mention]:
    """Mentions of a PubTator file, with the long form of each abbreviation its abstract
    defines."""
    mentions: list[Mention] = []
    text: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "|t|" in line[:20] or "|a|" in line[:20]:
            pmid, _, body = line.split("|", 2)
            text[pmid] = text.get(pmid, "") + (" " if pmid in text else "") + body
            continue
        parts = line.split("\t")
        if len(parts) >= 6 and parts[4] in _TYPE:
            ids = tuple(i.strip() for i in re.split(r"[|+]", parts[5]) if i.strip())
            mentions.append(Mention(parts[0], parts[3], _TYPE[parts[4]], ids))
    if long_forms:
        defined = _abbreviations(text)
        for m in mentions:  # as the tagger does for a trial
            pairs = defined.get(m.doc, {})
            m.long_form = long_form_of(m.text, pairs)
    return mentions


def _abbreviations(texts: dict[str, str]) -> dict[str, dict[str, str]]:
    from pipeline.tag.nlp import build_nlp
    from pipeline.tag.tagger import abbreviations

    nlp = build_nlp(None)
    detector = nlp.get_pipe("elig_abbreviations")  # the pipeline's own: scispaCy's and more_definitions
    found = {}
    for pmid, body in texts.items():
        doc = detector(nlp.make_doc(body))
        found[pmid] = dict(abbreviations(doc))
    return found


@dataclass
class Score:
    name: str
    total: int = 0
    skipped: int = 0
    at1: int = 0
    at5: int = 0
    coded: int = 0
    descriptor_gold: int = 0  # gold id is a MeSH descriptor (D…): the reachable part

    def line(self) -> str:
        n = self.total or 1
        return (f"{self.name:<44} {self.total:>6} {self.at1 / n:>7.3f} {self.at5 / n:>7.3f} "
                f"{self.coded / n:>7.3f} {self.descriptor_gold / n:>9.3f}   "
                f"(skipped {self.skipped}: composite or -1)")


def score(mentions: Iterable[Mention], linker, name: str) -> Score:
    result = Score(name)
    for m in mentions:
        if len(m.ids) != 1 or m.ids[0] == "-1":
            result.skipped += 1
            continue
        gold = m.ids[0]
        result.total += 1
        result.descriptor_gold += gold.startswith("D")
        codes = [c.code for c in linker.link(m.text, m.label, m.long_form) if c.system == "MESH"]
        result.coded += bool(codes)
        result.at1 += codes[:1] == [gold]
        result.at5 += gold in codes[:5]
    return result


def _extra(mentions: Iterable[Mention]) -> dict[str, list[tuple[str, str]]]:
    return {"MESH": [(m.text, m.ids[0]) for m in mentions
                     if len(m.ids) == 1 and m.ids[0] != "-1"]}


@dataclass
class LinkingReport:
    scores: list[Score] = field(default_factory=list)
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    chia: tuple[int, int, int] | None = None  # (right, changed since checked, checked)

    def lines(self) -> list[str]:
        out = [f"{'MeSH of gold mentions (dev parts)':<44} {'n':>6} {'acc@1':>7} {'acc@5':>7} "
               f"{'coded':>7} {'D… gold':>9}"]
        out += [s.line() for s in self.scores]
        out.append("published (disease, acc@1): BioSyn 0.932 (BC5CDR) / 0.938 (NCBI); "
                   "SapBERT 0.935 / 0.922; sieve-based (D'Souza & Ng 2015) 0.847 (NCBI test)")
        if self.chia is not None:
            right, changed, total = self.chia
            out.append(f"Chia dev, {total} hand-checked condition mentions: {right}/{total - changed} "
                       f"correct ({right / max(total - changed, 1):.2f}); {changed} coded "
                       "otherwise since they were checked (not counted)")
        for label, (coded, total) in self.coverage.items():
            out.append(f"ctgov_records {label} entities with a code: {coded}/{total} "
                       f"({coded / total if total else 0:.1%})")
        return out


def evaluate_linking(shared: Path, records: Path | None = None, top: int = 5) -> LinkingReport:
    from pipeline.linking.linker import Linker

    report = LinkingReport()
    corpora = {}
    for folder, train, dev in (BC5CDR, NCBI):
        base = shared / folder
        if (base / train).exists() and (base / dev).exists():
            corpora[folder] = (read_pubtator(base / train), read_pubtator(base / dev))
    plain = Linker(top=top)
    train_all = [m for train, _ in corpora.values() for m in train if m.label == "condition"]
    chem_train = [m for train, _ in corpora.values() for m in train if m.label == "drug"]
    extra = _extra(train_all + chem_train)
    trained = Linker(index=plain.index, extra_terms=extra, top=top)
    for folder, (_, dev) in corpora.items():
        for label, kind in (("condition", "Disease"), ("drug", "Chemical")):
            part = [m for m in dev if m.label == label]
            if not part:
                continue
            report.scores.append(score(part, plain, f"{folder} {kind}, vocabularies only"))
            report.scores.append(score(part, trained, f"{folder} {kind}, + training mentions"))
    report.chia = hand_checked(Linker(index=plain.index))
    if records is not None and records.exists():
        report.coverage = coverage(records, plain)
    return report


CHECKED = Path(__file__).resolve().parent / "data" / "chia_conditions_checked.tsv"


def hand_checked(linker, path: Path = CHECKED) -> tuple[int, int, int]:
    """(right, changed, checked) over the hand-checked Chia condition mentions: a mention whose
    best code (ICD-10-CM, else MeSH) is still the one judged keeps its verdict; one coded
    otherwise now is counted as changed, to be judged again."""
    import csv

    right = changed = total = 0
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")),
                              delimiter="\t")
        for row in rows:
            total += 1
            codes = linker.link(row["mention"], "condition")
            best = next((c for c in codes if c.system == "ICD10CM"), None) or \
                next((c for c in codes if c.system == "MESH"), None)
            if (best.code if best else "") != row["code"]:
                changed += 1
            else:
                right += row["correct"] == "1"
    return right, changed, total


def _folds(mentions: list, folds: int = 5) -> dict[str, int]:
    """Document -> its validation fold: every ``folds``-th document, sorted by id."""
    return {doc: n % folds for n, doc in enumerate(sorted({m.doc for m in mentions}))}


def choose_thresholds(shared: Path) -> list[str]:
    """The approximate-match threshold per label that maximizes F1 of correct MeSH codes
    (precision: correct among coded; recall: correct among all) on the validation part: every
    fifth train document, with the other train documents' mentions as extra names."""
    from pipeline.linking.linker import THRESHOLDS as THRESHOLD_SYSTEMS, Linker

    mentions = []
    for folder, train, _ in (BC5CDR, NCBI):
        if (shared / folder / train).exists():
            mentions += read_pubtator(shared / folder / train)
    held = {d for d, fold in _folds(mentions).items() if fold == 0}
    fit = [m for m in mentions if m.doc not in held]
    linker = Linker(extra_terms=_extra(fit), thresholds=dict.fromkeys(THRESHOLD_SYSTEMS, 0.0))
    lines = []
    for label in ("condition", "drug"):
        scored = []
        for m in mentions:
            if m.doc in held and m.label == label and len(m.ids) == 1 and m.ids[0] != "-1":
                codes = [c for c in linker.link(m.text, m.label, m.long_form) if c.system == "MESH"]
                scored.append((codes[0].score, codes[0].code == m.ids[0]) if codes else None)
        best = None
        for step in range(10, 20):
            t = step / 20
            coded = [ok for s in scored if s is not None and s[0] >= t for ok in (s[1],)]
            correct = sum(coded)
            p = correct / len(coded) if coded else 0.0
            r = correct / len(scored) if scored else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            lines.append(f"{label} threshold {t:.2f}: precision {p:.3f} recall {r:.3f} F1 {f1:.3f}")
            if best is None or f1 > best[0]:
                best = (f1, t)
        lines.append(f"{label}: best threshold {best[1]:.2f} (F1 {best[0]:.3f}, "
                     f"{len(scored)} validation mentions)")
    return lines


def coverage(records: Path, linker) -> dict[str, tuple[int, int]]:
    """(entities with a code, entities) per label on the records, as the pipeline tags them."""
    import pipeline

    tables = pipeline.parse_files([records])
    coded = set(tables.codes.entity_id)
    out = {}
    for label in ("condition", "drug", "measurement"):
        ids = tables.entities.entity_id[tables.entities.label == label]
        out[label] = (int(ids.isin(coded).sum()), len(ids))
    return out


def validate(shared: Path, folds: int = 5) -> list[str]:
    """acc@1 and acc@5 of MeSH codes on validation folds of the *train* parts only (the dev
    parts are never read): the train documents are cut into ``folds`` parts (every
    ``folds``-th document, sorted by id); each part is linked with the other parts' mentions
    and the other corpus's train mentions as extra names (as the dev parts are linked with
    both train parts'), and the scores of all parts are pooled. What linking is developed and
    its thresholds chosen on; ``evaluate_linking`` reports the dev parts."""
    from pipeline.linking.linker import Linker

    lines = [f"{'MeSH of gold mentions (train folds)':<44} {'n':>6} {'acc@1':>7} {'acc@5':>7} "
             f"{'coded':>7} {'D… gold':>9}"]
    corpora = {folder: read_pubtator(shared / folder / train)
               for folder, train, _ in (BC5CDR, NCBI) if (shared / folder / train).exists()}
    plain = Linker() if corpora else None  # its index, shared by every fold's linker
    for folder, mentions in corpora.items():
        others = [m for f, ms in corpora.items() if f != folder for m in ms]
        fold_of = _folds(mentions, folds)
        for label, kind in (("condition", "Disease"), ("drug", "Chemical")):
            if not any(m.label == label for m in mentions):
                continue
            total = Score(f"{folder} {kind}, {folds} folds, + other folds")
            for fold in range(folds):
                fit = [m for m in mentions if fold_of[m.doc] != fold] + others
                held = [m for m in mentions if fold_of[m.doc] == fold and m.label == label]
                linker = Linker(index=plain.index, extra_terms=_extra(fit), top=5)
                part = score(held, linker, "")
                for name in ("total", "skipped", "at1", "at5", "coded", "descriptor_gold"):
                    setattr(total, name, getattr(total, name) + getattr(part, name))
            lines.append(total.line())
    return lines
