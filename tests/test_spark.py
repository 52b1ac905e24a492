"""Spark: the same pipeline through mapInArrow on a local[2] session gives the local rows."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import pipeline
from conftest import REPO
from pipeline.sources import iter_records

SAMPLE = REPO / "data" / "raw"
KEYS = {"trials": ["trial_id"], "criteria": ["criterion_id"], "entities": ["entity_id"]}

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="Java not found: the Spark test needs a JDK 17 on the PATH "
           "(e.g. apt-get install openjdk-17-jre-headless); see README, Spark",
)


@pytest.fixture(scope="module")
def spark():
    from pipeline.spark import local_session

    session = local_session(cores=2)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def normalized(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    frame = frame.sort_values(KEYS[table]).reset_index(drop=True)
    return frame.astype(object).where(frame.notna(), None)


def test_spark_rows_equal_local_run(spark) -> None:
    from pipeline.spark import parse_dataframe, records_dataframe

    local = pipeline.parse_files([SAMPLE])
    df = records_dataframe(spark, iter_records([SAMPLE]))
    remote = parse_dataframe(df)
    for table in ("trials", "criteria", "entities"):
        theirs = remote[table].toPandas()
        ours = getattr(local, table)
        assert list(theirs.columns) == list(ours.columns), table
        assert len(theirs) == len(ours) > 0, table
        pd.testing.assert_frame_equal(normalized(theirs, table), normalized(ours, table),
                                      check_dtype=False)


def test_spark_refuses_missing_columns(spark) -> None:
    from pipeline.spark import parse_dataframe

    df = spark.createDataFrame(pd.DataFrame({"id": ["NCT1"], "body": ["- adults"]}))
    with pytest.raises(ValueError, match="no column"):
        parse_dataframe(df)
    rows = parse_dataframe(df, id_col="id", text_col="body", model="rules")["criteria"].collect()
    assert [r.text for r in rows] == ["adults"]
