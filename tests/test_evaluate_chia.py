"""``evaluate chia``: strict and relaxed scoring, and the dev-split acceptance on shared Chia."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO, shared_path
from pipeline.evaluate.chia import ChiaReport, evaluate_chia, score
from pipeline.train import MODEL_DIR
from pipeline.train.brat import EVALUATED, GoldSpan

GOLD = [
    GoldSpan(0, 15, "condition"),     # "Liver cirrhosis"
    GoldSpan(21, 44, "value"),        # "between 18 and 70 years"
    GoldSpan(46, 64, "condition"),    # "Esophageal varices"
    GoldSpan(100, 102, "measurement"),
]
PRED = [
    GoldSpan(0, 15, "condition"),     # exact
    GoldSpan(29, 44, "value"),        # overlaps: relaxed only
    GoldSpan(46, 64, "drug"),         # right span, wrong label: neither
    GoldSpan(200, 210, "procedure"),  # spurious
    GoldSpan(0, 5, "qualifier"),      # not one of the eight: ignored
]


def test_evaluate_chia_strict_needs_span_and_label() -> None:
    report = score(GOLD, PRED)
    micro = report.micro
    assert (micro.gold, micro.pred, micro.strict) == (4, 4, 1)
    assert micro.strict_prf() == pytest.approx((0.25, 0.25, 0.25))
    assert report.labels["condition"].strict_prf() == pytest.approx((1.0, 0.5, 2 / 3))


def test_evaluate_chia_relaxed_counts_overlap_with_same_label() -> None:
    report = score(GOLD, PRED)
    assert report.micro.relaxed_prf() == pytest.approx((0.5, 0.5, 0.5))
    value = report.labels["value"]
    assert value.strict_prf()[2] == 0.0 and value.relaxed_prf() == pytest.approx((1, 1, 1))
    assert report.labels["procedure"].relaxed_prf() == (0.0, 0.0, 0.0)


def test_evaluate_chia_accumulates_documents_and_prints_every_label() -> None:
    report = score(GOLD, GOLD)
    score(GOLD, [], report)
    assert report.micro.strict_prf() == pytest.approx((1.0, 0.5, 2 / 3))
    lines = report.lines()
    assert [line.split()[0] for line in lines[3:]] == [*EVALUATED, "micro"]
    assert isinstance(ChiaReport().micro.strict_prf()[2], float)  # empty report: no division


def test_evaluate_chia_cli_on_the_tiny_sample() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "evaluate", "chia", str(FIXTURES / "chia_tiny"),
         "--show", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "chia: 6 files" in result.stdout
    micro = next(line for line in result.stdout.splitlines() if line.startswith("micro"))
    assert float(micro.split()[5]) > 0.3  # strict F1 of the shipped model on six documents
    # then negation against Has_negation (7 relations in these files; scopes make 11 entities)
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("negation on chia all:"))
    assert " 11 negated (Has_negation)" in header
    scores = next(line for line in lines if line.startswith("negation P")).split()
    assert 0.0 < float(scores[6]) <= 1.0  # F1
    assert any(line.startswith("misses (") for line in lines)
    assert any(line.startswith("false alarms (") for line in lines)
    # then the logic trees' scores on the same files: ours and the baseline, both leaf kinds
    assert "logic on chia all: 6 files" in result.stdout
    rows = [line.split()[:2] for line in result.stdout.splitlines()
            if line.split()[1:2] in (["ours"], ["baseline"])]
    assert rows == [["predicted", "ours"], ["predicted", "baseline"], ["gold", "ours"],
                    ["gold", "baseline"]]


@pytest.mark.shared
def test_evaluate_chia_dev_split_strict_micro_f1() -> None:
    report = evaluate_chia(shared_path("chia"), MODEL_DIR, split="dev")
    assert report.files > 250  # about a fifth of the 1618 shared documents
    strict_f1 = report.micro.strict_prf()[2]
    assert strict_f1 >= 0.60, "\n".join(report.lines())
    assert report.micro.relaxed_prf()[2] > strict_f1
