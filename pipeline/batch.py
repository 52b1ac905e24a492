"""Runs over many records: read -> process -> collect or write, with progress and a summary."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from tqdm import tqdm

from pipeline.assemble import RecordKeys, Tagger, TrialRows, process_record
from pipeline.sources import iter_records
from pipeline.write import OutputExistsError, existing_outputs, write_tables


@dataclass
class Summary:
    """What a run did, for the closing lines of the CLI and for tests."""

    ok: int = 0
    empty: int = 0
    error: int = 0
    criteria: int = 0
    entities: int = 0
    words: int = 0
    seconds: float = 0.0
    skipped_files: list[Path] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (trial, source, message)

    @property
    def trials(self) -> int:
        return self.ok + self.empty + self.error

    def add(self, rows: TrialRows) -> None:
        status = rows.trial["status"]
        setattr(self, status, getattr(self, status) + 1)
        self.criteria += len(rows.criteria)
        self.entities += len(rows.entities)
        text = rows.trial["source_text"]
        self.words += len(text.split()) if text else 0
        if status == "error":
            self.errors.append((rows.trial["trial_id"], rows.trial["source"], rows.trial["error"]))

    def lines(self) -> list[str]:
        rate = self.words / self.seconds if self.seconds else 0.0
        lines = [
            f"trials: {self.trials} ({self.ok} ok, {self.empty} empty, {self.error} error)",
            f"criteria: {self.criteria}   entities: {self.entities}",
            f"time: {self.seconds:.1f} s ({rate:,.0f} words/s)",
        ]
        if self.skipped_files:
            suffixes = sorted({p.suffix or p.name for p in self.skipped_files})
            lines.append(f"skipped {len(self.skipped_files)} files of other types "
                         f"({', '.join(suffixes[:8])})")
        for trial, source, message in self.errors[:10]:
            lines.append(f"error: {trial} ({source}): {message}")
        if len(self.errors) > 10:
            lines.append(f"… and {len(self.errors) - 10} more error rows (status == 'error')")
        return lines


def process_all(
    inputs: Sequence[str | Path], tagger: Tagger | None = None, summary: Summary | None = None,
    progress: bool = False,
) -> Iterator[TrialRows]:
    """Rows of every record of ``inputs``, in input order, one ``TrialRows`` per record."""
    summary = summary if summary is not None else Summary()
    keys = RecordKeys()
    records: Iterable = iter_records(inputs, on_skip=summary.skipped_files.append)
    bar = tqdm(records, unit=" trials", disable=not (progress and sys.stderr.isatty()),
               file=sys.stderr, dynamic_ncols=True)
    for record in bar:
        rows = process_record(record, keys(record.trial_id), tagger)
        summary.add(rows)
        yield rows


def collect(
    inputs: Sequence[str | Path], tagger: Tagger | None = None, progress: bool = False
) -> tuple[dict[str, list[dict]], Summary]:
    """All rows of a run in memory, table by table."""
    summary = Summary()
    tables: dict[str, list[dict]] = {"trials": [], "criteria": [], "entities": []}
    started = time.perf_counter()
    for rows in process_all(inputs, tagger, summary, progress):
        tables["trials"].append(rows.trial)
        tables["criteria"].extend(rows.criteria)
        tables["entities"].extend(rows.entities)
    summary.seconds = time.perf_counter() - started
    return tables, summary


def run(
    inputs: Sequence[str | Path], out_dir: Path, overwrite: bool = False,
    tagger: Tagger | None = None, progress: bool = True,
) -> Summary:
    """Parse ``inputs`` and write the three tables to ``out_dir``."""
    present = existing_outputs(out_dir)
    if present and not overwrite:
        raise OutputExistsError(
            f"{out_dir} already holds {', '.join(p.name for p in present)}; "
            "pass --overwrite to replace them"
        )
    started = time.perf_counter()
    tables, summary = collect(inputs, tagger, progress)
    write_tables(tables, out_dir, overwrite=overwrite)
    summary.seconds = time.perf_counter() - started
    return summary
