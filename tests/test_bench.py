"""``make bench``'s parts that can be checked without timing anything: the dump it builds, the
run it measures, and the arithmetic of its report (timings themselves are never asserted)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline import bench
from pipeline.sources import iter_records
from pipeline.train import RULES_ONLY


def test_bench_dump_is_deterministic_and_readable(tmp_path: Path) -> None:
    _, trials, _, sources = bench.corpus(bench.SAMPLE)
    words_a = bench.make_dump(tmp_path / "a.zip", 30, sources)
    words_b = bench.make_dump(tmp_path / "b.zip", 30, sources)
    records_a = list(iter_records([tmp_path / "a.zip"]))
    records_b = list(iter_records([tmp_path / "b.zip"]))
    assert words_a == words_b == sum(len(r.text.split()) for r in records_a)
    assert [(r.trial_id, r.text, r.fields) for r in records_a] == [
        (r.trial_id, r.text, r.fields) for r in records_b]
    assert len(records_a) == 30 and all(r.error is None for r in records_a)
    assert {r.text for r in records_a} <= set(trials)  # resampled from the corpus, unchanged


def _lengthened(source: str, text: str) -> bool:
    """Whether ``text`` is ``source`` with letters starting with q added at the end of some of
    its runs of letters (what the dump does to make a word new)."""
    a_words, b_words = source.split(), text.split()
    if len(a_words) != len(b_words) or source == text:
        return False
    for a, b in zip(a_words, b_words):
        grown = "".join(re.escape(piece) + ("(?:q[a-z]+)?" if piece.isalpha() else "")
                        for piece in re.findall(r"[A-Za-z]+|[^A-Za-z]+", a))
        if re.fullmatch(grown, b) is None:
            return False
    return True


def test_bench_dump_brings_new_words_at_the_corpus_rate(tmp_path: Path) -> None:
    _, trials, _, sources = bench.corpus(bench.SAMPLE)
    k, beta = bench.vocabulary_growth(trials)
    assert k > 0 and 0.3 < beta < 1.0  # real text: sublinear growth
    size = 5 * len(trials)  # about five times the corpus's words
    words = bench.make_dump(tmp_path / "d.zip", size, sources)
    again = bench.make_dump(tmp_path / "e.zip", size, sources)
    records = list(iter_records([tmp_path / "d.zip"]))
    assert words == again == sum(len(r.text.split()) for r in records)
    assert [r.text for r in records] == [r.text for r in iter_records([tmp_path / "e.zip"])]
    distinct = {w for r in records for w in re.findall(r"\w+", r.text)}
    # Resampling alone would stop at the corpus's own words; the dump keeps growing as the
    # corpus did, to within rounding of the fitted law.
    corpus_distinct = {w for t in trials for w in re.findall(r"\w+", t)}
    assert len(distinct) > len(corpus_distinct)
    assert abs(len(distinct) - k * words ** beta) <= 0.02 * k * words ** beta
    # Each changed text is a corpus text with some words lengthened by a new suffix: same words,
    # same layout, and never a new word twice.
    originals = set(trials)
    changed = [r.text for r in records if r.text not in originals]
    assert changed
    new_words = []
    for text in changed:
        source = next(t for t in trials if _lengthened(t, text))
        new_words += [b for a, b in zip(source.split(), text.split()) if a != b]
    assert new_words and len(new_words) == len(set(new_words))


def test_bench_end_to_end_run_counts_every_trial(tmp_path: Path) -> None:
    _, _, _, sources = bench.corpus(bench.SAMPLE)
    words = bench.make_dump(tmp_path / "d.zip", 12, sources)
    run = bench.end_to_end(tmp_path / "d.zip", words, 1, RULES_ONLY, "1 worker, 1x")
    assert run.trials == 12 and run.words == words and run.seconds > 0
    assert run.worker_rss_mb > 0


def test_bench_report_projects_from_each_two_worker_run() -> None:
    runs = [bench.RunFigure("1 worker, 1x", 100, 1_000_000, 50.0, 400.0, 1),
            bench.RunFigure("2 workers, 1x", 100, 1_000_000, 20.0, 380.0, 2),
            bench.RunFigure("2 workers, 10x", 1000, 10_000_000, 160.0, 390.0, 2)]
    lines = bench.end_to_end_report(runs, medspacy_rate=5_000.0, blank_rate=250_000.0,
                                    model_rate=100_000.0)
    text = "\n".join(lines)
    assert "2 workers / 1 worker: 2.50x" in text
    hours = {m.group(1): float(m.group(2)) for m in re.finditer(
        r"at the rate of the (\w+) run[^:]*: ([\d.]+) h", text)}
    assert hours == {"1x": round(220e6 / 50_000 / 3600, 2), "10x": round(220e6 / 62_500 / 3600, 2)}
    assert "peak RSS per worker 1x -> 10x: 380 MB -> 390 MB" in text
    floor = re.search(r"NER model alone [^:]*: ([\d.]+) h", text)
    assert floor and float(floor.group(1)) == round(220e6 / (100_000 * 2.5) / 3600, 2)
    assert "250,000 words/s" in text
    # speed per core, as multiples of both references of the same run
    assert "per core (1 worker): 20,000 words/s = 4.0x medspaCy's default pipeline, 0.08x" in text
    assert "all 2 cores (2 workers): 50,000 words/s = 10.0x" in text
    assert "on 2 cores of this machine" in text
