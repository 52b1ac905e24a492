"""The same pipeline on Spark, for when one machine is not enough.

``parse_dataframe(df)`` takes a Spark DataFrame with a trial id and a criteria text column (and,
optionally, the registry fields and the other ``Record`` columns) and returns the three tables as
Spark DataFrames with the local tables' columns. Each partition is parsed with ``mapInArrow`` by
``batch.parse_part`` — the very function local runs use — and the tagger (model, rules, ConText)
is loaded once per Python worker process and reused across tasks.

Criterion ids are ``trial_id:n``: give Spark unique trial ids (a local run suffixes repeats with
``#2``; a distributed run cannot know the order of repeats).

    from pipeline.spark import local_session, parse_dataframe
    spark = local_session()                                   # or your cluster's session
    df = spark.read.parquet("registry.parquet")               # columns: trial_id, criteria, …
    tables = parse_dataframe(df, id_col="trial_id", text_col="criteria")
    tables["criteria"].write.parquet("out/criteria.parquet")
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable, Iterator

import pyarrow as pa

import pipeline
from pipeline.schema import TABLE_NAMES, arrow_schema
from pipeline.sources.record import REGISTRY_FIELDS, Record

__all__ = ["local_session", "parse_dataframe", "records_dataframe"]

_RECORD_COLUMNS = ("source", "format", "error", "warning", "source_index", *REGISTRY_FIELDS)


def nested_schema() -> pa.Schema:
    """One row per trial: its trial row, and lists of its criteria and entity rows."""
    def struct(table: str) -> pa.StructType:
        return pa.struct(list(arrow_schema(table)))

    return pa.schema([pa.field("trial", struct("trials")),
                      pa.field("criteria", pa.list_(struct("criteria"))),
                      pa.field("entities", pa.list_(struct("entities"))),
                      pa.field("codes", pa.list_(struct("codes")))])


def _records(batch: pa.RecordBatch, id_col: str, text_col: str) -> list[Record]:
    columns = batch.to_pydict()
    records = []
    for n in range(batch.num_rows):
        value = {name: columns[name][n] for name in columns}
        fields = {f: value.get(f) for f in REGISTRY_FIELDS}
        records.append(Record(str(value[id_col]), value.get("source") or "spark",
                              value.get("format") or "spark", value.get(text_col), fields,
                              value.get("error"), value.get("warning"), value.get("source_index")))
    return records


def parse_batches(batches: Iterable[pa.RecordBatch], id_col: str, text_col: str,
                  model: str | None) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: (id, text, …) batches -> nested rows of the three tables."""
    from pipeline.batch import parse_part

    schema = nested_schema()
    tagger = pipeline.load_tagger(model, quiet=True)  # once per model, per Python worker
    for batch in batches:
        records = _records(batch, id_col, text_col)
        part = parse_part([(r, r.trial_id) for r in records], tagger)
        by_trial: dict[str, dict[str, list]] = {t: {} for t in TABLE_NAMES[1:]}
        for table, rows_of in by_trial.items():
            for row in part.tables[table]:
                rows_of.setdefault(row["trial_id"], []).append(row)
        rows = [{"trial": trial, **{table: by_trial[table].get(trial["trial_id"], [])
                                    for table in TABLE_NAMES[1:]}}
                for trial in part.tables["trials"]]
        yield pa.RecordBatch.from_pylist(rows, schema=schema)


def parse_dataframe(df: Any, id_col: str = "trial_id", text_col: str = "criteria",
                    model: str | None = None) -> dict[str, Any]:
    """The trials, criteria, entities and codes tables of ``df`` as Spark DataFrames."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    missing = [c for c in (id_col, text_col) if c not in df.columns]
    if missing:
        raise ValueError(f"DataFrame has no column {missing}; columns are {df.columns}")
    keep = [id_col, text_col, *(c for c in _RECORD_COLUMNS if c in df.columns and
                                 c not in (id_col, text_col))]
    parsed = df.select(*keep).mapInArrow(
        lambda batches: parse_batches(batches, id_col, text_col, model),
        from_arrow_schema(nested_schema()),
    ).persist()
    tables = {"trials": parsed.select("trial.*")}
    for table in TABLE_NAMES[1:]:
        tables[table] = parsed.select(F.explode(table).alias("row")).select("row.*")
    return tables


def records_dataframe(spark: Any, records: Iterable[Record]) -> Any:
    """A Spark DataFrame of parsed input records (read by the local readers on the driver)."""
    rows = [{"trial_id": r.trial_id, "criteria": r.text, "source": r.source, "format": r.format,
             "error": r.error, "warning": r.warning, "source_index": r.index,
             **{f: r.fields.get(f) for f in REGISTRY_FIELDS}} for r in records]
    schema = pa.schema([("trial_id", pa.string()), ("criteria", pa.string()),
                        ("source", pa.string()), ("format", pa.string()), ("error", pa.string()),
                        ("warning", pa.string()), ("source_index", pa.int32()),
                        *((f, pa.string()) for f in REGISTRY_FIELDS)])
    return spark.createDataFrame(pa.Table.from_pylist(rows, schema=schema).to_pandas())


def local_session(cores: int = 2, app: str = "elig-criteria") -> Any:
    """A local Spark session whose Python workers use this interpreter (and its packages)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(f"local[{cores}]").appName(app)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", "2g")
            .getOrCreate())
