"""End to end: ``python -m pipeline parse`` on the bundled sample and on hostile inputs."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import pipeline
from conftest import FIXTURES, REPO

SAMPLE = REPO / "data" / "raw"


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    result = run_cli("parse", str(SAMPLE), "--out", str(out), "--model", "rules")
    assert result.returncode == 0, result.stderr
    assert "trials:" in result.stdout and "criteria:" in result.stdout
    return out


def test_cli_parse_sample_writes_three_tables(sample_out: Path) -> None:
    trials = pd.read_parquet(sample_out / "trials.parquet")
    criteria = pd.read_parquet(sample_out / "criteria.parquet")
    entities = pd.read_parquet(sample_out / "entities.parquet")
    assert len(trials) >= 40 and set(trials["status"]) == {"ok"}
    assert set(trials["format"]) >= {"ctgov_xml", "ctgov_json", "csv", "text"}
    assert trials["trial_id"].is_unique and criteria["criterion_id"].is_unique
    counts = criteria.groupby("trial_id").size()
    assert trials.set_index("trial_id")["n_criteria"].sort_index().tolist() == (
        counts.reindex(sorted(trials["trial_id"]), fill_value=0).tolist())
    assert list(entities.columns)[:4] == ["trial_id", "criterion_id", "entity_id", "label"]


def test_cli_parse_sample_offsets_invariant(sample_out: Path) -> None:
    trials = pd.read_parquet(sample_out / "trials.parquet").set_index("trial_id")
    criteria = pd.read_parquet(sample_out / "criteria.parquet")
    for row in criteria.itertuples():
        assert trials.at[row.trial_id, "source_text"][row.start : row.end] == row.text


def test_cli_parse_matches_notebook_api(sample_out: Path) -> None:
    from_cli = pipeline.read_tables(sample_out)
    in_memory = pipeline.parse_files([SAMPLE], model="rules")
    pd.testing.assert_frame_equal(from_cli.criteria, in_memory.criteria)
    pd.testing.assert_frame_equal(from_cli.trials.drop(columns="source"),
                                  in_memory.trials.drop(columns="source"))


def test_cli_refuses_existing_output_without_overwrite(sample_out: Path) -> None:
    result = run_cli("parse", str(SAMPLE / "NCT06145308.txt"), "--out", str(sample_out))
    assert result.returncode == 2 and "--overwrite" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_missing_input_names_it(tmp_path: Path) -> None:
    result = run_cli("parse", str(tmp_path / "missing.json"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "missing.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_hostile_inputs_become_rows(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "truncated.xml").write_bytes((FIXTURES / "legacy.xml").read_bytes()[:250])
    (inputs / "bomb.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<clinical_study>&b;</clinical_study>")
    (inputs / "bad.json").write_text("{nope")
    (inputs / "junk.txt").write_bytes(bytes(range(256)))
    (inputs / "NCT90000100.txt").write_bytes(b"")
    (inputs / "NCT90000101.txt").write_bytes("Inclusion Criteria:\n- Âge ≥ 18".replace("≥", ">")
                                              .encode("latin-1"))
    with zipfile.ZipFile(inputs / "bulk.zip", "w") as zf:
        zf.writestr("../../x.json", (FIXTURES / "api_v2_single.json").read_text())
    out = tmp_path / "out"
    result = run_cli("parse", str(inputs), "--out", str(out), "--model", "rules")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    trials = pd.read_parquet(out / "trials.parquet").set_index("trial_id")
    assert len(trials) == 7
    assert trials.loc[["truncated", "bomb", "bad", "junk"], "status"].eq("error").all()
    assert trials.loc[["truncated", "bomb", "bad", "junk"], "error"].str.len().gt(20).all()
    assert trials.at["NCT90000100", "status"] == "empty"
    assert trials.at["NCT90000101", "status"] == "ok"
    assert trials.at["NCT90000001", "status"] == "ok"
    assert sorted(p.name for p in tmp_path.rglob("x.json")) == []
    assert "error:" in result.stdout


def test_cli_duplicate_ids_get_distinct_keys(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for folder in (a, b):
        (folder / "NCT90000200.txt").write_text("Inclusion Criteria:\n- Adults")
    result = pipeline.parse_files([a, b], model="rules")
    assert result.trials["record_key"].tolist() == ["NCT90000200", "NCT90000200#2"]
    assert result.criteria["criterion_id"].is_unique


def test_cli_parse_text_api(seed_text: str) -> None:
    result = pipeline.parse_text(seed_text, trial_id="NCT06145308", model="rules")
    assert result.criteria.groupby("section").size().to_dict() == {"exclusion": 12,
                                                                   "inclusion": 10}
    assert result.trials.at[0, "status"] == "ok"
    assert json.dumps(result.criteria["criterion_id"].tolist()[:2]) == (
        '["NCT06145308:1", "NCT06145308:2"]')
