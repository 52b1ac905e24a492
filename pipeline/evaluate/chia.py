"""``evaluate chia``: the NER model against Chia's gold entities, strict and relaxed.

Gold spans come from the training converter (:mod:`pipeline.train.brat`: discontinuous spans as
their full extent, edges trimmed, all overlapping spans kept). The model is applied to one
criterion line at a time, as the pipeline applies it.

* **strict**: a predicted span is right when a gold span has the same start, end and label.
* **relaxed**: precision is the share of predicted spans that overlap a gold span of the same
  label; recall the share of gold spans overlapped by a prediction of the same label.

Micro averages are over the eight evaluated types; predictions of other labels are ignored.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.tag.component import model_spans_key
from pipeline.train.brat import EVALUATED, ChiaFile, GoldSpan, read_folder

__all__ = ["ChiaReport", "Counts", "evaluate_chia", "predict", "score", "words_per_second"]

MICRO = "micro"


@dataclass
class Counts:
    """Tallies of one label; P/R/F1 derive from them."""

    gold: int = 0
    pred: int = 0
    strict: int = 0
    relaxed_pred: int = 0  # predictions overlapping a gold span of their label
    relaxed_gold: int = 0  # gold spans overlapped by a prediction of their label

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.strict += other.strict
        self.relaxed_pred += other.relaxed_pred
        self.relaxed_gold += other.relaxed_gold

    def strict_prf(self) -> tuple[float, float, float]:
        return _prf(self.strict, self.pred, self.strict, self.gold)

    def relaxed_prf(self) -> tuple[float, float, float]:
        return _prf(self.relaxed_pred, self.pred, self.relaxed_gold, self.gold)


def _prf(hit_p: int, pred: int, hit_r: int, gold: int) -> tuple[float, float, float]:
    precision = hit_p / pred if pred else 0.0
    recall = hit_r / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class ChiaReport:
    """Per-label counts plus what was scored and how fast."""

    labels: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in EVALUATED})
    files: int = 0
    lines_: int = 0
    words: int = 0
    seconds: float = 0.0
    model: str = ""

    @property
    def micro(self) -> Counts:
        total = Counts()
        for counts in self.labels.values():
            total.add(counts)
        return total

    def rows(self) -> list[tuple[str, Counts]]:
        return [*self.labels.items(), (MICRO, self.micro)]

    def lines(self) -> list[str]:
        rate = self.words / self.seconds if self.seconds else 0.0
        out = [
            f"model: {self.model}",
            f"chia: {self.files} files, {self.lines_} criterion lines, {self.words:,} words; "
            f"model time {self.seconds:.1f} s ({rate:,.0f} words/s)",
            f"{'label':<12} {'gold':>6} {'pred':>6}   {'strict P':>8} {'R':>6} {'F1':>6}   "
            f"{'relaxed P':>9} {'R':>6} {'F1':>6}",
        ]
        for label, counts in self.rows():
            sp, sr, sf = counts.strict_prf()
            rp, rr, rf = counts.relaxed_prf()
            out.append(f"{label:<12} {counts.gold:>6} {counts.pred:>6}   {sp:>8.3f} {sr:>6.3f} "
                       f"{sf:>6.3f}   {rp:>9.3f} {rr:>6.3f} {rf:>6.3f}")
        return out


def _overlaps(a: GoldSpan, b: GoldSpan) -> bool:
    return a.label == b.label and a.start < b.end and b.start < a.end


def score(gold: Iterable[GoldSpan], pred: Iterable[GoldSpan],
          report: ChiaReport | None = None) -> ChiaReport:
    """Add one document's gold and predicted spans to ``report`` (a new one when None)."""
    report = report or ChiaReport()
    gold = sorted({g for g in gold if g.label in report.labels})
    pred = sorted({p for p in pred if p.label in report.labels})
    gold_set = set(gold)
    for span in gold:
        counts = report.labels[span.label]
        counts.gold += 1
        counts.relaxed_gold += any(_overlaps(span, p) for p in pred)
    for span in pred:
        counts = report.labels[span.label]
        counts.pred += 1
        counts.strict += span in gold_set
        counts.relaxed_pred += any(_overlaps(span, g) for g in gold)
    return report


def doc_spans(doc: Doc, offset: int = 0, spans_key: str | None = None) -> list[GoldSpan]:
    """The model's spans of a Doc: ``doc.ents`` (NER) or the span group ``spans_key`` (spancat)."""
    spans = doc.ents if spans_key is None else doc.spans.get(spans_key, [])
    return [GoldSpan(offset + s.start_char, offset + s.end_char, s.label_) for s in spans]


def predict(nlp: Language, files: list[ChiaFile], batch_size: int = 256
            ) -> tuple[list[list[GoldSpan]], float]:
    """Predicted spans per file (file offsets), and the seconds the model took."""
    lines = [(i, line) for i, chia in enumerate(files) for line in chia.lines]
    found: list[list[GoldSpan]] = [[] for _ in files]
    key = model_spans_key(nlp)
    started = time.perf_counter()
    docs = nlp.pipe((line.text for _, line in lines), batch_size=batch_size)
    for (i, line), doc in zip(lines, docs):
        found[i].extend(doc_spans(doc, line.start, key))
    return found, time.perf_counter() - started


def evaluate_chia(path: Path, model: str | Path | None = None, split: str = "all",
                  nlp: Language | None = None,
                  files: list[ChiaFile] | None = None) -> ChiaReport:
    """Score ``model`` (default: the shipped one) on the Chia files in ``path`` (``files``: the
    ones a caller has read already, as ``read_folder(path, split)`` would)."""
    import spacy

    from pipeline.train import MODEL_DIR

    if nlp is None:
        model = model or MODEL_DIR
        nlp = spacy.load(model)
    files = files if files is not None else read_folder(path, split)
    report = ChiaReport(files=len(files), model=str(model or nlp.meta.get("name", "")))
    predicted, report.seconds = predict(nlp, files)
    for chia, pred in zip(files, predicted):
        score(chia.spans, pred, report)
        report.lines_ += len(chia.lines)
        report.words += sum(len(line.text.split()) for line in chia.lines)
    return report


def words_per_second(nlp: Language, texts: list[str]) -> float:
    """Best of three timed passes of ``nlp.pipe`` (words counted as ``str.split``), measured as
    ``make bench`` measures every stage."""
    from pipeline.bench import drain, timed

    return timed("ner", texts, lambda: nlp, drain).rate
