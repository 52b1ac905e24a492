"""The review page: self-contained, escaped, every criterion in its place, errors listed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pipeline
from conftest import REPO
from pipeline.review import number, render, typed_summary


@pytest.fixture(scope="module")
def seed(seed_text: str):
    return pipeline.parse_text(seed_text, trial_id="NCT06145308", model="rules")


def test_review_has_every_criterion_and_no_external_resource(seed) -> None:
    page = render(seed.trials, seed.criteria, seed.entities)
    assert page.count('data-criterion-id="') == 22
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", page)
    assert "<script" not in page
    assert "inclusion criteria" in page and "exclusion criteria" in page
    assert "-28 .. 0 days (enrollment)" in page and "first_dose" in page


def test_review_escapes_input_text() -> None:
    result = pipeline.parse_text("Inclusion Criteria:\n- <script>alert(1)</script> & age > 18",
                                 trial_id="<b>x</b>", model="rules")
    page = render(result.trials, result.criteria, result.entities)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>x</b>" not in page


def test_review_lists_errors_and_filters_trials(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{oops")
    (tmp_path / "NCT90000300.txt").write_text("Inclusion Criteria:\n- Adults")
    tables = pipeline.parse_files([tmp_path], model="rules")
    page = render(tables.trials, tables.criteria, tables.entities)
    assert "Trials with errors" in page and "invalid JSON" in page
    only = render(tables.trials, tables.criteria, tables.entities, ["NCT90000300"])
    assert "invalid JSON" not in only and only.count("data-criterion-id") == 1


def test_review_cli_from_inputs_and_from_a_run(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=300)

    page = tmp_path / "seed.html"
    done = cli("review", "data/raw/NCT06145308.txt", "--out", str(page), "--model", "rules")
    assert done.returncode == 0, done.stderr
    assert page.read_text().count("data-criterion-id") == 22
    out = tmp_path / "run"
    assert cli("parse", "data/raw/text", "--out", str(out), "--model", "rules").returncode == 0
    run_page = tmp_path / "run.html"
    done = cli("review", str(out), "--out", str(run_page), "--trial", "NCT03861299")
    assert done.returncode == 0 and "NCT03861299" in run_page.read_text()
    assert "(1 trial)" in done.stdout
    # One id found, one not: the page and the message count what is shown, the other is named.
    done = cli("review", str(out), "--out", str(run_page), "--trial", "NCT03861299",
               "--trial", "NCT00000000")
    assert done.returncode == 0 and "(1 trial)" in done.stdout
    assert "no trial NCT00000000" in done.stderr and "NCT03861299" not in done.stderr
    missing = cli("review", str(out), "--out", str(run_page), "--trial", "NCT00000000")
    assert missing.returncode == 2 and "no trial" in missing.stderr


def test_review_keeps_records_with_one_id_apart(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "NCT90000400.txt").write_text("Inclusion Criteria:\n- Adults\n- Signed consent")
    (b / "NCT90000400.txt").write_text("Inclusion Criteria:\n- Children")
    tables = pipeline.parse_files([a, b], model="rules")
    page = render(tables.trials, tables.criteria, tables.entities)
    first, second = page.split('<section class="trial"')[1:]
    assert first.count("data-criterion-id") == 2 and "Children" not in first
    assert second.count("data-criterion-id") == 1 and "NCT90000400#2" in second
    only = render(tables.trials, tables.criteria, tables.entities, ["NCT90000400#2"])
    assert only.count("data-criterion-id") == 1


def test_review_page_forbids_fetching_anything(seed) -> None:
    page = render(seed.trials, seed.criteria, seed.entities)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_review_numbers_and_typed_summary(seed) -> None:
    assert [number(v) for v in (18.0, 1.5, -182.625, None, float("nan"), -0.0)] == [
        "18", "1.5", "-182.62", "", "", "0"]
    ecog = seed.entities[seed.entities["concept"] == "ECOG performance status"].iloc[0]
    assert typed_summary(ecog) == "ECOG performance status · 0 – 1"
    window = seed.entities[seed.entities["anchor"] == "first_dose"].iloc[0]
    assert "-3 .. 0 days (first_dose)" in typed_summary(window)


def test_review_draws_each_criterion_logic_tree_under_its_entities() -> None:
    from pipeline.review import logic_html, logic_text

    result = pipeline.parse_text(
        "Inclusion Criteria:\n"
        "- ANC >= 1.5 x 10^9/L and platelets >= 100 x 10^9/L\n"
        "- At least one of the following:\n"
        "  - ECOG 0-1\n"
        "  - Karnofsky >= 70\n", trial_id="NCT90000600", model="rules")
    criterion = result.criteria.iloc[0]
    mine = result.entities[result.entities.criterion_id == criterion.criterion_id]
    assert logic_text(criterion.logic, mine) == (
        "AND(ANC [measurement], platelets [measurement])")
    drawn = logic_html(criterion.logic, mine)
    # the operator above its arguments, nested: AND, then a list of the two leaves
    assert re.fullmatch(
        r'<ul class="logic"[^>]*><li><span class="op">AND</span><ul>'
        r'<li class="leaf" data-entity-id="[^"]+:e\d+">ANC<span class="lab">measurement</span>'
        r' </li><li class="leaf" data-entity-id="[^"]+">platelets<span class="lab">measurement'
        r'</span> </li></ul></li></ul>', drawn), drawn
    page = render(result.trials, result.criteria, result.entities)
    first = page.split('data-criterion-id="NCT90000600:1"', 1)[1].split("data-criterion-id")[0]
    # under the highlighted text, before the typed-values table
    assert first.index('class="entities"') < first.index('class="logic"') < first.index(
        "<table>")
    assert page.count('class="logic"') == 1  # the other criteria have one leaf or none
    assert "sub-items: any of them" in page
    assert logic_html(None, mine) == "" and logic_text(None, mine) == ""


def test_review_logic_tree_escapes_and_flags_negated_leaves() -> None:
    from pipeline.review import logic_html, logic_text

    entities = pd.DataFrame([
        {"entity_id": "a", "label": "condition", "text": "<b>HIV</b>", "negated": True,
         "historical": False, "hypothetical": False},
        {"entity_id": "b", "label": "condition", "text": "HBV", "negated": False,
         "historical": True, "hypothetical": False}])
    logic = '{"op":"not","args":[{"op":"or","args":["a","b"]}]}'
    assert logic_text(logic, entities) == "NOT(OR(no <b>HIV</b> [condition], HBV [condition]))"
    drawn = logic_html(logic, entities)
    assert "<b>HIV" not in drawn and "&lt;b&gt;HIV&lt;/b&gt;" in drawn
    assert drawn.index(">NOT<") < drawn.index(">OR<")
    assert '<span class="flag">negated</span>' in drawn
    assert '<span class="flag">historical</span>' in drawn
