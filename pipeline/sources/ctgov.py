"""ClinicalTrials.gov records: API v2 JSON (one study, a list, ``{"studies": [...]}``), legacy
XML (``<clinical_study>``), and flat JSON objects with an id and a criteria field.

XML is parsed with defusedxml: entity declarations (billion laughs, external entities) are
refused before anything is expanded or fetched, and no network or file access ever happens.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any, Iterable, Iterator, Mapping

import defusedxml
import defusedxml.ElementTree as SafeET

from pipeline.sources.record import (
    REGISTRY_FIELDS,
    Opener,
    Record,
    as_field,
    error_record,
    nct_in,
    stem_id,
)
from pipeline.sources.text import decode

# Flat records (JSONL, CSV …): accepted column names, most specific first.
ID_KEYS = ("nct_id", "nctid", "nct_number", "trial_id", "study_id", "id")
TEXT_KEYS = ("eligibility_criteria", "criteria", "criteria_text", "eligibilitycriteria",
             "inclusion_exclusion_criteria", "eligibility", "text")
FIELD_KEYS = {
    "minimum_age": ("minimum_age", "min_age", "minimumage", "age_min"),
    "maximum_age": ("maximum_age", "max_age", "maximumage", "age_max"),
    "sex": ("sex", "gender"),
    "healthy_volunteers": ("healthy_volunteers", "healthyvolunteers",
                           "accepts_healthy_volunteers"),
}
_API_FIELDS = {"minimum_age": "minimumAge", "maximum_age": "maximumAge", "sex": "sex",
               "healthy_volunteers": "healthyVolunteers"}
_XML_FIELDS = {"minimum_age": "minimum_age", "maximum_age": "maximum_age", "sex": "gender",
               "healthy_volunteers": "healthy_volunteers"}


def canonical_key(name: str) -> str:
    """Column/key names compared case-, space- and punctuation-insensitively ('#nct_id')."""
    return "".join(ch if ch.isalnum() else "_" for ch in name.strip().lstrip("#").lower()).strip("_")


# ------------------------------------------------------------------------------------- JSON


def read_json(open_stream: Opener, source: str, name: str) -> Iterator[Record]:
    with open_stream() as stream:
        data = stream.read()
    text, _ = decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            yield from read_json_lines(text.splitlines(), source, name)
            return
        yield error_record(name, source, "json",
                           f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        return
    studies = document.get("studies") if isinstance(document, dict) else document
    if isinstance(document, dict) and not isinstance(studies, list):
        studies = None
    if studies is None:
        yield record_from_mapping(document, source, name, None)
        return
    if not isinstance(studies, list):
        yield error_record(name, source, "json", "JSON is neither a study, a list of studies "
                           'nor {"studies": [...]}')
        return
    if not studies:
        yield error_record(name, source, "json", "JSON holds an empty list of studies")
        return
    for index, study in enumerate(studies, start=1):
        yield record_from_mapping(study, source, name, index)


def read_json_lines(lines: Iterable[str], source: str, name: str) -> Iterator[Record]:
    """JSON Lines: one object per line; a bad line becomes an error record, never a stop."""
    index = 0
    for line in lines:
        if not line.strip():
            continue
        index += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield error_record(name, source, "jsonl",
                               f"line {index}: invalid JSON at column {exc.colno}: {exc.msg}",
                               index, trial_id=nct_in(line) or f"{stem_id(name)}:{index}")
            continue
        yield record_from_mapping(obj, source, name, index, fmt="jsonl")


def record_from_mapping(obj: Any, source: str, name: str, index: int | None,
                        fmt: str = "ctgov_json") -> Record:
    """A record from an API v2 study object, or from a flat object with id and criteria keys."""
    fallback_id = f"{stem_id(name)}:{index}" if index is not None else stem_id(name)
    if not isinstance(obj, Mapping):
        return error_record(name, source, fmt, f"item {index or 1} is a JSON "
                            f"{type(obj).__name__}, not an object", index, fallback_id)
    protocol = obj.get("protocolSection")
    if isinstance(protocol, Mapping):
        return _api_v2_record(protocol, source, name, index, fallback_id)
    keys = {canonical_key(k): k for k in obj}
    id_key = next((keys[k] for k in ID_KEYS if k in keys), None)
    text_key = next((keys[k] for k in TEXT_KEYS if k in keys), None)
    if text_key is None:
        return error_record(name, source, fmt if fmt != "ctgov_json" else "json",
                            "no criteria found: neither protocolSection.eligibilityModule"
                            ".eligibilityCriteria nor a criteria / eligibility_criteria / text "
                            "key", index, as_field(obj.get(id_key)) if id_key else fallback_id)
    trial_id = as_field(obj.get(id_key)) if id_key else None
    fields = {}
    for field_name, candidates in FIELD_KEYS.items():
        key = next((keys[c] for c in candidates if c in keys), None)
        fields[field_name] = as_field(obj.get(key)) if key else None
    text = obj.get(text_key)
    return Record(trial_id or fallback_id, source, "jsonl" if fmt == "jsonl" else "json",
                  text if isinstance(text, str) else None, fields, None, None, index)


def _api_v2_record(protocol: Mapping[str, Any], source: str, name: str, index: int | None,
                   fallback_id: str) -> Record:
    ident = protocol.get("identificationModule") or {}
    trial_id = ident.get("nctId") if isinstance(ident, Mapping) else None
    eligibility = protocol.get("eligibilityModule") or {}
    if not isinstance(eligibility, Mapping):
        eligibility = {}
    fields = {f: as_field(eligibility.get(k)) for f, k in _API_FIELDS.items()}
    text = eligibility.get("eligibilityCriteria")
    warning = None
    if not trial_id:
        warning = "no protocolSection.identificationModule.nctId; id taken from the file name"
    return Record(str(trial_id or fallback_id), source, "ctgov_json",
                  text if isinstance(text, str) else None, fields, None, warning, index)


# -------------------------------------------------------------------------------------- XML


def read_xml(open_stream: Opener, source: str, name: str) -> Iterator[Record]:
    with open_stream() as stream:
        data = stream.read()
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True,
                                 forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        yield error_record(name, source, "ctgov_xml", "XML refused for safety: it declares "
                           f"entities or external references ({type(exc).__name__}); "
                           "nothing was expanded or fetched")
        return
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        yield error_record(name, source, "ctgov_xml",
                           f"malformed or truncated XML at line {line}, column {column}: "
                           f"{str(exc).split(':')[0]}")
        return
    studies = [root] if root.tag == "clinical_study" else list(root.iter("clinical_study"))
    if not studies:
        yield error_record(name, source, "ctgov_xml",
                           f"XML root <{root.tag}> holds no ClinicalTrials.gov <clinical_study>")
        return
    many = len(studies) > 1
    for index, study in enumerate(studies, start=1):
        yield _xml_record(study, source, name, index if many else None)


def _xml_record(study: ET.Element, source: str, name: str, index: int | None) -> Record:
    trial_id = (study.findtext("id_info/nct_id") or "").strip()
    eligibility = study.find("eligibility")
    text = fields = None
    fields = {f: None for f in REGISTRY_FIELDS}
    if eligibility is not None:
        text = eligibility.findtext("criteria/textblock")
        for field_name, tag in _XML_FIELDS.items():
            fields[field_name] = as_field(eligibility.findtext(tag))
    warning = None if trial_id else "no id_info/nct_id; id taken from the file name"
    fallback = f"{stem_id(name)}:{index}" if index else stem_id(name)
    return Record(trial_id or fallback, source, "ctgov_xml", text, fields, None, warning, index)
