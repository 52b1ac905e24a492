"""Time windows. Cases are real criteria text (LCT, Chia: CC BY 4.0; the seed trial)."""

from __future__ import annotations

import pytest

from pipeline.tag.constraints import extract
from pipeline.tag.windows import find_windows
from pipeline.tag.values import find_values


def windows(text: str) -> list[tuple[str, float | None, float | None, str]]:
    return [(text[w.start : w.end], w.window_start, w.window_end, w.anchor)
            for w in find_windows(text, find_values(text))]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("within 4 weeks prior to the first dose",
         [("within 4 weeks prior to the first dose", -28.0, 0.0, "first_dose")]),
        ("in the 3 days before the first medication of the study treatment",
         [("in the 3 days before the first medication of the study treatment", -3.0, 0.0,
           "first_dose")]),
        ("hospitalisation in the past 6 months", [("in the past 6 months", -182.62, 0.0, "now")]),
        ("at least 4 weeks before enrollment", [("at least 4 weeks before enrollment", None,
                                                 -28.0, "enrollment")]),
        ("≥ 28 days since last chemotherapy", [("≥ 28 days since last chemotherapy", None,
                                                -28.0, "now")]),
        ("within 14 days prior to randomization", [("within 14 days prior to randomization",
                                                    -14.0, 0.0, "randomization")]),
        ("Major surgery within 4 weeks prior to the start of the study",
         [("within 4 weeks prior to the start of the study", -28.0, 0.0, "enrollment")]),
        ("within 30 days after the last dose", [("within 30 days after the last dose", 0.0,
                                                 30.0, "last_dose")]),
        ("more than 6 months ago", [("more than 6 months ago", None, -182.62, "now")]),
        ("Type 1 diabetes for at least 2 years", [("for at least 2 years", None, -730.5,
                                                   "now")]),
        ("within 6 months before medication", [("within 6 months before medication", -182.62,
                                                0.0, "first_dose")]),
        ("within 72 hours of admission", [("within 72 hours of admission", -3.0, 0.0,
                                           "admission")]),
        ("plan to receive any vaccine during the study period",
         [("during the study period", 0.0, None, "enrollment")]),
    ],
)
def test_windows_real_criteria(text: str, expected: list) -> None:
    assert windows(text) == expected


@pytest.mark.parametrize("text", ["Life expectancy is more than 3 months", "aged 18-75 years",
                                  "after 4 weeks of treatment"])
def test_windows_durations_without_temporal_cue_are_not_windows(text: str) -> None:
    assert windows(text) == []


def test_windows_temporal_row_carries_the_duration_constraint() -> None:
    [row] = [m for m in extract("in the past 6 months") if m.label == "temporal"]
    assert (row.comparator, row.low, row.high, row.unit) == ("<=", None, 6.0, "months")
    [row] = [m for m in extract("at least 4 weeks before enrollment") if m.label == "temporal"]
    assert (row.comparator, row.low, row.high, row.unit) == (">=", 4.0, None, "weeks")
