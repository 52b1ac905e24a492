"""The only module that writes or reads Parquet.

A run writes each table as a dataset of parts (``criteria.parquet/part-00000.parquet`` …), one
part per bounded group of trials. Every part file is written under a hidden temporary name and
renamed when complete; ``_manifest.json`` records the finished parts and how many input records
they cover (so ``--resume`` can carry on), and ``_SUCCESS`` marks a complete run with its counts.
Rows are plain dicts checked against ``schema.py`` before they reach pyarrow, which would
otherwise drop unknown keys and fill missing ones with null without a word.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schema import SCHEMA_VERSION, TABLE_NAMES, arrow_schema, check_row

__all__ = [
    "DatasetWriter",
    "IncompleteOutputError",
    "OutputExistsError",
    "existing_outputs",
    "read_tables",
    "rows_to_arrow",
    "rows_to_frame",
    "table_path",
]

MANIFEST = "_manifest.json"
SUCCESS = "_SUCCESS"


class OutputExistsError(FileExistsError):
    """The output directory already holds tables and neither overwrite nor resume was asked."""


class IncompleteOutputError(RuntimeError):
    """The output directory holds an interrupted run (no ``_SUCCESS``)."""


def table_path(out_dir: Path, table: str) -> Path:
    return Path(out_dir) / f"{table}.parquet"


def rows_to_arrow(rows: Iterable[Mapping[str, object]], table: str) -> pa.Table:
    """Rows -> Arrow table of ``table``'s schema; refuses rows whose keys differ from it."""
    rows = list(rows)
    for row in rows:
        check_row(table, row)
    return pa.Table.from_pylist(rows, schema=arrow_schema(table))


def rows_to_frame(rows: Iterable[Mapping[str, object]], table: str) -> pd.DataFrame:
    """Rows -> pandas DataFrame with the same dtypes ``pandas.read_parquet`` gives the file."""
    return rows_to_arrow(rows, table).to_pandas()


def existing_outputs(out_dir: Path) -> list[Path]:
    """Tables, markers or temporary files of a previous run present in ``out_dir``."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    names = {f"{t}.parquet" for t in TABLE_NAMES} | {SUCCESS, MANIFEST}
    return sorted(p for p in out_dir.iterdir() if p.name in names or p.name.startswith(".tmp-"))


def _atomic_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class DatasetWriter:
    """Writes the parts of one run into ``out_dir``; ``mode`` is new, overwrite or resume."""

    def __init__(self, out_dir: Path, run_info: Mapping[str, Any], mode: str = "new") -> None:
        self.out_dir = Path(out_dir)
        self.run_info = dict(run_info, schema_version=SCHEMA_VERSION)
        present = existing_outputs(self.out_dir)
        self.manifest: dict[str, Any] = {**self.run_info, "parts": []}
        if mode == "resume" and (self.out_dir / MANIFEST).exists():
            self._resume()
        elif present and mode == "new":
            raise OutputExistsError(
                f"{self.out_dir} already holds {', '.join(p.name for p in present)}; pass "
                "--overwrite to replace them, or --resume to finish an interrupted run"
            )
        else:
            for path in present:
                _remove(path)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for table in TABLE_NAMES:
            table_path(self.out_dir, table).mkdir(exist_ok=True)

    def _resume(self) -> None:
        manifest = json.loads((self.out_dir / MANIFEST).read_text(encoding="utf-8"))
        for key, value in self.run_info.items():
            if manifest.get(key) != value:
                raise ValueError(
                    f"cannot resume {self.out_dir}: its run had {key}={manifest.get(key)!r}, "
                    f"this one {value!r}; pass --overwrite to start again"
                )
        (self.out_dir / SUCCESS).unlink(missing_ok=True)
        self.manifest = manifest
        kept = {self.part_name(p["index"]) for p in manifest["parts"]}
        for table in TABLE_NAMES:
            folder = table_path(self.out_dir, table)
            for path in folder.glob("*") if folder.is_dir() else ():
                if path.name not in kept:
                    path.unlink()  # a part (or temporary file) the interrupted run did not finish
        for path in self.out_dir.glob(".tmp-*"):
            path.unlink()

    @staticmethod
    def part_name(index: int) -> str:
        return f"part-{index:05d}.parquet"

    @property
    def records_done(self) -> int:
        return sum(p["records"] for p in self.manifest["parts"])

    @property
    def next_part(self) -> int:
        return len(self.manifest["parts"])

    def write_part(self, index: int, tables: Mapping[str, pa.Table], records: int,
                   counts: Mapping[str, int]) -> None:
        """Write one part of every table, then record it in the manifest."""
        if index != self.next_part:
            raise ValueError(f"part {index} written out of order (expected {self.next_part})")
        for table in TABLE_NAMES:
            folder = table_path(self.out_dir, table)
            final = folder / self.part_name(index)
            tmp = folder / f".tmp-{os.getpid()}-{self.part_name(index)}"
            pq.write_table(tables[table], tmp, compression="zstd")
            os.replace(tmp, final)
        self.manifest["parts"].append({"index": index, "first_record": self.records_done,
                                       "records": records, "counts": dict(counts)})
        _atomic_json(self.out_dir / MANIFEST, self.manifest)

    def finish(self) -> dict[str, int]:
        """Mark the run complete: ``_SUCCESS`` holds the totals over every part."""
        if not self.manifest["parts"]:
            empty = {t: rows_to_arrow([], t) for t in TABLE_NAMES}
            self.write_part(0, empty, 0, {})
        totals: dict[str, int] = {}
        for part in self.manifest["parts"]:
            for key, value in part["counts"].items():
                totals[key] = totals.get(key, 0) + value
        _atomic_json(self.out_dir / SUCCESS, {"parts": self.next_part,
                                             "records": self.records_done, **totals})
        return totals


def read_tables(out_dir: Path, allow_partial: bool = False) -> dict[str, pd.DataFrame]:
    """The three tables of a run as DataFrames (a file or a directory of parts each)."""
    out_dir = Path(out_dir)
    if not allow_partial and (out_dir / MANIFEST).exists() and not (out_dir / SUCCESS).exists():
        raise IncompleteOutputError(
            f"{out_dir} holds an interrupted run (no {SUCCESS}); finish it with --resume, or "
            "read it anyway with allow_partial=True"
        )
    frames = {}
    for table in TABLE_NAMES:
        path = table_path(out_dir, table)
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: is {out_dir} the --out of a parse run?")
        frames[table] = pq.read_table(path, schema=arrow_schema(table)).to_pandas()
    return frames
