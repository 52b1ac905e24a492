"""Schema declared once; the writer refuses rows that do not match it and writes atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.assemble import process_record
from pipeline.schema import (
    SCHEMA_VERSION,
    TABLES,
    SchemaError,
    arrow_schema,
    column_names,
    markdown,
)
from pipeline.sources.record import Record
from pipeline.write import (
    DatasetWriter,
    IncompleteOutputError,
    OutputExistsError,
    read_tables,
    rows_to_arrow,
)


def write_tables(tables: dict, out_dir: Path, overwrite: bool = False) -> None:
    """One part per table, the way a run of one part writes them."""
    writer = DatasetWriter(out_dir, {"inputs": []}, "overwrite" if overwrite else "new")
    arrow = {t: rows_to_arrow(tables.get(t, ()), t) for t in TABLES}
    writer.write_part(0, arrow, len(tables.get("trials", ())), {})
    writer.finish()

CONTRACT = {
    "trials": ["trial_id", "source", "status", "error", "n_criteria", "source_text"],
    "criteria": ["trial_id", "criterion_id", "section", "ordinal", "depth", "parent_id", "bullet",
                 "start", "end", "text", "norm_text", "logic", "children_op"],
    "entities": ["trial_id", "criterion_id", "entity_id", "label", "start", "end", "text",
                 "negated", "hypothetical", "historical", "comparator", "value_low",
                 "value_high", "unit", "window_start_days", "window_end_days", "anchor"],
}


def test_schema_keeps_contract_columns_in_order() -> None:
    for table, names in CONTRACT.items():
        assert list(column_names(table)[: len(names)]) == names


def test_schema_rows_produced_match_schema_columns() -> None:
    rows = process_record(Record("NCT1", "x", "text", "Inclusion Criteria:\n- Adults"))
    assert set(rows.trial) == set(column_names("trials"))
    assert all(set(r) == set(column_names("criteria")) for r in rows.criteria)


def test_schema_version_and_descriptions_in_metadata(tmp_path: Path) -> None:
    write_tables({}, tmp_path)
    for table in TABLES:
        schema = pq.read_schema(tmp_path / f"{table}.parquet" / "part-00000.parquet")
        assert schema.metadata[b"schema_version"] == SCHEMA_VERSION.encode()
        assert all(schema.field(c.name).metadata[b"description"] for c in TABLES[table])


def test_writer_refuses_rows_with_other_keys() -> None:
    row = process_record(Record("NCT1", "x", "text", "- a")).trial
    with pytest.raises(SchemaError, match="unknown \\['surprise'\\]"):
        rows_to_arrow([{**row, "surprise": 1}], "trials")
    del row["status"]
    with pytest.raises(SchemaError, match="missing \\['status'\\]"):
        rows_to_arrow([row], "trials")


def test_writer_refuses_to_overwrite_without_flag(tmp_path: Path) -> None:
    write_tables({}, tmp_path)
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_tables({}, tmp_path)
    write_tables({}, tmp_path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "_SUCCESS", "_manifest.json", "codes.parquet", "criteria.parquet", "entities.parquet",
        "trials.parquet"]


def test_writer_failure_leaves_no_partial_tables(tmp_path: Path) -> None:
    good = process_record(Record("NCT1", "x", "text", "- a"))
    bad_criteria = [{**good.criteria[0], "extra": True}]
    with pytest.raises(SchemaError):
        write_tables({"trials": [good.trial], "criteria": bad_criteria}, tmp_path)
    assert not list((tmp_path / "criteria.parquet").iterdir())
    assert not (tmp_path / "_SUCCESS").exists()


def test_writer_unfinished_run_is_refused_by_readers(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, {"inputs": []})
    rows = process_record(Record("NCT1", "x", "text", "- a"))
    writer.write_part(0, {"trials": rows_to_arrow([rows.trial], "trials"),
                          "criteria": rows_to_arrow(rows.criteria, "criteria"),
                          "entities": rows_to_arrow([], "entities"),
                          "codes": rows_to_arrow([], "codes")}, 1, {"ok": 1})
    with pytest.raises(IncompleteOutputError, match="--resume"):
        read_tables(tmp_path)
    assert len(read_tables(tmp_path, allow_partial=True)["trials"]) == 1
    with pytest.raises(ValueError, match="out of order"):
        writer.write_part(5, {}, 0, {})


def test_writer_round_trip_types(tmp_path: Path) -> None:
    rows = process_record(Record("NCT1", "x", "text", "Inclusion Criteria:\n- Adults\n- Consent"))
    write_tables({"trials": [rows.trial], "criteria": rows.criteria}, tmp_path)
    tables = read_tables(tmp_path)
    assert tables["criteria"]["ordinal"].tolist() == [1, 2]
    assert tables["criteria"]["start"].dtype == "int32"
    assert tables["entities"].empty and list(tables["entities"].columns) == list(
        column_names("entities"))
    assert arrow_schema("criteria").field("parent_id").nullable
    assert isinstance(tables["trials"], pd.DataFrame)


def test_schema_documented_in_readme() -> None:
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert markdown() in readme  # the column tables as generated, word for word
    assert f"(`SCHEMA_VERSION` = {SCHEMA_VERSION}," in readme
    for table, columns in TABLES.items():
        assert f"### `{table}.parquet`" in readme
        for column in columns:
            assert f"| `{column.name}` | {column.type} |" in readme, (table, column.name)
