"""``make bench``: words per second of each stage on real criteria text, in one run.

Every figure is measured on the same criteria (segmented from ``../shared/data/ctgov_records``,
or from the bundled sample when that is absent) in the same process, next to two references:
``spacy.blank("en")`` (the tokenizer alone, an upper bound) and ``medspacy.load()``'s default
pipeline (what users run today). Timings are reported, never asserted.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from pipeline.paths import REPO, SHARED_DATA
from pipeline.segment import segment
from pipeline.sources import iter_records

SHARED_RECORDS = SHARED_DATA / "ctgov_records" / "raw"
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


def corpus(path: Path | None = None
           ) -> tuple[Path, list[str], list[str], list[tuple[str, dict]]]:
    """(source folder, trial texts, criterion texts, (trial text, registry fields) pairs) of the
    benchmark corpus, read once; the pairs are what ``make_dump`` resamples."""
    path = path or (SHARED_RECORDS if SHARED_RECORDS.exists() else SAMPLE)
    sources = [(r.text, r.fields) for r in iter_records([path]) if r.text and r.text.strip()]
    trials = [text for text, _ in sources]
    criteria = [c.text for text in trials for c in segment(text).criteria]
    return path, trials, criteria, sources


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


def drain(nlp, texts: list[str]) -> None:
    """Run ``nlp`` over ``texts`` and drop the Docs."""
    for _ in nlp.pipe(texts, batch_size=256):
        pass


def _rows(texts: list[str]) -> list[dict]:
    return [{"trial_id": "t", "criterion_id": f"t:{n}", "start": 0, "text": text}
            for n, text in enumerate(texts)]


def _tag(tagger, texts: list[str]) -> list[dict]:
    """The tagger as a run uses it: criteria rows in, entity rows out."""
    return tagger.tag_criteria(_rows(texts))


def _tag_and_code(tagger, texts: list[str]) -> None:
    tagger.codes(_tag(tagger, texts))


def _fresh_linker(tagger):
    """The tagger with a linker of its own: same index, empty cache (as a new worker has)."""
    from pipeline.linking.linker import Linker

    tagger.linker = Linker(index=tagger.linker.index)
    return tagger


TAGGING = "tagging with the NER model (model + rules + ConText)"
CODING = "tagging + concept codes (the above + linking)"


def linking_lines(trials: list[str], criteria: list[str], model: str | Path | None,
                  figures: list[Figure]) -> list[str]:
    """Linker start-up, linking's share of tagging, the linker cache's hit rate on the real
    records, and what reading repeated criteria once saves."""
    from pipeline.linking.index import ensure_index, load_index
    from pipeline.linking.linker import Linker
    from pipeline.tag.tagger import EntityTagger

    ensure_index()
    started = time.perf_counter()
    linker = Linker(index=load_index())
    startup = time.perf_counter() - started
    lines = [f"linker start-up (concept index memory-mapped, tables read): {startup:.2f} s"]
    by_name = {f.name: f for f in figures}
    if TAGGING in by_name and CODING in by_name:
        tag, code = by_name[TAGGING], by_name[CODING]
        share = 1 - code.rate / tag.rate if tag.rate else 0.0
        lines.append(f"linking's share of tagging + codes on one core: {share:.0%}")
    tagger = EntityTagger(model, quiet=True, cache_size=0)
    tagger.linker = linker
    rows = _tag(tagger, criteria)
    tagger.codes(rows)
    lines.append(f"linker cache on the real records: {linker.hit_rate:.1%} of "
                 f"{linker.lookups:,} mentions answered from it")
    # Repeated criteria, in the records' own order (a resampled dump repeats by construction)
    seen: set[str] = set()
    repeated = 0
    for text in criteria:
        repeated += text in seen
        seen.add(text)
    plain = timed("tagging + codes, every criterion tagged", criteria,
                  lambda: _fresh_linker(EntityTagger(model, quiet=True, cache_size=0)),
                  _tag_and_code)
    cached = timed("tagging + codes, repeated criteria read once", criteria,
                   lambda: _fresh_linker(EntityTagger(model, quiet=True)), _tag_and_code)
    lines.append(f"repeated criteria in the real records: {repeated:,} of {len(criteria):,} "
                 f"({repeated / len(criteria):.1%}) repeat an earlier criterion word for word; "
                 f"read once they make tagging + codes {cached.rate / plain.rate:.2f}x as fast "
                 f"({plain.rate:,.0f} -> {cached.rate:,.0f} words/s)")
    return lines


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

    figures = [timed('spacy.blank("en") tokenizer', criteria, lambda: spacy.blank("en"), drain,
                     note="reference")]
    subset = _prefix(criteria, medspacy_words)
    figures.append(timed("medspacy.load() default pipeline", subset, medspacy_default, drain,
                         repeat=1, note=f"reference, first {words(subset):,} words"))
    figures.append(timed("criteria tokenizer (elig.tokenizer.v1)", criteria, blank, drain))
    figures.append(timed("segmentation + norm_text (whole trials)", trials, lambda: None,
                         lambda _, t: [criterion_rows("x", "x", segment(x)) for x in t]))
    figures.append(timed("typed-constraint rules alone (no spaCy)", criteria, lambda: None,
                         lambda _, t: [extract(x) for x in t]))
    figures.append(timed("tagging, rules only (rules, then Doc + ConText where found)",
                         criteria, lambda: EntityTagger(RULES_ONLY, quiet=True), _tag))
    if model is not None:
        figures.append(timed(TAGGING, criteria,
                             lambda: EntityTagger(model, quiet=True, cache_size=0), _tag))
        figures.append(timed(CODING, criteria,
                             lambda: _fresh_linker(EntityTagger(model, quiet=True, cache_size=0)),
                             _tag_and_code))
        figures.append(timed("NER model alone", criteria, lambda: spacy.load(model), drain))
        figures.append(timed(MODEL_FLOOR, criteria, lambda: _warmed(spacy.load(model), criteria),
                             drain, note="the floor under any run with this model"))
    return figures


# A long run meets most words again, so spaCy's tokenizer cache is warm; this figure is the
# model's own cost with that cache warm, which no work on the rules can go below.
MODEL_FLOOR = "NER model alone, tokenizer cache warm"


def _warmed(nlp, texts: list[str]):
    drain(nlp, texts)
    return nlp


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


# ------------------------------------------------------------------------------- end to end

REGISTRY_WORDS = 220_000_000  # all of ClinicalTrials.gov's criteria, about 560k trials


def vocabulary_growth(texts: Iterable[str]) -> tuple[float, float]:
    """(K, beta) of Heaps' law, distinct words = K * words ** beta, read off the texts in order
    at an eighth of their words and at all of them (words counted as ``words`` counts them,
    distinct ones as runs of letters and digits, close to the tokens spaCy's vocabulary keeps)."""
    texts = list(texts)
    mark = max(1, words(texts) // 8)
    seen: set[str] = set()
    n = 0
    first: tuple[int, int] | None = None
    for text in texts:
        n += len(text.split())
        seen.update(_WORD.findall(text))
        if first is None and n >= mark:
            first = (n, len(seen))
    if first is None or first[0] >= n or first[1] >= len(seen):
        return float(len(seen)), 0.0  # too little text to see growth: none is added
    beta = math.log(len(seen) / first[1]) / math.log(n / first[0])
    return len(seen) / n ** beta, beta


_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")


def _new_word(serial: int) -> str:
    letters = ""
    while True:
        serial, digit = divmod(serial, 26)
        letters += chr(ord("a") + digit)
        if serial == 0:
            return "q" + letters


def _with_new_words(text: str, count: int, serial: int, rng: random.Random) -> tuple[str, int]:
    """``text`` with up to ``count`` of its words made into words never seen before (each word
    gets a suffix unique to this dump); returns the text and how many were changed."""
    spans = [m.span() for m in _LETTERS.finditer(text)]
    chosen = sorted(rng.sample(spans, min(count, len(spans))))
    pieces, end = [], 0
    for n, (start, stop) in enumerate(chosen):
        pieces += [text[end:stop], _new_word(serial + n)]
        end = stop
    return "".join(pieces) + text[end:], len(chosen)


def make_dump(path: Path, trials: int, texts: list[tuple[str, dict]], seed: int = 20261124,
              growth: tuple[float, float] | None = None) -> int:
    """A registry-like bulk download: a zip of API v2 study JSON files, one per trial, whose
    criteria are resampled (deterministically) from real records. Returns the word count.

    Resampling alone would repeat the corpus's words forever, where a real registry keeps
    bringing words never seen before (drug codes, rare conditions, typos, numbers): that is what
    spaCy's vocabulary and tokenizer cache grow with. So past the corpus's own size, words of the
    resampled texts are made new at the rate the corpus itself shows (Heaps' law, fitted by
    :func:`vocabulary_growth`, or ``growth`` when the caller has it); the word count is
    unchanged."""
    rng = random.Random(seed)
    k, beta = growth or vocabulary_growth(text for text, _ in texts)
    corpus_words = words(text for text, _ in texts)
    total = new = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for n in range(trials):
            text, fields = texts[rng.randrange(len(texts))]
            total += len(text.split())
            due = int(k * total ** beta - k * corpus_words ** beta) - new
            if total > corpus_words and due > 0:
                text, made = _with_new_words(text, due, new, rng)
                new += made
            nct = f"NCT{90000000 + n:08d}"
            study = {"protocolSection": {
                "identificationModule": {"nctId": nct},
                "eligibilityModule": {"eligibilityCriteria": text,
                                      "minimumAge": fields.get("minimum_age"),
                                      "maximumAge": fields.get("maximum_age"),
                                      "sex": fields.get("sex")}}}
            archive.writestr(f"ctg-studies/{nct}.json", json.dumps(study))
    return total


@dataclass
class RunFigure:
    name: str
    trials: int
    words: int
    seconds: float
    worker_rss_mb: float
    workers: int = 1

    @property
    def rate(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def end_to_end(dump: Path, words_in: int, workers: int, model: str | None,
               name: str) -> RunFigure:
    """``python -m pipeline parse`` on the dump in a fresh process: wall time and memory."""
    with tempfile.TemporaryDirectory(prefix="elig-bench-") as tmp:
        out = Path(tmp) / "o"
        # The dump resamples the records, so its criteria repeat by construction: no criterion
        # is remembered from one part to the next (--criterion-cache 0; the cache's gain is
        # measured on the real records, see linking_lines). Within a part, the tagger still
        # reads each distinct text once, as it does on any input.
        command = [sys.executable, "-m", "pipeline", "parse", str(dump), "--out", str(out),
                   "--n-process", str(workers), "--criterion-cache", "0"]
        if model is not None:
            command += ["--model", str(model)]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"bench run failed: {result.stderr[-2000:]}")
        done = json.loads((out / "_SUCCESS").read_text())
    rss = re.search(r"peak memory per worker: ([\d,]+) MB", result.stdout)
    return RunFigure(name, done["records"], words_in, seconds,
                     float(rss.group(1).replace(",", "")) if rss else 0.0, workers)


def end_to_end_report(runs: list[RunFigure], medspacy_rate: float,
                      blank_rate: float | None = None,
                      model_rate: float | None = None) -> list[str]:
    lines = [f"{'end to end (read, segment, tag, write)':44s} {'trials':>8s} {'words/s':>9s} "
             f"{'trials/s':>9s} {'x medspaCy':>10s} {'worker RSS':>11s}"]
    for run in runs:
        lines.append(f"{run.name:44s} {run.trials:8,d} {run.rate:9,.0f} "
                     f"{run.trials / run.seconds:9,.1f} {run.rate / medspacy_rate:10.1f} "
                     f"{run.worker_rss_mb:8,.0f} MB")
    by_name = {run.name: run for run in runs}
    one = by_name.get("1 worker, 1x")
    two = next((r for r in runs if r.workers > 1 and r.name.endswith(", 1x")), None)
    if one and two:
        lines.append(f"{two.workers} workers / 1 worker: {two.rate / one.rate:.2f}x")
    ten = next((r for r in runs if r.name.endswith(", 10x")), None)
    # Each run pays for starting its workers (importing spaCy, medspaCy, scispaCy and loading
    # the model, a few seconds); the 10x run spreads that over ten times the work, as a whole
    # registry run spreads it further, so its rate is the closer estimate of such a run.
    if one and blank_rate:
        lines.append(f"per core (1 worker): {one.rate:,.0f} words/s = "
                     f"{one.rate / medspacy_rate:.1f}x medspaCy's default pipeline, "
                     f"{one.rate / blank_rate:.2f}x spacy.blank(\"en\")'s tokenizer")
    if two and blank_rate:
        lines.append(f"all {two.workers} cores ({two.workers} workers): {two.rate:,.0f} words/s = "
                     f"{two.rate / medspacy_rate:.1f}x medspaCy's default pipeline on one core, "
                     f"{two.rate / blank_rate:.2f}x spacy.blank(\"en\")'s tokenizer")
    for run, which in ((two, "1x run"),
                       (ten, "10x run, worker start-up spread over 10x the work")):
        if run is not None:
            hours = REGISTRY_WORDS / run.rate / 3600
            lines.append(f"projected whole registry ({REGISTRY_WORDS / 1e6:.0f}M words) on "
                         f"{run.workers} cores of this machine, at the rate of the {which}: "
                         f"{hours:.2f} h ({hours * 60:.0f} min)")
    if model_rate and one and two:
        # What the NER model alone would take with the same 2-worker speed-up: the part of the
        # projection that faster rules, segmentation or writing cannot remove.
        hours = REGISTRY_WORDS / (model_rate * two.rate / one.rate) / 3600
        lines.append(f"of which the NER model alone (tokenizer cache warm, no rules), at this "
                     f"run's 2-worker speed-up: {hours:.2f} h ({hours * 60:.0f} min)")
    if two and ten:
        lines.append(f"peak RSS per worker 1x -> 10x: {two.worker_rss_mb:,.0f} MB -> "
                     f"{ten.worker_rss_mb:,.0f} MB")
    if blank_rate:
        lines.append(f"this machine, this run: spacy.blank(\"en\") at {blank_rate:,.0f} words/s, "
                     f"medspaCy at {medspacy_rate:,.0f}; the projection scales with them")
    return lines
