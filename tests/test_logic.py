"""AND / OR / NOT inside a criterion (criteria.logic, criteria.children_op) and its scoring.

Criteria are real eligibility text (Chia, CC BY 4.0, and ClinicalTrials.gov records); entity
rows are written by hand where the test is about the tree, so that a change of the NER model
cannot move them.
"""

from __future__ import annotations

import json

import pytest

from conftest import shared_path
from pipeline.tag.constraints import extract
from pipeline.tag.logic import children_op, logic_tree, pair_ops, tree

START = 100  # the criterion's offset in its trial's text: rows carry source-text offsets
CID = "NCT00000000:7"


def rows(text: str, *spans: tuple[str, str] | tuple[str, str, int], **flags: set[str]
         ) -> list[dict]:
    """Entity rows for ``(label, surface[, occurrence])`` spans of ``text``, numbered e1, e2, …
    in the order given; ``exception={"e2"}`` marks rows inside an exception."""
    out = []
    for n, span in enumerate(spans, start=1):
        label, surface = span[0], span[1]
        occurrence = span[2] if len(span) > 2 else 0
        at = -1
        for _ in range(occurrence + 1):
            at = text.index(surface, at + 1)
        ident = f"e{n}"
        out.append({"entity_id": ident, "label": label, "start": START + at,
                    "end": START + at + len(surface), "text": surface,
                    "exception": ident in flags.get("exception", set())})
    return out


def logic(text: str, entities: list[dict], section: str | None = None):
    result = logic_tree(text, START, entities, section)
    return None if result is None else json.loads(result)


def OR(*args):  # noqa: N802 - reads like the tree
    return {"op": "or", "args": list(args)}


def AND(*args):  # noqa: N802
    return {"op": "and", "args": list(args)}


def NOT(arg):  # noqa: N802
    return {"op": "not", "args": [arg]}


def test_comma_list_with_or_is_one_or_and_the_window_is_no_leaf() -> None:
    text = "History of myocardial infarction, unstable angina, or stroke within 6 months"
    entities = rows(text, ("condition", "myocardial infarction"), ("condition", "unstable angina"),
                    ("condition", "stroke"), ("temporal", "within 6 months"))
    assert logic(text, entities, "exclusion") == OR("e1", "e2", "e3")
    assert logic(text, entities, "inclusion") == OR("e1", "e2", "e3")


def test_labs_joined_by_and_need_both() -> None:
    text = "ANC ≥ 1.5 × 10^9/L and platelets ≥ 100 × 10^9/L"
    entities = rows(text, ("measurement", "ANC"), ("value", "≥ 1.5 × 10^9/L"),
                    ("measurement", "platelets"), ("value", "≥ 100 × 10^9/L"))
    assert logic(text, entities) == AND("e1", "e3")
    # the bare comma list of labs with values is all of them too
    text = "ANC ≥ 1.5 × 10^9/L, platelets ≥ 100 × 10^9/L, hemoglobin ≥ 9 g/dL"
    entities = rows(text, ("measurement", "ANC"), ("value", "≥ 1.5 × 10^9/L"),
                    ("measurement", "platelets"), ("value", "≥ 100 × 10^9/L"),
                    ("measurement", "hemoglobin"), ("value", "≥ 9 g/dL"))
    assert logic(text, entities) == AND("e1", "e3", "e5")


def test_and_or() -> None:
    text = "Known hepatitis B and/or hepatitis C infection"
    entities = rows(text, ("condition", "hepatitis B"), ("condition", "hepatitis C infection"))
    assert logic(text, entities) == OR("e1", "e2")
    text = "Chronic liver disease and / or screening ALT above three times the upper limit"
    entities = rows(text, ("condition", "Chronic liver disease"), ("measurement", "ALT"))
    assert logic(text, entities) == OR("e1", "e2")


def test_either_or() -> None:
    text = "Subjects should be either sexually inactive or agree to use a barrier method"
    entities = rows(text, ("observation", "sexually inactive"),
                    ("procedure", "barrier method"))
    assert logic(text, entities) == OR("e1", "e2")


def test_neither_nor_is_not_or() -> None:
    text = "Subjects who have neither diabetes nor hypertension"
    entities = rows(text, ("condition", "diabetes"), ("condition", "hypertension"))
    assert logic(text, entities) == NOT(OR("e1", "e2"))
    text = "No myocardial infarction, stroke, nor transient ischemic attack"
    entities = rows(text, ("condition", "myocardial infarction"), ("condition", "stroke"),
                    ("condition", "transient ischemic attack"))
    assert logic(text, entities) == NOT(OR("e1", "e2", "e3"))


def test_slash_alternatives() -> None:
    text = "Active HBV/HCV infection"
    entities = rows(text, ("condition", "HBV"), ("condition", "HCV infection"))
    assert logic(text, entities) == OR("e1", "e2")
    # a slash binds tighter than "and"
    text = "HIV/HCV co-infection and HIV RNA < 50 copies/mL"
    entities = rows(text, ("condition", "HIV"), ("condition", "HCV co-infection"),
                    ("measurement", "HIV RNA"), ("value", "< 50 copies/mL"))
    assert logic(text, entities) == AND(OR("e1", "e2"), "e3")


def test_with_is_and_and_binds_looser_than_or() -> None:
    text = "History of heart failure with LVEF < 40%"
    entities = rows(text, ("condition", "heart failure"), ("measurement", "LVEF"),
                    ("value", "< 40%"))
    assert logic(text, entities) == AND("e1", "e2")
    text = "Known allergy to local anaesthetics, opioids or paracetamol"
    entities = rows(text, ("condition", "allergy"), ("drug", "local anaesthetics"),
                    ("drug", "opioids"), ("drug", "paracetamol"))
    assert logic(text, entities, "exclusion") == AND("e1", OR("e2", "e3", "e4"))


def test_and_in_an_exclusion_list_is_any_but_both_stays_and() -> None:
    text = "the history or family history of anaphylaxis, convulsion, epilepsy and psychosis"
    entities = rows(text, ("condition", "anaphylaxis"), ("condition", "convulsion"),
                    ("condition", "epilepsy"), ("condition", "psychosis"))
    assert logic(text, entities, "exclusion") == OR("e1", "e2", "e3", "e4")
    assert logic(text, entities, "inclusion") == AND("e1", "e2", "e3", "e4")
    assert logic(text, entities) == AND("e1", "e2", "e3", "e4")
    text = "Known allergy to both xanthine oxidase inhibitors and rasburicase"
    entities = rows(text, ("condition", "allergy"), ("drug", "xanthine oxidase inhibitors"),
                    ("drug", "rasburicase"))
    assert logic(text, entities, "exclusion") == AND("e1", "e2", "e3")


def test_and_binds_looser_than_or() -> None:
    text = "Type 2 diabetes and hypertension or dyslipidaemia"
    entities = rows(text, ("condition", "Type 2 diabetes"), ("condition", "hypertension"),
                    ("condition", "dyslipidaemia"))
    assert logic(text, entities) == AND("e1", OR("e2", "e3"))


def test_examples_in_parentheses_are_not_alternatives_to_the_neighbours() -> None:
    text = "History of eclampsia or other adverse CNS complication (e.g., stroke or PRES)"
    entities = rows(text, ("condition", "eclampsia"), ("condition", "CNS complication"),
                    ("condition", "stroke"), ("condition", "PRES"))
    node = logic(text, entities)
    assert node == AND(OR("e1", "e2"), OR("e3", "e4"))
    ops = pair_ops(node)
    assert ops[frozenset(("e1", "e2"))] == "or" and ops[frozenset(("e1", "e3"))] == "and"
    # what follows the parenthesis continues the list it interrupted
    text = "Hepatitis B (HBsAg positive) or hepatitis C"
    entities = rows(text, ("condition", "Hepatitis B"), ("measurement", "HBsAg"),
                    ("condition", "hepatitis C"))
    assert logic(text, entities) == AND(OR("e1", "e3"), "e2")


def test_exceptions_stay_out_and_fewer_than_two_leaves_is_none() -> None:
    text = "History of malignancy, prostate cancer or melanoma except basal cell carcinoma"
    entities = rows(text, ("condition", "malignancy"), ("condition", "prostate cancer"),
                    ("condition", "melanoma"), ("condition", "basal cell carcinoma"),
                    exception={"e4"})
    assert logic(text, entities, "exclusion") == OR("e1", "e2", "e3")
    text = "History of malignancy except basal cell carcinoma of the skin"
    entities = rows(text, ("condition", "malignancy"), ("condition", "basal cell carcinoma"),
                    exception={"e2"})
    assert logic(text, entities) is None
    text = "Age ≥ 18 years"
    assert logic(text, rows(text, ("age", "Age ≥ 18 years"))) is None
    text = "Creatinine ≤ 1.5 mg/dL"
    assert logic(text, rows(text, ("measurement", "Creatinine"), ("value", "≤ 1.5 mg/dL"))) \
        is None


def test_two_values_of_one_measurement_are_alternatives() -> None:
    text = "haemoglobin ≥ 9 g/dL or ≥ 5.6 mmol/L and platelets ≥ 100 × 10^9/L"
    entities = rows(text, ("measurement", "haemoglobin"), ("measurement", "haemoglobin"),
                    ("measurement", "platelets"), ("value", "≥ 9 g/dL"),
                    ("value", "≥ 5.6 mmol/L"), ("value", "≥ 100 × 10^9/L"))
    assert logic(text, entities) == AND(OR("e1", "e2"), "e3")


def test_json_is_compact_and_deterministic() -> None:
    text = "Pregnant or breastfeeding women"
    entities = [{"entity_id": f"{CID}:e2", "label": "pregnancy", "start": START + 12,
                 "end": START + 25},
                {"entity_id": f"{CID}:e1", "label": "pregnancy", "start": START,
                 "end": START + 8},
                {"entity_id": f"{CID}:e3", "label": "sex", "start": START + 26,
                 "end": START + 31}]
    expected = ('{"op":"and","args":[{"op":"or","args":["NCT00000000:7:e1",'
                '"NCT00000000:7:e2"]},"NCT00000000:7:e3"]}')
    assert logic_tree(text, START, entities) == expected
    assert logic_tree(text, START, list(reversed(entities))) == expected


def test_rows_of_other_labels_or_outside_the_criterion_are_ignored() -> None:
    text = "Asthma or COPD"
    entities = rows(text, ("condition", "Asthma"), ("condition", "COPD"))
    stray = [{"entity_id": "x1", "label": "qualifier", "start": START, "end": START + 3},
             {"entity_id": "x2", "label": "condition", "start": 5, "end": 9}]
    assert logic(text, entities + stray) == OR("e1", "e2")


def test_a_shared_value_types_both_labs() -> None:
    """'AST and ALT ≤ 2.5 × ULN': each measurement row gets the comparator, bound and unit, and
    the tree over them is an and."""
    text = "AST and ALT ≤ 2.5 × ULN"
    mentions = extract(text)
    labs = [m for m in mentions if m.label == "measurement"]
    assert [(text[m.start:m.end], m.comparator, m.low, m.high, m.unit) for m in labs] == [
        ("AST", "<=", None, 2.5, "x ULN"), ("ALT", "<=", None, 2.5, "x ULN")]
    entities = [{"entity_id": f"e{n}", "label": m.label, "start": START + m.start,
                 "end": START + m.end} for n, m in enumerate(mentions, start=1)]
    assert logic(text, entities) == AND("e1", "e2")


def test_pair_ops_is_the_lowest_common_ancestor() -> None:
    node = AND(OR("a", "b"), "c", NOT(OR("d", "e")))
    ops = pair_ops(node)
    assert ops[frozenset("ab")] == "or"
    assert ops[frozenset("ac")] == "and"
    assert ops[frozenset("de")] == "or"
    assert ops[frozenset("ad")] == "and"
    assert len(ops) == 10


@pytest.mark.parametrize("text, expected", [
    ("Patients must have at least one of the following:", "any"),
    ("Any of the following cardiac conditions:", "any"),
    ("One or more of the following risk factors for stroke:", "any"),
    ("Must meet all of the following criteria:", "all"),
    ("Subjects must meet the following criteria:", "all"),
    ("Adequate organ function as defined below:", None),
    ("Women of childbearing potential:", None),
    ("History of any of the following:", "any"),
    ("Antiphospholipid antibody, as defined by one or both of the following criteria:", "any"),
    ("Evidence of neurological involvement including 1 of the following:", "any"),
    ("In addition the following criteria have to be met to be eligible for the study:", "all"),
    ("At least two of the following features:", None),
    ("Patients with none of the following:", None),
    ("History or current use of the following medications:", None),
])
def test_children_op(text: str, expected: str | None) -> None:
    assert children_op(text) == expected


def test_a_criterion_costs_microseconds() -> None:
    import time

    text = ("Clinically significant cardiac disease, including unstable angina, myocardial "
            "infarction within 6 months, congestive heart failure (NYHA class III or IV), or "
            "uncontrolled arrhythmia (e.g., atrial fibrillation)")
    entities = rows(text, ("condition", "cardiac disease"), ("condition", "unstable angina"),
                    ("condition", "myocardial infarction"), ("temporal", "within 6 months"),
                    ("condition", "congestive heart failure"), ("measurement", "NYHA class"),
                    ("condition", "arrhythmia"), ("condition", "atrial fibrillation"))
    assert tree(text, START, entities, "exclusion") is not None
    started = time.perf_counter()
    for _ in range(200):
        logic_tree(text, START, entities, "exclusion")
    per_call = (time.perf_counter() - started) / 200
    assert per_call < 0.001  # about 30 µs here; a millisecond leaves room for slow machines


@pytest.mark.shared
def test_chia_validation_beats_the_baseline() -> None:
    """On the validation part of Chia's training trials, with Chia's own entities as leaves
    (the logic alone, no model needed), the trees find OR pairs better than the baseline."""
    from pipeline.evaluate.logic import evaluate_logic, format_report

    chia = shared_path("chia")
    report = evaluate_logic(chia, "validation", predicted={})
    ours, base = report.scores["gold/ours"], report.scores["gold/baseline"]
    assert report.lines > 1000 and ours.gold_or > 1000 and ours.gold_and > 200
    assert ours.or_f1 > base.or_f1 + 0.05
    assert ours.or_precision > base.or_precision + 0.05
    assert ours.and_recall >= base.and_recall
    assert "baseline" in format_report(report)


def test_offsets_hold_when_lower_casing_changes_length() -> None:
    text = "Patients seen in İstanbul or İzmir: asthma or COPD"  # "İ".lower() is 2 characters
    entities = rows(text, ("condition", "asthma"), ("condition", "COPD"))
    assert logic(text, entities) == OR("e1", "e2")


# ---------------------------------------------------------------------------------------------
# criteria.logic and children_op in the tables (assemble.add_logic, on both paths)

NESTED = ("Inclusion Criteria:\n"
          "- ANC >= 1.5 x 10^9/L and platelets >= 100 x 10^9/L\n"
          "- At least one of the following:\n"
          "  - ECOG 0-1\n"
          "  - Karnofsky >= 70\n"
          "Exclusion Criteria:\n"
          "- Women who are pregnant or breastfeeding\n"
          "- Any of these:\n"
          "  - creatinine > 2 mg/dL\n")


def test_add_logic_groups_rows_by_criterion_and_reads_children_op_of_list_heads() -> None:
    from pipeline.assemble import add_logic

    text = "History of MI, stroke and TIA"
    criteria = [
        {"criterion_id": "T:1", "parent_id": None, "section": "exclusion", "start": START,
         "text": text, "logic": None, "children_op": None},
        {"criterion_id": "T:2", "parent_id": None, "section": "inclusion", "start": 300,
         "text": "Any of the following:", "logic": None, "children_op": None},
        {"criterion_id": "T:3", "parent_id": "T:2", "section": "inclusion", "start": 330,
         "text": "all of the following apply", "logic": None, "children_op": None},
    ]
    entities = [dict(r, criterion_id="T:1") for r in rows(
        text, ("condition", "MI"), ("condition", "stroke"), ("condition", "TIA"),
        exception={"e3"})]
    add_logic(criteria, entities)
    assert json.loads(criteria[0]["logic"]) == {"op": "or", "args": ["e1", "e2"]}  # e3 out
    assert criteria[0]["children_op"] is None  # no children, whatever the text
    assert criteria[1]["logic"] is None and criteria[1]["children_op"] == "any"
    assert criteria[2]["children_op"] is None  # says "all of the following" but heads nothing
    add_logic(criteria, [])
    assert criteria[0]["logic"] is None and criteria[1]["children_op"] == "any"


def test_process_record_fills_logic_from_the_tagger_and_children_op_without_one() -> None:
    from pipeline.assemble import process_record
    from pipeline.schema import column_names
    from pipeline.sources.record import Record

    record = Record("NCT90000500", "x", "text", NESTED)
    bare = process_record(record)
    assert [c["children_op"] for c in bare.criteria] == [None, "any", None, None, None, "any",
                                                         None]
    assert all(c["logic"] is None for c in bare.criteria)
    assert all(list(c) == list(column_names("criteria")) for c in bare.criteria)

    def tagger(source_text: str, criteria: list[dict]) -> list[dict]:
        first = criteria[0]
        out = []
        for n, word in enumerate(("ANC", "platelets"), start=1):
            at = first["start"] + first["text"].index(word)
            out.append({"criterion_id": first["criterion_id"], "entity_id": f"x:e{n}",
                        "label": "measurement", "start": at, "end": at + len(word),
                        "exception": False})
        return out

    tagged = process_record(record, tagger=tagger)
    assert json.loads(tagged.criteria[0]["logic"]) == {"op": "and", "args": ["x:e1", "x:e2"]}
    assert tagged.criteria[1]["children_op"] == "any"


def test_logic_is_the_same_on_the_notebook_and_the_batch_paths(tmp_path) -> None:
    import pipeline

    (tmp_path / "NCT90000500.txt").write_text(NESTED, encoding="utf-8")
    one = pipeline.parse_text(NESTED, trial_id="NCT90000500", model="rules").criteria
    batch = pipeline.parse_files([tmp_path], model="rules").criteria
    columns = ["criterion_id", "logic", "children_op"]
    assert one[columns].to_dict("records") == batch[columns].to_dict("records")
    by_text = one.set_index("text")
    labs = json.loads(by_text.logic["ANC >= 1.5 x 10^9/L and platelets >= 100 x 10^9/L"])
    assert labs["op"] == "and" and len(labs["args"]) == 2  # two measurement rows from rules
    assert by_text.children_op["At least one of the following:"] == "any"
    assert by_text.children_op["Any of these:"] == "any"
    pregnant = json.loads(by_text.logic["Women who are pregnant or breastfeeding"])
    assert pregnant["op"] == "and"  # women, and (pregnant or breastfeeding)


def test_evaluate_logic_cli_prints_both_methods_and_both_leaves() -> None:
    import subprocess
    import sys

    from conftest import FIXTURES, REPO

    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "evaluate", "logic", str(FIXTURES / "chia_tiny"),
         "--split", "all", "--model", "rules"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("logic on chia all: 6 files")
    table = {tuple(line.split()[:2]): line.split()[2:6] for line in lines[2:6]}
    assert set(table) == {("predicted", "ours"), ("predicted", "baseline"), ("gold", "ours"),
                          ("gold", "baseline")}
    assert float(table[("gold", "ours")][1]) > 0.5  # OR recall with Chia's own leaves
    bad = subprocess.run([sys.executable, "-m", "pipeline", "evaluate", "logic", "--split", "x"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--split x" in bad.stderr


def test_a_trial_whose_logic_fails_becomes_an_error_row_and_the_part_goes_on(monkeypatch) -> None:
    import pipeline
    from pipeline import batch
    from pipeline.sources.record import Record

    real = batch.add_logic

    def flaky(criteria: list[dict], entities: list[dict]) -> None:
        if any(c["trial_id"] == "NCT90000702" for c in criteria):
            raise RuntimeError("boom")
        real(criteria, entities)

    monkeypatch.setattr(batch, "add_logic", flaky)
    records = [(Record(t, "x", "text", NESTED), t) for t in ("NCT90000701", "NCT90000702")]
    part = batch.parse_part(records, pipeline.load_tagger("rules"))
    good, bad = part.tables["trials"]
    assert good["status"] == "ok" and bad["status"] == "error"
    assert "logic" in bad["error"] and "boom" in bad["error"]
    assert {c["trial_id"] for c in part.tables["criteria"]} == {"NCT90000701"}
    assert {e["trial_id"] for e in part.tables["entities"]} == {"NCT90000701"}
    assert part.tables["criteria"][0]["logic"] is not None  # the good trial keeps its trees
