"""The README's patient example runs and prints what the README says, the first notebook runs the
same code, and the three-valued reading of the tables (pipeline/patient.py) behaves as
documented."""

from __future__ import annotations

import contextlib
import io
import json

import nbformat
import pandas as pd
import pytest

from conftest import REPO
from pipeline.patient import combine, criterion_results, leaf_result, verdict, walk, within

START, END = "<!-- patient-example:start -->", "<!-- patient-example:end -->"


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def readme_code() -> str:
    readme = _readme()
    block = readme[readme.index(START) + len(START):readme.index(END)]
    return block.split("```python\n", 1)[1].rsplit("```", 1)[0]


def readme_output() -> list[str]:
    """The block the README says the example prints (the first fence after the end marker)."""
    after = _readme().split(END, 1)[1]
    return after.split("```\n", 2)[1].splitlines()


@pytest.fixture(scope="module")
def example() -> dict:
    namespace: dict = {"__name__": "readme_example"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(readme_code(), "README.md:patient-example", "exec"), namespace)
    namespace["printed"] = out.getvalue().splitlines()
    return namespace


def test_readme_example_prints_what_the_readme_shows(example) -> None:
    printed = example["printed"]
    assert printed == readme_output()
    assert printed[-1] == "verdict: not eligible"
    results = {r.text: r.result for r in example["results"].itertuples()}
    assert results["Type 2 diabetes mellitus or prediabetes"] == "met"  # E11.9 under E11
    assert results["Absolute neutrophil count ≥ 1.5 × 10^9/L"] == "not met"  # 1.2 < 1.5
    assert results["Platelets ≥ 100 × 10^9/L"] == "unknown"  # no platelet count
    assert results["Pregnant or breastfeeding women"] == "not met"  # a man


def test_readme_example_other_patients_as_the_readme_says(example) -> None:
    trial, patient = example["trial"], example["patient"]
    better = {**patient, "labs": {"absolute neutrophil count": (2.1, "10^9/L")}}
    assert verdict(criterion_results(trial, better)) == "unknown"
    full = {**better, "labs": {**better["labs"], "platelet count": (150, "10^9/L")}}
    assert verdict(criterion_results(trial, full)) == "eligible"
    other_unit = {**full, "labs": {**full["labs"], "platelet count": (150000, "/µL")}}
    assert verdict(criterion_results(trial, other_unit)) == "unknown"  # nothing converted
    had_mi = {**full, "icd10cm": ["E11.9", "I21.4"]}
    results = criterion_results(trial, had_mi)
    assert results.set_index("text").result["myocardial infarction"] == "met"
    assert results.set_index("text").result["Any of the following:"] == "met"
    assert verdict(results) == "not eligible"
    no_diabetes = {**full, "icd10cm": ["J45.909"]}
    assert verdict(criterion_results(trial, no_diabetes)) == "not eligible"
    child = {**full, "age": 12}
    assert verdict(criterion_results(trial, child)) == "not eligible"


def test_first_notebook_ends_with_the_readme_example() -> None:
    cells = [c for c in nbformat.read(REPO / "notebooks" / "01-parse-a-trial.ipynb",
                                      as_version=4).cells if c.cell_type == "code"]
    assert cells[-1].source.strip() == readme_code().strip()


def test_combine_is_three_valued() -> None:
    t, f, u = True, False, None
    assert combine("and", [t, t]) is t and combine("and", [t, f, u]) is f
    assert combine("and", [t, u]) is u and combine("and", []) is t
    assert combine("or", [f, f]) is f and combine("or", [f, u, t]) is t
    assert combine("or", [f, u]) is u
    assert combine("not", [t]) is f and combine("not", [u]) is u


def test_walk_reads_an_or_of_negated_leaves_as_neither() -> None:
    values = {"a": False, "b": True}  # "No chemotherapy or radiotherapy": a met, b not met
    node = json.loads('{"op":"or","args":["a","b"]}')
    assert walk(node, values.get) is True  # as written
    assert walk(node, values.get, negated={"a", "b"}) is False  # neither may be present
    assert walk(node, values.get, negated={"a"}) is True  # one negated: the or stands


def _row(**fields) -> pd.Series:
    base = {"label": "measurement", "concept": None, "comparator": None, "value_low": None,
            "value_high": None, "unit": None, "negated": False}
    return pd.Series({**base, **fields})


def test_leaves_by_bounds_units_codes_and_negation() -> None:
    assert within(18, _row(comparator=">=", value_low=18.0)) is True
    assert within(18, _row(comparator=">", value_low=18.0)) is False
    assert within(5, _row(comparator="<", value_high=5.0)) is False
    assert within(3, _row(comparator="between", value_low=1.0, value_high=4.0)) is True
    assert within(3, _row()) is None  # no comparator: nothing to compare
    patient = {"age": 40, "sex": "female", "icd10cm": ["E11.65", "C50.911"],
               "labs": {"creatinine": (1.1, "mg/dL")}}
    lab = _row(concept="creatinine", comparator="<=", value_high=1.5, unit="mg/dL")
    assert leaf_result(lab, patient, []) is True
    assert leaf_result(_row(concept="creatinine", comparator="<=", value_high=1.5,
                            unit="µmol/L"), patient, []) is None
    assert leaf_result(_row(concept="bilirubin", comparator="<=", value_high=1.5,
                            unit="mg/dL"), patient, []) is None
    condition = _row(label="condition")
    assert leaf_result(condition, patient, ["E08-E13"]) is True  # a block
    assert leaf_result(condition, patient, ["C50"]) is True
    assert leaf_result(condition, patient, ["I10"]) is False  # codes taken as complete
    assert leaf_result(condition, patient, []) is None  # uncoded: unknown
    assert leaf_result(_row(label="condition", negated=True), patient, ["I10"]) is True
    assert leaf_result(_row(label="sex", concept="male"), patient, []) is False
    assert leaf_result(_row(label="sex", concept="all"), patient, []) is True
    assert leaf_result(_row(label="drug"), patient, ["X"]) is None
