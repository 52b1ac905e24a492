"""Readers: every input format of the contract, and hostile inputs that must become rows."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from pipeline.sources import detect_format, iter_input_files, iter_records


def records(*paths: Path):
    return list(iter_records(list(paths)))


def test_sources_api_v2_single_list_and_studies(fixtures: Path) -> None:
    [single] = records(fixtures / "api_v2_single.json")
    assert single.trial_id == "NCT90000001" and single.format == "ctgov_json"
    assert single.fields == {"minimum_age": "18 Years", "maximum_age": "75 Years", "sex": "ALL",
                             "healthy_volunteers": "No"}
    listed = records(fixtures / "api_v2_list.json")
    assert [r.trial_id for r in listed] == ["NCT90000001", "NCT90000002"]
    assert [r.index for r in listed] == [1, 2]
    studies = records(fixtures / "api_v2_studies.json")
    assert [r.trial_id for r in studies] == ["NCT90000001", "NCT90000002", "NCT90000003"]
    assert studies[2].text is None and studies[2].error is None
    assert studies[1].text.startswith("Inclusion Criteria:\n\n1. Histologically")


def test_sources_legacy_xml_fields_and_text(fixtures: Path) -> None:
    [record] = records(fixtures / "legacy.xml")
    assert record.trial_id == "NCT90000010"
    assert record.fields["sex"] == "All" and record.fields["minimum_age"] == "18 Years"
    assert "Platelets >= 100,000/mm3" in record.text  # entities decoded, text otherwise as is
    assert record.text.startswith("\n        Inclusion Criteria:")


def test_sources_aact_pipe_with_quoted_multiline(fixtures: Path) -> None:
    got = records(fixtures / "eligibilities.txt")
    assert [r.trial_id for r in got] == ["NCT90000020", "NCT90000021"]
    assert got[0].format == "aact"
    assert got[0].text == ('Inclusion Criteria:\n\n  - Age 18 to 65\n  - Signed "informed" '
                           "consent | in writing\n\nExclusion Criteria:\n\n  - Pregnancy")
    assert got[1].fields["healthy_volunteers"] == "Accepts Healthy Volunteers"


def test_sources_csv_tsv_jsonl(fixtures: Path) -> None:
    csv_records = records(fixtures / "criteria.csv")
    assert [(r.trial_id, r.format) for r in csv_records] == [("NCT90000030", "csv"),
                                                             ("NCT90000031", "csv")]
    assert csv_records[0].fields["sex"] == "All" and csv_records[1].text == ""
    [tsv] = records(fixtures / "criteria.tsv")
    assert tsv.trial_id == "NCT90000040" and tsv.format == "tsv"
    jsonl = records(fixtures / "criteria.jsonl")
    assert [r.trial_id for r in jsonl[:2]] == ["NCT90000050", "NCT90000051"]
    assert jsonl[1].text == "Exclusion Criteria:\n- Pregnancy"
    assert jsonl[2].error is not None and "line 3" in jsonl[2].error


def test_sources_text_keeps_crlf(fixtures: Path) -> None:
    [record] = records(fixtures / "NCT90000060.txt")
    assert record.trial_id == "NCT90000060"
    assert "\r\n" in record.text and "≥" in record.text


def test_sources_headerless_csv_read_by_content(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('NCT90000070,"Inclusion Criteria:#  -  Adults",both,18 years,65 years\n'
                    'NCT90000071,"Exclusion Criteria:#  -  Pregnancy",female,N/A,N/A\n')
    got = records(path)
    assert [r.trial_id for r in got] == ["NCT90000070", "NCT90000071"]
    assert got[0].fields["sex"] == "both" and got[0].fields["maximum_age"] == "65 years"


def test_sources_directories_walk_sorted_known_types(tmp_path: Path, fixtures: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "NCT90000081.txt").write_text("Inclusion Criteria:\n- A")
    (tmp_path / "NCT90000080.txt").write_text("Inclusion Criteria:\n- B")
    (tmp_path / "notes.md").write_text("# not a trial")
    (tmp_path / ".hidden.txt").write_text("hidden")
    skipped: list[Path] = []
    files = list(iter_input_files([tmp_path], on_skip=skipped.append))
    assert [f.name for f in files] == ["NCT90000080.txt", "NCT90000081.txt"]
    assert sorted(p.name for p in skipped) == [".hidden.txt", "notes.md"]


def test_sources_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.json"):
        records(tmp_path / "nope.json")


@pytest.mark.parametrize(
    "name, head, fmt",
    [
        ("a.json", b'{"protocolSection": {}}', "json"),
        ("a.txt", b"  [1, 2]", "json"),
        ("a.xml", b"\xef\xbb\xbf<?xml version='1.0'?>", "ctgov_xml"),
        ("eligibilities.txt", b"id|nct_id|criteria\n", "aact"),
        ("a.csv", b"nct_id,criteria\n", "csv"),
        ("a.tsv", b"nct_id\tcriteria\n", "tsv"),
        ("a.jsonl", b'{"nct_id": 1}\n', "jsonl"),
        ("a.zip", b"PK\x03\x04....", "zip"),
        ("a.txt", b"Inclusion Criteria:", "text"),
        ("a.json", b"\x00\x01\x02binary", "binary"),
    ],
)
def test_sources_detect_format_by_content(name: str, head: bytes, fmt: str) -> None:
    assert detect_format(name, head) == fmt


# ------------------------------------------------------------------------- hostile inputs


def one(path: Path):
    [record] = records(path)
    return record


def test_sources_truncated_xml(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "NCT90000090.xml"
    path.write_bytes((fixtures / "legacy.xml").read_bytes()[:300])
    record = one(path)
    assert record.error and "truncated XML" in record.error and record.trial_id == "NCT90000090"


def test_sources_xml_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        "<clinical_study><id_info><nct_id>NCT1</nct_id></id_info><eligibility><criteria>"
        "<textblock>&x;</textblock></criteria></eligibility></clinical_study>"
    )
    record = one(path)
    assert record.error and "refused for safety" in record.error
    assert record.text is None and "TOP SECRET" not in (record.error or "")


def test_sources_xml_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = "".join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10)
    )
    path = tmp_path / "bomb.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY l0 "lol">{entities}]>'
                    "<clinical_study><brief_title>&l9;</brief_title></clinical_study>")
    record = one(path)
    assert record.error and "refused for safety" in record.error


def test_sources_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "NCT90000091.json"
    path.write_text('{"protocolSection": {"identificationModule": ')
    record = one(path)
    assert record.error.startswith("invalid JSON at line 1") and record.trial_id == "NCT90000091"


def test_sources_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes(range(256)) * 4)
    record = one(path)
    assert record.error and "binary" in record.error


def test_sources_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "NCT90000092.txt"
    path.write_bytes(b"")
    record = one(path)
    assert record.error is None and record.text == ""


def test_sources_latin1_text_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "NCT90000093.txt"
    path.write_bytes("Inclusion Criteria:\n- Âge ≥ 18 ans, caféine\n".replace("≥", ">=")
                     .encode("latin-1"))
    record = one(path)
    assert record.error is None and "Âge" in record.text and "caféine" in record.text
    assert "not valid UTF-8" in record.warning


def test_sources_zip_member_with_traversal_name(tmp_path: Path, fixtures: Path) -> None:
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../x.json", (fixtures / "api_v2_single.json").read_text())
        zf.writestr("dir/NCT90000010.xml", (fixtures / "legacy.xml").read_text())
        zf.writestr("dir/", "")
    got = records(archive)
    assert [r.trial_id for r in got] == ["NCT90000001", "NCT90000010"]
    assert got[0].source == f"{archive}!../../x.json"
    assert not (tmp_path.parent.parent / "x.json").exists()


def test_sources_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    record = one(path)
    assert record.error and "zip" in record.error


def test_sources_damaged_zip_member_is_one_error_row_and_reading_goes_on(
        tmp_path: Path, fixtures: Path) -> None:
    archive = tmp_path / "bulk.zip"
    text = (fixtures / "api_v2_single.json").read_text()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a/NCT90000001.json", text)
        zf.writestr("b/NCT90000010.xml", (fixtures / "legacy.xml").read_text())
    data = bytearray(archive.read_bytes())
    at = data.index(b'"protocolSection"')  # inside the first member: its CRC no longer holds
    data[at + 1] = ord("X")
    archive.write_bytes(bytes(data))
    got = records(archive)
    assert [r.trial_id for r in got] == ["NCT90000001", "NCT90000010"]
    assert got[0].error and "unreadable archive member" in got[0].error
    assert got[0].source == f"{archive}!a/NCT90000001.json"
    assert got[1].error is None and got[1].text


def test_sources_json_without_criteria_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}))
    record = one(path)
    assert record.error and "no criteria found" in record.error


def test_sources_files_without_records_give_an_empty_row(tmp_path: Path) -> None:
    for name, data in (("a.jsonl", b""), ("b.csv", b"nct_id,criteria\n"), ("c.json", b"[]")):
        (tmp_path / name).write_bytes(data)
        [record] = records(tmp_path / name)
        assert record.text is None and (record.error or record.warning), name
