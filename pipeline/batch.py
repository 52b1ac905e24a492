"""Registry-scale runs: stream records, tag them in worker processes, write parts, resume.

Records are read in the parent, one at a time, and grouped into parts of ``part_size`` trials;
each part goes to a worker process that loads the pipeline once, parses the part and sends back
Arrow tables (plain data: spaCy's own ``n_process`` cannot pickle medspaCy's rules). The parent
writes parts in input order, so the output — rows and ids — is the same whatever the number of
workers and the part size. At most ``2 × n_process`` parts are in flight, so memory stays flat
however large the input is. A part is one task (not cut smaller to even out the run's last
seconds: the tagger reads each distinct criterion text once per call, so larger calls read less).
Workers are started before the first part is read, and leave without tearing down their heap
(``_quick_exit``): seconds of a run's wall time that bought nothing.
"""

from __future__ import annotations

import atexit
import os
import resource
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from tqdm import tqdm

from pipeline.assemble import RecordKeys, Row, add_logic, process_record
from pipeline.schema import TABLE_NAMES
from pipeline.sources import Record, iter_input_files, iter_records
from pipeline.write import DatasetWriter, rows_to_arrow

DEFAULT_PART_SIZE = 1000
# When a fresh worker replaces one: after WORKER_WORDS words of criteria or WORKER_PARTS parts,
# whichever comes first. spaCy's vocabulary and tokenizer cache keep every new word a worker meets
# (spaCy 3.7 cannot free them), about 1 KB each, and a registry keeps bringing new ones (Heaps'
# law: about 140k distinct words in 10M words of criteria). A bound in words holds whatever the
# trials' length; it costs a worker's start-up (about 4 s) per ~10 minutes of work. Same rows
# either way: nothing a Doc gets depends on what the vocabulary met before.
WORKER_WORDS = 10_000_000
# Peak memory a worker may reach (measured by make bench: about 450-600 MB with the model, the
# concept index and a long run's vocabulary), used to cap the default number of workers.
WORKER_MEMORY_MB = 800
WORKER_PARTS = 100
_TAGGER: Any = None  # one per worker process, built by _init_worker


class RunInterrupted(RuntimeError):
    """A run stopped before the end; its finished parts stay and ``--resume`` continues it."""


@dataclass
class Summary:
    """What a run did, for the closing lines of the CLI and for tests."""

    ok: int = 0
    empty: int = 0
    error: int = 0
    criteria: int = 0
    entities: int = 0
    codes: int = 0
    words: int = 0
    seconds: float = 0.0
    parts: int = 0
    resumed_records: int = 0
    max_worker_rss_mb: float = 0.0
    workers: int = 1
    skipped_files: list[Path] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (trial, source, message)

    @property
    def trials(self) -> int:
        return self.ok + self.empty + self.error

    def add(self, counts: dict[str, int], errors: list[tuple[str, str, str]]) -> None:
        for key in ("ok", "empty", "error", "criteria", "entities", "codes", "words"):
            setattr(self, key, getattr(self, key) + counts.get(key, 0))
        self.errors.extend(errors)

    def lines(self) -> list[str]:
        rate = self.words / self.seconds if self.seconds else 0.0
        lines = [
            f"trials: {self.trials} ({self.ok} ok, {self.empty} empty, {self.error} error)",
            f"criteria: {self.criteria}   entities: {self.entities}   codes: {self.codes}   "
            f"parts: {self.parts}",
            f"time: {self.seconds:.1f} s ({rate:,.0f} words/s, "
            f"{self.trials / self.seconds if self.seconds else 0:,.1f} trials/s)",
        ]
        lines.append(f"workers: {self.workers}" + (" (in this process)" if self.workers == 1
                                                   else " processes"))
        if self.max_worker_rss_mb:
            lines.append(f"peak memory per worker: {self.max_worker_rss_mb:,.0f} MB")
        if self.resumed_records:
            lines.append(f"resumed: {self.resumed_records} records were already done")
        if self.skipped_files:
            suffixes = sorted({p.suffix or p.name for p in self.skipped_files})
            lines.append(f"skipped {len(self.skipped_files)} files of other types "
                         f"({', '.join(suffixes[:8])})")
        for trial, source, message in self.errors[:10]:
            lines.append(f"error: {trial} ({source}): {message}")
        if len(self.errors) > 10:
            lines.append(f"… and {len(self.errors) - 10} more error rows (status == 'error')")
        return lines


# ----------------------------------------------------------------------------- one part of work


@dataclass
class PartRows:
    """The rows of one part, table by table, with its counts."""

    tables: dict[str, list[Row]]
    counts: dict[str, int]
    errors: list[tuple[str, str, str]]


def parse_part(records: Sequence[tuple[Record, str]], tagger: Any) -> PartRows:
    """Segment every record of a part, then tag all their criteria in one stream."""
    tables: dict[str, list[Row]] = {t: [] for t in TABLE_NAMES}
    counts = {"ok": 0, "empty": 0, "error": 0, "criteria": 0, "entities": 0, "codes": 0,
              "words": 0}
    errors = []
    parsed = [process_record(record, key) for record, key in records]
    criteria = [c for rows in parsed for c in rows.criteria]
    if tagger is not None:
        entities = _tag(tagger, parsed, criteria)
        entities = _logic(parsed, criteria, entities)
    else:
        entities = []  # process_record has set children_op; logic needs entities
    for rows in parsed:
        trial = rows.trial
        tables["trials"].append(trial)
        tables["criteria"].extend(rows.criteria)
        counts[trial["status"]] += 1
        counts["words"] += len(trial["source_text"].split()) if trial["source_text"] else 0
        if trial["status"] == "error":
            errors.append((trial["trial_id"], trial["source"], trial["error"]))
    tables["entities"] = entities
    tables["codes"] = tagger.codes(entities) if entities and hasattr(tagger, "codes") else []
    counts["criteria"] = len(tables["criteria"])
    counts["entities"] = len(entities)
    counts["codes"] = len(tables["codes"])
    return PartRows(tables, counts, errors)


def _tag(tagger: Any, parsed: list, criteria: list[Row]) -> list[Row]:
    """All criteria of a part in one stream; if that fails, trial by trial, so one bad trial
    becomes an error row instead of losing the part."""
    try:
        return tagger.tag_criteria(criteria)
    except Exception:  # noqa: BLE001 - isolated below
        entities: list[Row] = []
        for rows in parsed:
            try:
                entities.extend(tagger.tag_criteria(rows.criteria))
            except Exception as exc:  # noqa: BLE001 - reported in the trial row
                trial = rows.trial
                trial.update(status="error", n_criteria=0, error=(
                    f"internal error while tagging {trial['trial_id']} from {trial['source']}: "
                    f"{type(exc).__name__}: {exc}; please report it with this record"))
                rows.criteria.clear()
        return entities


def _logic(parsed: list, criteria: list[Row], entities: list[Row]) -> list[Row]:
    """``logic`` and ``children_op`` of the part's criteria from its entities; if that fails,
    trial by trial, so one bad trial becomes an error row (its criteria and entities dropped)
    instead of losing the part. Returns the entity rows kept."""
    try:
        add_logic(criteria, entities)
        return entities
    except Exception:  # noqa: BLE001 - isolated below
        pass
    by_criterion: dict[str, list[Row]] = {}
    for row in entities:
        by_criterion.setdefault(row["criterion_id"], []).append(row)
    dropped: set[str] = set()
    for rows in parsed:
        try:
            add_logic(rows.criteria, [e for c in rows.criteria
                                      for e in by_criterion.get(c["criterion_id"], ())])
        except Exception as exc:  # noqa: BLE001 - reported in the trial row
            trial = rows.trial
            trial.update(status="error", n_criteria=0, error=(
                f"internal error while reading the logic of {trial['trial_id']} from "
                f"{trial['source']}: {type(exc).__name__}: {exc}; please report it with this "
                f"record"))
            dropped.update(c["criterion_id"] for c in rows.criteria)
            rows.criteria.clear()
    return [e for e in entities if e["criterion_id"] not in dropped] if dropped else entities


def _init_worker(model: str | None, parent: int | None = None) -> None:
    global _TAGGER
    from pipeline.tag.tagger import EntityTagger

    if parent is not None:  # a worker process: leave when the run's process is gone
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
        atexit.register(_quick_exit)
    _TAGGER = EntityTagger(model, quiet=True)


def _quick_exit() -> None:
    """A worker's last act once the pool has let it go (its results are sent, its queues
    flushed by multiprocessing before this runs): skip the interpreter's teardown of the
    models' heap, a second or two the run would wait for at its end."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _ready() -> int:
    """A no-op task: submitted once per worker so that all of them start at once."""
    return os.getpid()


def _exit_with(parent: int) -> None:
    """A worker whose parent died (killed, not stopped) would wait for work for ever, and keep
    the run's output pipes open; it checks once a second and exits."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB, since it started its program.

    Linux keeps ``getrusage``'s ``ru_maxrss`` across ``exec``, so a ``parse`` started by a big
    process (``make bench``, a notebook) would report its parent's peak as its own; the
    kernel's ``VmHWM`` belongs to the program's own memory. ``ru_maxrss`` where there is no
    ``/proc`` (macOS counts it in bytes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _worker_part(index: int,
                 records: list[tuple[Record, str]]) -> tuple[dict, dict, list, float, int]:
    """Run in a worker: Arrow tables (cheap to send back), counts, errors, peak memory and the
    number of records, as ``run`` reads them."""
    if os.environ.get("ELIG_TEST_WORKER_DIES_AT_PART") == str(index):
        os._exit(3)  # test hook: a worker killed in the middle of a run
    part = parse_part(records, _TAGGER)
    tables = {t: rows_to_arrow(part.tables[t], t) for t in TABLE_NAMES}
    return tables, part.counts, part.errors, peak_rss_mb(), len(records)


# --------------------------------------------------------------------------------------- runs


def _keyed(records: Iterable[Record], skip: int) -> Iterator[tuple[Record, str]]:
    """(record, record_key) in input order; the first ``skip`` records are replayed, not sent
    (their ids still count, so repeated trial ids get the same ``#2`` suffixes on resume)."""
    keys = RecordKeys()
    for position, record in enumerate(records):
        key = keys(record.trial_id)
        if position >= skip:
            yield record, key


def _parts(keyed: Iterator[tuple[Record, str]], size: int) -> Iterator[list[tuple[Record, str]]]:
    while True:
        part = list(islice(keyed, size))
        if not part:
            return
        yield part


def estimate_records(inputs: Sequence[str | Path]) -> int | None:
    """A quick count of the records to come, for the progress bar's ETA (None if unknown)."""
    import zipfile

    total = 0
    for path in iter_input_files(inputs):
        suffix = path.suffix.lower()
        if suffix == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    total += sum(1 for info in archive.infolist() if not info.is_dir())
            except (zipfile.BadZipFile, OSError):
                total += 1
        elif suffix in (".csv", ".tsv", ".tab", ".jsonl", ".ndjson") or path.name.startswith(
                "eligibilities"):
            with open(path, "rb") as handle:
                total += max(1, sum(chunk.count(b"\n") for chunk in iter(
                    lambda: handle.read(1 << 20), b"")) - (0 if suffix in (".jsonl",
                                                                           ".ndjson") else 1))
        else:
            total += 1
    return total


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def available_memory_mb() -> float | None:
    """MemAvailable of /proc/meminfo, None where there is none."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def default_workers() -> int:
    """Every usable core, as long as that many workers fit in the memory available."""
    cores = usable_cores()
    memory = available_memory_mb()
    fit = int(memory // WORKER_MEMORY_MB) if memory else cores
    return max(1, min(cores, fit))


def run(
    inputs: Sequence[str | Path], out_dir: Path, *, overwrite: bool = False, resume: bool = False,
    model: str | None = None, n_process: int | None = None, part_size: int = DEFAULT_PART_SIZE,
    progress: bool = True, worker_parts: int = WORKER_PARTS, worker_words: int = WORKER_WORDS,
) -> Summary:
    """Parse ``inputs`` into a dataset of parts in ``out_dir``; see the module docstring.
    ``n_process`` None: ``default_workers()``; 1 parses in this process."""
    n_process = default_workers() if n_process is None else n_process
    inputs = [Path(p) for p in inputs]
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise FileNotFoundError(f"input not found: {', '.join(missing)}")
    run_info = {"inputs": [str(p.resolve()) for p in inputs], "part_size": part_size,
                "model": str(model)}
    writer = DatasetWriter(out_dir, run_info, "resume" if resume else
                           "overwrite" if overwrite else "new")
    summary = Summary(resumed_records=writer.records_done, workers=max(1, n_process))
    started = time.perf_counter()
    records = iter_records(inputs, on_skip=summary.skipped_files.append)
    keyed = _keyed(records, writer.records_done)
    first = next(keyed, None)  # no worker is started for an input with nothing left to do
    parts = _parts(chain([first], keyed) if first is not None else iter(()), part_size)
    total = estimate_records(inputs) if progress and sys.stderr.isatty() else None
    bar = tqdm(total=total, initial=writer.records_done, unit=" trials", file=sys.stderr,
               desc=f"{n_process} worker{'s' if n_process > 1 else ''}",
               disable=not (progress and sys.stderr.isatty()), dynamic_ncols=True, smoothing=0.1)
    try:
        results = (_run_here(parts, model, worker_parts, worker_words)
                   if n_process <= 1 or first is None else
                   _run_pool(parts, model, n_process, worker_parts, worker_words))
        for index, (tables, counts, errors, rss_mb, records_in_part) in enumerate(
                results, start=writer.next_part):
            writer.write_part(index, tables, records_in_part, counts)
            if os.environ.get("ELIG_TEST_PARENT_DIES_AFTER_PART") == str(index):
                os._exit(9)  # test hook: the parent killed right after a part
            summary.add(counts, errors)
            summary.parts += 1
            summary.max_worker_rss_mb = max(summary.max_worker_rss_mb, rss_mb)
            bar.update(records_in_part)
    except BrokenProcessPool as exc:
        raise RunInterrupted(f"a worker process died ({exc}); {writer.next_part} parts are "
                             f"written in {out_dir}: re-run with --resume to finish") from exc
    except KeyboardInterrupt as exc:
        raise RunInterrupted(f"interrupted; {writer.next_part} parts are written in {out_dir}: "
                             "re-run with --resume to finish") from exc
    finally:
        bar.close()
    writer.finish()
    summary.seconds = time.perf_counter() - started
    return summary


def part_words(part: list[tuple[Record, str]]) -> int:
    return sum(len(record.text.split()) for record, _ in part if record.text)


def worker_groups(parts: Iterable[list], n_process: int, worker_parts: int = WORKER_PARTS,
                  worker_words: int = WORKER_WORDS) -> Iterator[Iterator[list]]:
    """The parts in runs, one run for each set of fresh workers: a run ends once it holds
    ``n_process × worker_parts`` parts or ``n_process × worker_words`` words. Each run must be
    consumed before the next is asked for; parts are read lazily, as the workers take them."""
    parts = iter(parts)
    head = next(parts, None)
    max_parts, max_words = n_process * worker_parts, n_process * worker_words

    def run(first: list) -> Iterator[list]:
        nonlocal head
        part, count, words = first, 0, 0
        while True:
            yield part
            count += 1
            words += part_words(part)
            head = next(parts, None)
            if head is None or count >= max_parts or words >= max_words:
                return
            part = head

    while head is not None:
        yield run(head)


def _run_here(parts: Iterator[list], model: str | None, worker_parts: int = WORKER_PARTS,
              worker_words: int = WORKER_WORDS) -> Iterator[tuple]:
    """One process: the tagger is built here, and built afresh for each run of parts."""
    index = 0
    for group in worker_groups(parts, 1, worker_parts, worker_words):
        _init_worker(model)
        for part in group:
            yield _worker_part(index, part)
            index += 1


def _run_pool(parts: Iterator[list], model: str | None, n_process: int,
              worker_parts: int = WORKER_PARTS, worker_words: int = WORKER_WORDS
              ) -> Iterator[tuple]:
    """A pool of fresh workers for each run of parts, one pool after the other
    (``max_tasks_per_child`` would do it, but deadlocks on Python 3.11: CPython issue 115634);
    results come back in input order. The first pool starts before the first part is read."""
    start = 0
    pool: ProcessPoolExecutor | None = _start_pool(model, n_process)
    try:
        for group in worker_groups(parts, n_process, worker_parts, worker_words):
            if pool is None:
                pool = _start_pool(model, n_process)
            for result in _drain(pool, group, n_process, start):
                start += 1
                yield result
            pool.shutdown(wait=True)
            pool = None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _start_pool(model: str | None, n_process: int) -> ProcessPoolExecutor:
    """Workers in fresh (spawned) processes, all started now (one no-op task each: the pool
    starts a process per task submitted while none is idle)."""
    pool = ProcessPoolExecutor(n_process, mp_context=get_context("spawn"),
                               initializer=_init_worker, initargs=(model, os.getpid()))
    for _ in range(n_process):
        pool.submit(_ready)
    return pool


def _drain(pool: ProcessPoolExecutor, parts: Iterable[list], n_process: int,
           start: int) -> Iterator[tuple]:
    """The parts submitted as workers free up (at most ``2 × n_process`` in flight); results
    come back in submission order."""
    pending: deque[Future] = deque()
    for index, part in enumerate(parts, start=start):
        pending.append(pool.submit(_worker_part, index, part))
        if len(pending) >= 2 * n_process:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def collect(
    inputs: Sequence[str | Path], tagger: Any = None, progress: bool = False
) -> tuple[dict[str, list[Row]], Summary]:
    """All rows of a run in memory, table by table (the notebook API's path)."""
    summary = Summary()
    tables: dict[str, list[Row]] = {t: [] for t in TABLE_NAMES}
    started = time.perf_counter()
    records = iter_records(inputs, on_skip=summary.skipped_files.append)
    for part in _parts(_keyed(records, 0), DEFAULT_PART_SIZE):
        rows = parse_part(part, tagger)
        for table in TABLE_NAMES:
            tables[table].extend(rows.tables[table])
        summary.add(rows.counts, rows.errors)
        summary.parts += 1
    summary.seconds = time.perf_counter() - started
    return tables, summary
