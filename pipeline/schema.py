"""THE table schemas, declared once: column name, Arrow type, nullability and meaning.

Everything else derives from these lists: the pyarrow schemas (with descriptions in the field
metadata and ``schema_version`` in the table metadata), the writer's key check, the empty
DataFrames of the notebook API and the README's column tables. The names and meanings of the
columns in ``../shared/docs/output-contract.md`` are kept; columns after them are additions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import pyarrow as pa

SCHEMA_VERSION = "1.3"

TABLE_NAMES = ("trials", "criteria", "entities", "codes")
CODE_SYSTEMS = ("ICD10CM", "MESH", "DRUGBANK", "LOINC")
SECTIONS = ("inclusion", "exclusion", "unknown")
STATUSES = ("ok", "empty", "error")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool
    description: str


def _c(name: str, type_: pa.DataType, nullable: bool, description: str) -> Column:
    return Column(name, type_, nullable, description)


_S, _I, _F, _B = pa.string(), pa.int32(), pa.float64(), pa.bool_()

TRIALS: tuple[Column, ...] = (
    _c("trial_id", _S, False, "registry id (NCT…) or file stem"),
    _c("source", _S, False, "input file (and archive member) it came from"),
    _c("status", _S, False, "ok, empty (no criteria text) or error"),
    _c("error", _S, True, "what went wrong, for error rows: a sentence a person can act on"),
    _c("n_criteria", _I, False, "criteria rows produced for it"),
    _c("source_text", _S, True, "the criteria text offsets refer to, exactly as read"),
    _c("minimum_age", _S, True, "registry field next to the text, as written (e.g. '18 Years')"),
    _c("maximum_age", _S, True, "registry field next to the text, as written"),
    _c("sex", _S, True, "registry field next to the text (ALL, FEMALE, MALE, …)"),
    _c("healthy_volunteers", _S, True, "registry field next to the text, as written"),
    _c("record_key", _S, False, "trial_id, suffixed #2, #3 … when an id repeats in one run; "
       "prefix of its criterion ids"),
    _c("source_index", _I, True, "1-based position of the record in its source (row, list "
       "item); null when the source holds a single record"),
    _c("format", _S, False, "input format detected from content and name "
       "(ctgov_json, ctgov_xml, aact, csv, tsv, jsonl, text, …)"),
    _c("warning", _S, True, "something a person may want to check although the record parsed"),
)

CRITERIA: tuple[Column, ...] = (
    _c("trial_id", _S, False, "registry id of the trial"),
    _c("criterion_id", _S, False, "unique in the run and stable across re-runs: record_key:n"),
    _c("section", _S, False, "inclusion, exclusion, or unknown (no header seen)"),
    _c("ordinal", _I, False, "1-based position within its section"),
    _c("depth", _I, False, "0 for a top-level criterion, 1 for a sub-item, …"),
    _c("parent_id", _S, True, "criterion_id of the item it hangs under"),
    _c("bullet", _S, True, "the original marker (*, -, •, 1., (a), iv), ⑥ …)"),
    _c("start", _I, False, "offset of text in source_text"),
    _c("end", _I, False, "end offset (exclusive) of text in source_text"),
    _c("text", _S, False, "the criterion without its marker: source_text[start:end]"),
    _c("norm_text", _S, False, "normalized form (unicode, comparators, spacing)"),
    _c("logic", _S, True, "JSON tree over the criterion's concept entities: {\"op\": \"and\" "
       "/ \"or\" / \"not\", \"args\": [node or entity_id, …]}; exception entities left out; "
       "null with fewer than two concepts"),
    _c("children_op", _S, True, "for a criterion with children: any or all of them must hold; "
       "null when the text does not say or it has none"),
    _c("section_header", _S, True, "the header the criterion falls under, as written"),
)

ENTITIES: tuple[Column, ...] = (
    _c("trial_id", _S, False, "registry id of the trial"),
    _c("criterion_id", _S, False, "the criterion the span lies in"),
    _c("entity_id", _S, False, "unique in the run: criterion_id:e<n>"),
    _c("label", _S, False, "condition, drug, procedure, measurement, observation, device, "
       "value, temporal, age, sex, pregnancy, …"),
    _c("start", _I, False, "offset in source_text"),
    _c("end", _I, False, "end offset (exclusive) in source_text"),
    _c("text", _S, False, "source_text[start:end]"),
    _c("negated", _B, False, "the criterion says it is absent (independent of the section)"),
    _c("hypothetical", _B, False, "planned, possible or conditional"),
    _c("historical", _B, False, "about the past rather than a current state"),
    _c("comparator", _S, True, "<, <=, >, >=, =, between"),
    _c("value_low", _F, True, "lower bound"),
    _c("value_high", _F, True, "upper bound"),
    _c("unit", _S, True, "normalized unit (years, mg/dL, 10^9/L, %, x ULN, …)"),
    _c("window_start_days", _F, True, "time window start, signed days relative to anchor"),
    _c("window_end_days", _F, True, "time window end, signed days relative to anchor"),
    _c("anchor", _S, True, "what a window is relative to (enrollment, first_dose, now, …)"),
    _c("exception", _B, False, "inside an exception clause (except, other than, unless …)"),
    _c("long_form", _S, True, "expansion of an abbreviation defined in the trial"),
    _c("concept", _S, True, "normalized name: the measurement (e.g. 'absolute neutrophil "
       "count', 'ECOG performance status'), sex (female/male/all) or pregnancy concept "
       "(pregnant, breastfeeding, childbearing_potential, pregnancy_test)"),
    _c("method", _S, False, "what found the span: rule (typed constraints) or ner (model)"),
)

CODES: tuple[Column, ...] = (
    _c("trial_id", _S, False, "registry id of the trial"),
    _c("criterion_id", _S, False, "the criterion the entity lies in"),
    _c("entity_id", _S, False, "the coded entity (entities.entity_id)"),
    _c("system", _S, False, "vocabulary: ICD10CM, MESH, DRUGBANK or LOINC"),
    _c("code", _S, False, "the code as its vocabulary writes it (E11.9, D006973, DB00331, "
       "751-8; an ICD-10-CM block as E08-E13)"),
    _c("name", _S, False, "the vocabulary's preferred name of the code"),
    _c("score", _F, False, "0..1: 1 for an exact name, the character-trigram cosine otherwise"),
    _c("rank", _I, False, "1 = best within the system for this entity (at most 3)"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "trials": TRIALS,
    "criteria": CRITERIA,
    "entities": ENTITIES,
    "codes": CODES,
}


def column_names(table: str) -> tuple[str, ...]:
    return tuple(column.name for column in TABLES[table])


@lru_cache(maxsize=None)
def arrow_schema(table: str) -> pa.Schema:
    """The pyarrow schema of a table, descriptions and ``schema_version`` in its metadata."""
    fields = [
        pa.field(c.name, c.type, nullable=c.nullable, metadata={"description": c.description})
        for c in TABLES[table]
    ]
    return pa.schema(fields, metadata={"schema_version": SCHEMA_VERSION, "table": table})


class SchemaError(ValueError):
    """A row whose keys differ from its table's declared columns."""


@lru_cache(maxsize=None)
def _column_set(table: str) -> frozenset[str]:
    return frozenset(column_names(table))


def check_row(table: str, row: Mapping[str, object]) -> None:
    """Refuse a row with missing or unknown keys (pyarrow would silently drop or null them)."""
    if row.keys() == _column_set(table):
        return
    expected = column_names(table)
    missing = [name for name in expected if name not in row]
    extra = [name for name in row if name not in expected]
    raise SchemaError(
        f"{table} row does not match schema {SCHEMA_VERSION}: "
        f"missing {missing or 'nothing'}, unknown {extra or 'nothing'}"
    )


def markdown() -> str:
    """The column tables of the README, generated from the declarations above."""
    out = []
    for table, columns in TABLES.items():
        out += [f"### `{table}.parquet`", "", "| column | type | null | meaning |",
                "|---|---|---|---|"]
        out += [f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {c.description} |"
                for c in columns]
        out.append("")
    return "\n".join(out)
