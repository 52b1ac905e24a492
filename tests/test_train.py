"""Converter (brat -> gold spans -> Docs) on real Chia files, and a training smoke test."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from conftest import FIXTURES
from pipeline.tag.tokenizer import blank
from pipeline.train.brat import (
    GoldSpan,
    chia_folder,
    is_dev,
    longest_first,
    read_file,
    read_folder,
    validation_trials,
)
from pipeline.train.convert import SPANS_KEY, line_doc, write_docbins

TINY = FIXTURES / "chia_tiny"
VARICES = TINY / "NCT00965900_inc.txt"  # CRLF; a discontinuous, overlapping list of therapies


def _text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def test_train_converter_keeps_crlf_offsets() -> None:
    text = _text(VARICES)
    chia = read_file(VARICES)
    assert "\r\n" in text and len(chia.lines) == 7
    assert all("\r" not in line.text and text[line.start:line.end] == line.text
               for line in chia.lines)
    assert GoldSpan(46, 64, "condition") in chia.spans  # "Esophageal varices", 2nd line after CRLF
    for span in chia.spans:
        assert text[span.start:span.end] == text[span.start:span.end].strip()
    assert chia.dropped == 0 and chia.trial_id == "NCT00965900"


def test_train_converter_discontinuous_span_becomes_full_extent() -> None:
    text = _text(VARICES)
    chia = read_file(VARICES)
    # T16 Procedure 214 224;238 245 "radiologic therapy"
    assert GoldSpan(214, 245, "procedure") in chia.spans
    assert text[214:245] == "radiologic, or surgical therapy"
    # only the eight evaluated types are read: Person, Negation, Scope are not
    assert {s.label for s in chia.spans} <= {"condition", "value", "observation", "measurement",
                                             "procedure", "drug"}


def test_train_converter_overlaps_longest_for_ner_all_for_spans() -> None:
    chia = read_file(VARICES)
    line = next(ln for ln in chia.lines if "endoscopic" in ln.text)
    procedures = [s for s in line.spans if s.label == "procedure"]
    assert len(procedures) == 3  # endoscopic / radiologic / surgical therapy, nested
    kept = longest_first(line.spans)
    assert [s for s in kept if s.label == "procedure"] == [GoldSpan(202, 245, "procedure")]
    doc = line_doc(blank(), line)
    assert [(e.text, e.label_) for e in doc.ents if e.label_ == "procedure"] == [
        ("endoscopic, radiologic, or surgical therapy", "procedure")]
    assert len([s for s in doc.spans[SPANS_KEY] if s.label_ == "procedure"]) == 3


def test_train_converter_drops_spans_with_wrong_offsets(tmp_path: Path) -> None:
    (tmp_path / "NCT00000001_inc.txt").write_bytes(b"Type 2 diabetes\r\nHbA1c > 7%\r\n")
    (tmp_path / "NCT00000001_inc.ann").write_text(
        "T1\tCondition 0 15\tType 2 diabetes\nT2\tMeasurement 17 22\tHbA1c\n"
        "T3\tValue 23 27\t> 7%\nT4\tDrug 3 9\tinsulin\nT5\tCondition 10 22\tdiabetes HbA1c\n"
        "T6\tQualifier 0 4\tType\n", encoding="utf-8")
    chia = read_file(tmp_path / "NCT00000001_inc.txt")
    assert chia.spans == [GoldSpan(0, 15, "condition"), GoldSpan(17, 22, "measurement"),
                          GoldSpan(23, 27, "value")]
    assert chia.dropped == 2  # T4 misses its text; T5 crosses the line break


def test_train_split_is_by_trial_and_fixed() -> None:
    files = read_folder(TINY)
    assert len(files) == 6
    assert is_dev("NCT00965900") and not is_dev("NCT00846703") and not is_dev("NCT00182520")
    assert {f.name for f in read_folder(TINY, "dev")} == {"NCT00965900_inc", "NCT00965900_exc"}
    assert len(read_folder(TINY, "train")) == 4
    assert chia_folder(TINY) == TINY
    with pytest.raises(ValueError):
        read_folder(TINY, "test")


def test_train_docbins_one_doc_per_line(tmp_path: Path) -> None:
    counts = write_docbins(blank(), TINY, tmp_path)
    train = read_folder(TINY, "train")
    held = set(validation_trials(train))
    assert counts == {"train": sum(len(f.lines) for f in train if f.trial_id not in held),
                      "validation": sum(len(f.lines) for f in train if f.trial_id in held),
                      "extra": 0}
    assert (tmp_path / "train.spacy").stat().st_size > 0
    # what spacy train chooses its checkpoint on: validation trials, never the dev split
    assert len(DocBin().from_disk(tmp_path / "dev.spacy")) == counts["validation"] > 0


def test_validation_part_is_carved_from_train_trials_only() -> None:
    files = read_folder(TINY)
    held = validation_trials(files)
    assert held and not any(is_dev(t) for t in held)
    assert set(held) < {f.trial_id for f in files if not is_dev(f.trial_id)}
    assert validation_trials(list(reversed(files))) == held  # by hash, not by order


@pytest.mark.slow
def test_train_smoke_few_steps_saves_a_loadable_model(tmp_path: Path) -> None:
    from pipeline.train.trainer import train_model

    out = tmp_path / "tiny_ner"
    steps = {"training.max_steps": 4, "training.eval_frequency": 2}
    result = train_model(TINY, out, overrides=steps)
    assert result.out == out and (out / "README.md").exists()
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["ner"]
    assert set(nlp.get_pipe("ner").labels) <= {"condition", "drug", "procedure", "measurement",
                                               "observation", "device", "value", "temporal"}
    # scored on the validation trials by default: the dev trials are listed, never scored
    assert nlp.meta["chia_dev"]["trials"] == ["NCT00965900"]
    assert "scores" not in nlp.meta["chia_dev"]
    held = nlp.meta["chia_validation"]["trials"]
    assert held and "NCT00965900" not in held and "micro" in nlp.meta["chia_validation"]["scores"]
    assert result.scored_on == "validation" and result.report.files == sum(
        f.trial_id in held for f in read_folder(TINY))
    assert "chia_validation_strict_f" in nlp.meta["performance"]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "## Validation scores" in card and "## Dev scores" not in card
    # the final score of a model that ships: the dev trials, read once
    final = train_model(TINY, tmp_path / "tiny_final", overrides=steps, score_on="dev")
    meta = spacy.load(final.out).meta
    assert final.report.files == sum(is_dev(f.trial_id) for f in read_folder(TINY))
    assert "micro" in meta["chia_dev"]["scores"] and "chia_dev_strict_f" in meta["performance"]
    assert "## Dev scores" in (final.out / "README.md").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="score_on"):
        train_model(TINY, tmp_path / "tiny_other", score_on="test")
    assert nlp("Age>=18 years").text == "Age>=18 years"
    assert [t.text for t in nlp("Age>=18")] == ["Age", ">=", "18"]  # the criteria tokenizer
    with pytest.raises(FileExistsError):
        train_model(TINY, out)


LCT_TINY = FIXTURES / "lct_tiny"


def _surfaces(line) -> list[tuple[str, str]]:
    return [(line.text[s.start - line.start:s.end - line.start], s.label) for s in line.spans]


def test_lct_converter_maps_types_onto_chia_labels() -> None:
    from pipeline.train.lct import read_lct_file

    lct = read_lct_file(LCT_TINY / "NCT03860324.txt")
    text = (LCT_TINY / "NCT03860324.txt").read_text(encoding="utf-8")
    assert lct.trial_id == "NCT03860324" and lct.dropped == 0
    # headings dropped, bullets stripped: the lines read as Chia's do
    assert lct.lines[0].text == "Surgical plan for total hip replacement"
    assert not any(ln.text.lower().startswith(("inclusion", "exclusion")) for ln in lct.lines)
    for line in lct.lines:
        assert text[line.start:line.end] == line.text
    ckd = next(ln for ln in lct.lines if ln.text.startswith("Chronic kidney"))
    # "Chronic" is an Acuteness span before the condition: Chia keeps it inside
    assert _surfaces(ckd) == [("Chronic kidney disease", "condition"),
                              ("Glomerular Filtration Rate", "measurement"),
                              ("< 50ml/min", "value")]
    opioids = next(ln for ln in lct.lines if "opioids" in ln.text)
    assert ("opioids", "drug") in _surfaces(opioids)
    # a comparison with no value ("Previously") is neither entity nor text: missing
    assert [opioids.text[s.start - opioids.start:s.end - opioids.start]
            for s in opioids.missing] == ["Previously"]


def test_lct_converter_numbers_of_an_event_are_values_times_are_temporal(tmp_path: Path) -> None:
    from pipeline.train.lct import read_lct_file

    asa = read_lct_file(LCT_TINY / "NCT03862404.txt").lines[0]
    assert ("between 18 and 80 years", "value") in _surfaces(asa)  # age's Numeric-Filter
    assert ("1-3", "value") in _surfaces(asa) and ("ASA", "measurement") in _surfaces(asa)
    (tmp_path / "NCT03999999.txt").write_text("Exclusion Criteria:\n  1. Any surgery during "
                                              "last 6 month\n", encoding="utf-8")
    (tmp_path / "NCT03999999.ann").write_text(
        "T1\tProcedure 29 36\tsurgery\nT2\tEq-Comparison 44 56\tlast 6 month\n"
        "T3\tEq-Value 49 50\t6\nT4\tEq-Temporal-Unit 51 56\tmonth\n"
        "T5\tCondition 50 90\toff the end\n"
        "E1\tProcedure:T1\nE2\tEq-Comparison:T2 Value:T3 Temporal-Unit:T4\n", encoding="utf-8")
    lct = read_lct_file(tmp_path / "NCT03999999.txt")
    line, = lct.lines
    assert _surfaces(line) == [("surgery", "procedure"), ("last 6 month", "temporal")]
    assert lct.dropped == 1


def test_lct_missing_spans_teach_nothing_and_join_the_training_part(tmp_path: Path) -> None:
    from pipeline.train.lct import read_lct_folder

    lct = read_lct_folder(LCT_TINY)
    assert [f.trial_id for f in lct] == ["NCT03860324", "NCT03862404"]
    assert read_lct_folder(LCT_TINY, exclude={"NCT03860324"})[0].trial_id == "NCT03862404"
    allergy = next(ln for f in lct for ln in f.lines if ln.text == "Allergy to local anesthetics")
    doc = line_doc(blank(), allergy)
    assert doc[0].text == "Allergy" and doc[0].ent_iob_ == ""  # missing: no loss either way
    assert doc[1].ent_iob_ == "O" and [e.text for e in doc.ents] == ["local anesthetics"]
    counts = write_docbins(blank(), TINY, tmp_path, extra=lct)
    assert counts["extra"] == sum(len(f.lines) for f in lct)
    train = read_folder(TINY, "train")
    held = set(validation_trials(train))
    assert counts["train"] == counts["extra"] + sum(len(f.lines) for f in train
                                                    if f.trial_id not in held)
    # validation stays Chia's own: the checkpoint is chosen on Chia's conventions
    assert counts["validation"] == sum(len(f.lines) for f in train if f.trial_id in held)


def test_lct_positives_only_leave_every_other_token_missing() -> None:
    from pipeline.train.lct import read_lct_file

    lct = read_lct_file(LCT_TINY / "NCT03860324.txt", labels=frozenset({"condition", "drug"}))
    ckd = next(ln for ln in lct.lines if ln.text.startswith("Chronic kidney"))
    assert _surfaces(ckd) == [("Chronic kidney disease", "condition")]  # no measurement, value
    doc = line_doc(blank(), ckd)
    assert [e.text for e in doc.ents] == ["Chronic kidney disease"]
    assert {t.ent_iob_ for t in doc[3:]} == {""}  # "with a Glomerular ...": no signal either way
