"""Delimited and line formats, streamed row by row: CSV, TSV, AACT ``eligibilities.txt``
(pipe-delimited, quoted multi-line fields) and JSON Lines.

Columns are found by name (``nct_id`` / ``trial_id`` / ``id``; ``criteria`` /
``eligibility_criteria`` / ``text``); a header-less file whose first row holds an NCT number
is read by content (the NCT cell is the id, the longest cell the criteria).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from typing import Iterator

from pipeline.sources.ctgov import (
    FIELD_KEYS,
    ID_KEYS,
    TEXT_KEYS,
    canonical_key,
    read_json_lines,
)
from pipeline.sources.record import REGISTRY_FIELDS, Opener, Record, as_field, error_record, \
    nct_in, stem_id

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_NCT_CELL = re.compile(r"^\s*NCT\d{8}\s*$", re.IGNORECASE)
_AGE_CELL = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:years?|months?|weeks?|days?|hours?)|N/?A)\s*$",
                       re.IGNORECASE)
_SEX_CELL = re.compile(r"^\s*(?:all|both|male|female|men|women)\s*$", re.IGNORECASE)


def _text_stream(open_stream: Opener) -> io.TextIOWrapper:
    return io.TextIOWrapper(open_stream(), encoding="utf-8-sig", newline="")


def read_jsonl(open_stream: Opener, source: str, name: str) -> Iterator[Record]:
    with _text_stream(open_stream) as stream:
        yield from _guard_decoding(read_json_lines(stream, source, name), source, name, "jsonl")


def read_delimited(open_stream: Opener, source: str, name: str, delimiter: str,
                   fmt: str) -> Iterator[Record]:
    with _text_stream(open_stream) as stream:
        rows = csv.reader(stream, delimiter=delimiter)
        yield from _guard_decoding(_rows_to_records(rows, source, name, fmt), source, name, fmt)


def _guard_decoding(records: Iterator[Record], source: str, name: str,
                    fmt: str) -> Iterator[Record]:
    """A file that stops being UTF-8 half-way gives the records before and one error after."""
    count = 0
    try:
        for record in records:
            count += 1
            yield record
    except UnicodeDecodeError as exc:
        yield error_record(name, source, fmt, f"not valid UTF-8 after record {count} "
                           f"({exc.reason}); re-encode the file as UTF-8 and re-run",
                           count + 1, trial_id=f"{stem_id(name)}:{count + 1}")
    except csv.Error as exc:
        yield error_record(name, source, fmt, f"unreadable {fmt.upper()} after record "
                           f"{count}: {exc}", count + 1, trial_id=f"{stem_id(name)}:{count + 1}")


def _rows_to_records(rows: Iterator[list[str]], source: str, name: str,
                     fmt: str) -> Iterator[Record]:
    first = next(rows, None)
    if first is None:
        yield Record(stem_id(name), source, fmt, None)
        return
    columns = _columns_from_header(first)
    if columns is None:
        columns = _columns_from_content(first)
        if columns is None:
            yield error_record(name, source, fmt, "no criteria column: expected a header with "
                               f"one of {', '.join(TEXT_KEYS)} (found {first[:8]})")
            return
        rows = _chain([first], rows)
    id_col, text_col, field_cols = columns
    for index, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        trial_id = _cell(row, id_col) if id_col is not None else None
        if text_col >= len(row):
            yield error_record(name, source, fmt, f"row {index} has {len(row)} columns, the "
                               f"criteria column is number {text_col + 1}", index,
                               trial_id=trial_id or nct_in(" ".join(row)) or
                               f"{stem_id(name)}:{index}")
            continue
        fields = {f: as_field(_cell(row, c)) if c is not None else None
                  for f, c in field_cols.items()}
        warning = None if trial_id else "no id in this row; id made from the file name and row"
        yield Record(trial_id or f"{stem_id(name)}:{index}", source, fmt, row[text_col], fields,
                     None, warning, index)


def _cell(row: list[str], col: int | None) -> str | None:
    if col is None or col >= len(row):
        return None
    return row[col].strip() or None


def _chain(head: list[list[str]], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from head
    yield from rest


Columns = tuple[int | None, int, dict[str, int | None]]


def _columns_from_header(header: list[str]) -> Columns | None:
    keys = [canonical_key(h) for h in header]
    if any(_NCT_CELL.match(h) for h in header):
        return None
    text_col = next((keys.index(k) for k in TEXT_KEYS if k in keys), None)
    if text_col is None:
        return None
    id_col = next((keys.index(k) for k in ID_KEYS if k in keys), None)
    fields = {f: next((keys.index(c) for c in cands if c in keys), None)
              for f, cands in FIELD_KEYS.items()}
    return id_col, text_col, fields


def _columns_from_content(row: list[str]) -> Columns | None:
    """A header-less row: the NCT cell is the id, the longest cell the criteria text."""
    id_col = next((i for i, cell in enumerate(row) if _NCT_CELL.match(cell)), None)
    if id_col is None:
        return None
    text_col = max((i for i in range(len(row)) if i != id_col), key=lambda i: len(row[i]),
                   default=None)
    if text_col is None:
        return None
    fields: dict[str, int | None] = {f: None for f in REGISTRY_FIELDS}
    ages = [i for i, cell in enumerate(row) if i not in (id_col, text_col) and _AGE_CELL.match(cell)]
    if len(ages) == 2:
        fields["minimum_age"], fields["maximum_age"] = ages
    fields["sex"] = next((i for i, cell in enumerate(row)
                          if i not in (id_col, text_col) and _SEX_CELL.match(cell)), None)
    return id_col, text_col, fields
