"""The only module that writes or reads Parquet.

Rows are plain dicts checked against ``schema.py`` before they reach pyarrow (which would
otherwise drop unknown keys and fill missing ones with null without a word). Every file is
written under a temporary name in the output directory and renamed when complete, so a reader
never sees a half-written table under its real name.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schema import TABLE_NAMES, arrow_schema, check_row

__all__ = [
    "OutputExistsError",
    "existing_outputs",
    "read_tables",
    "rows_to_arrow",
    "rows_to_frame",
    "table_path",
    "write_tables",
]


class OutputExistsError(FileExistsError):
    """The output directory already holds tables and ``overwrite`` was not asked for."""


def table_path(out_dir: Path, table: str) -> Path:
    return Path(out_dir) / f"{table}.parquet"


def rows_to_arrow(rows: Iterable[Mapping[str, object]], table: str) -> pa.Table:
    """Rows -> Arrow table of ``table``'s schema; refuses rows whose keys differ from it."""
    rows = list(rows)
    for row in rows:
        check_row(table, dict(row))
    return pa.Table.from_pylist(rows, schema=arrow_schema(table))


def rows_to_frame(rows: Iterable[Mapping[str, object]], table: str) -> pd.DataFrame:
    """Rows -> pandas DataFrame with the same dtypes ``pandas.read_parquet`` gives the file."""
    return rows_to_arrow(rows, table).to_pandas()


def existing_outputs(out_dir: Path) -> list[Path]:
    """Tables (or their temporary files) already present in ``out_dir``."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    names = {f"{t}.parquet" for t in TABLE_NAMES} | {"_SUCCESS", "_manifest.json"}
    return sorted(p for p in out_dir.iterdir() if p.name in names or p.name.startswith(".tmp-"))


def write_tables(
    tables: Mapping[str, Iterable[Mapping[str, object]]], out_dir: Path, overwrite: bool = False
) -> dict[str, Path]:
    """Write the three tables into ``out_dir`` atomically; returns their paths.

    All tables are written to temporary files first and renamed only once every one of them is
    complete, so an interrupted run leaves the previous output (or nothing) under the real names.
    """
    out_dir = Path(out_dir)
    present = existing_outputs(out_dir)
    if present and not overwrite:
        raise OutputExistsError(
            f"{out_dir} already holds {', '.join(p.name for p in present)}; "
            "pass --overwrite to replace them"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}
    try:
        for table in TABLE_NAMES:
            arrow = rows_to_arrow(tables.get(table, ()), table)
            tmp = out_dir / f".tmp-{os.getpid()}-{table}.parquet"
            pq.write_table(arrow, tmp, compression="zstd")
            staged[table] = tmp
    except BaseException:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        raise
    for path in present:
        _remove(path)
    final = {}
    for table, tmp in staged.items():
        final[table] = table_path(out_dir, table)
        os.replace(tmp, final[table])
    return final


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def read_tables(out_dir: Path) -> dict[str, pd.DataFrame]:
    """The three tables of a run as DataFrames (a file or a directory of parts each)."""
    out_dir = Path(out_dir)
    frames = {}
    for table in TABLE_NAMES:
        path = table_path(out_dir, table)
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: is {out_dir} the --out of a parse run?")
        frames[table] = pq.read_table(path, schema=arrow_schema(table)).to_pandas()
    return frames
