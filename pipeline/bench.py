"""``make bench``: words per second of each stage on real criteria text, in one run.

Every figure is measured on the same criteria (segmented from ``../shared/data/ctgov_records``,
or from the bundled sample when that is absent) in the same process, next to two references:
``spacy.blank("en")`` (the tokenizer alone, an upper bound) and ``medspacy.load()``'s default
pipeline (what users run today). Timings are reported, never asserted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from pipeline.segment import segment
from pipeline.sources import iter_records

REPO = Path(__file__).resolve().parent.parent
SHARED_RECORDS = REPO.parent / "shared" / "data" / "ctgov_records" / "raw"
SAMPLE = REPO / "data" / "raw"


@dataclass
class Figure:
    name: str
    words: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def corpus(path: Path | None = None) -> tuple[Path, list[str], list[str]]:
    """(source folder, trial texts, criterion texts) of the benchmark corpus."""
    path = path or (SHARED_RECORDS if SHARED_RECORDS.exists() else SAMPLE)
    trials = [r.text for r in iter_records([path]) if r.text and r.text.strip()]
    criteria = [c.text for text in trials for c in segment(text).criteria]
    return path, trials, criteria


def words(texts: Iterable[str]) -> int:
    return sum(len(text.split()) for text in texts)


def timed(name: str, texts: list[str], make: Callable[[], object],
          run: Callable[[object, list[str]], object], repeat: int = 3, note: str = "") -> Figure:
    """Best of ``repeat`` runs, each on a freshly built pipeline.

    A fresh pipeline per run keeps spaCy's tokenizer cache cold, as on text it has not seen; the
    best run is the least disturbed by whatever else the machine is doing.
    """
    seconds = []
    for _ in range(repeat):
        pipeline = make()
        started = time.perf_counter()
        run(pipeline, texts)
        seconds.append(time.perf_counter() - started)
    return Figure(name, words(texts), min(seconds), note)


def _drain(nlp, texts: list[str]) -> None:
    for _ in nlp.pipe(texts, batch_size=256):
        pass


def _tag(tagger, texts: list[str]) -> None:
    """The tagger as a run uses it: criteria rows in, entity rows out."""
    tagger.tag_criteria({"trial_id": "t", "criterion_id": f"t:{n}", "start": 0, "text": text}
                        for n, text in enumerate(texts))


def medspacy_default():
    """medspaCy's default pipeline, with PyRuSH's DEBUG logging off (its cost is not ours)."""
    import medspacy
    from loguru import logger

    logger.disable("PyRuSH")
    return medspacy.load()


def stage_figures(trials: list[str], criteria: list[str], model: str | Path | None,
                  medspacy_words: int = 60_000) -> list[Figure]:
    """Words/s of the references and of each stage of our pipeline on the same text."""
    import spacy

    from pipeline.assemble import criterion_rows
    from pipeline.tag.constraints import extract
    from pipeline.tag.tagger import RULES_ONLY, EntityTagger
    from pipeline.tag.tokenizer import blank

    figures = [timed('spacy.blank("en") tokenizer', criteria, lambda: spacy.blank("en"), _drain,
                     note="reference")]
    subset = _prefix(criteria, medspacy_words)
    figures.append(timed("medspacy.load() default pipeline", subset, medspacy_default, _drain,
                         repeat=1, note=f"reference, first {words(subset):,} words"))
    figures.append(timed("criteria tokenizer (elig.tokenizer.v1)", criteria, blank, _drain))
    figures.append(timed("segmentation + norm_text (whole trials)", trials, lambda: None,
                         lambda _, t: [criterion_rows("x", "x", segment(x)) for x in t]))
    figures.append(timed("typed-constraint rules alone (no spaCy)", criteria, lambda: None,
                         lambda _, t: [extract(x) for x in t]))
    figures.append(timed("tagging, rules only (rules, then Doc + ConText where found)",
                         criteria, lambda: EntityTagger(RULES_ONLY, quiet=True), _tag))
    if model is not None:
        figures.append(timed("tagging with the NER model (model + rules + ConText)", criteria,
                             lambda: EntityTagger(model, quiet=True), _tag))
        figures.append(timed("NER model alone", criteria, lambda: spacy.load(model), _drain))
    return figures


def _prefix(texts: list[str], limit: int) -> list[str]:
    out, total = [], 0
    for text in texts:
        if total >= limit:
            break
        out.append(text)
        total += len(text.split())
    return out


def report(figures: list[Figure]) -> list[str]:
    blank_rate = figures[0].rate
    medspacy_rate = figures[1].rate
    lines = [f"{'stage':56s} {'words/s':>10s} {'x blank':>8s} {'x medspaCy':>10s}"]
    for f in figures:
        lines.append(f"{f.name:56s} {f.rate:10,.0f} {f.rate / blank_rate:8.2f} "
                     f"{f.rate / medspacy_rate:10.1f}  {f.note}")
    return lines
