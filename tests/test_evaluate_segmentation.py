"""Acceptance on the shared corpora (skipped when ../shared/data is absent)."""

from __future__ import annotations

import json

import pytest

from conftest import shared_path
from pipeline.evaluate.segmentation import evaluate_llf, evaluate_records

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def records_report():
    return evaluate_records(shared_path("ctgov_records", "raw"))


def test_evaluate_every_record_gives_one_trials_row(records_report) -> None:
    listed = shared_path("ctgov_records", "records.jsonl").read_text().splitlines()
    ids = {json.loads(line)["nct_id"] for line in listed}
    assert records_report.records == len(listed)
    assert set(records_report.texts) == ids
    assert records_report.statuses.get("error", 0) == 0
    assert set(records_report.formats) >= {"ctgov_xml", "ctgov_json", "csv", "text"}


def test_evaluate_offsets_invariant_everywhere(records_report) -> None:
    assert records_report.criteria > 10_000
    assert records_report.offsets_ok == records_report.criteria


def test_evaluate_both_sections_found(records_report) -> None:
    assert records_report.both_headers > 1000
    assert records_report.both_found / records_report.both_headers >= 0.99


def test_evaluate_llf_criteria_come_out_whole(records_report) -> None:
    report = evaluate_llf(shared_path("llf"), records_report.texts)
    assert report.criteria > 1000 and report.missing_text == 0
    assert report.matched / report.criteria >= 0.95
