"""Readers: files, directories and archives -> a stream of ``Record`` (one per input record).

Formats are detected from content first and the name second. Every record comes out, good or
bad: a file that cannot be read gives one error record naming the file and the problem, and
reading goes on with the next file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.sources.archive import read_zip
from pipeline.sources.ctgov import read_json, read_xml
from pipeline.sources.record import REGISTRY_FIELDS, Opener, Record, error_record, stem_id
from pipeline.sources.tabular import read_delimited, read_jsonl
from pipeline.sources.text import looks_binary, read_text

__all__ = ["REGISTRY_FIELDS", "Record", "detect_format", "iter_input_files", "iter_records"]

# Extensions read when a directory is walked (a file named on the command line is always read).
KNOWN_EXTENSIONS = frozenset(
    {".json", ".xml", ".zip", ".txt", ".text", ".csv", ".tsv", ".tab", ".jsonl", ".ndjson"}
)
_HEAD_BYTES = 8192


def detect_format(name: str, head: bytes) -> str:
    """One of zip, ctgov_xml, json, jsonl, aact, csv, tsv, binary, text."""
    lower = name.lower()
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if looks_binary(head):
        return "binary"
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if body.startswith(b"<"):
        return "ctgov_xml"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if body.startswith((b"{", b"[")):
        return "json"
    first_line = body.split(b"\n", 1)[0].lower()
    if b"|" in first_line and b"nct_id" in first_line:
        return "aact"
    if lower.endswith((".tsv", ".tab")):
        return "tsv"
    if lower.endswith(".csv"):
        return "csv"
    if b"\t" in first_line and b"nct" in first_line:
        return "tsv"
    return "text"


def read_stream(open_stream: Opener, source: str, name: str) -> Iterator[Record]:
    """Records of one file or archive member, whatever its format."""
    with open_stream() as stream:
        head = stream.read(_HEAD_BYTES)
    fmt = detect_format(name, head)
    if fmt == "zip":
        yield error_record(name, source, "zip", "nested zip archive; extract the outer one first")
    elif fmt == "binary":
        yield error_record(name, source, "binary", "binary data, not text: expected registry "
                           "JSON, XML, CSV or plain text")
    elif fmt == "ctgov_xml":
        yield from read_xml(open_stream, source, name)
    elif fmt == "json":
        yield from read_json(open_stream, source, name)
    elif fmt == "jsonl":
        yield from read_jsonl(open_stream, source, name)
    elif fmt in ("aact", "csv", "tsv"):
        delimiter = {"aact": "|", "csv": ",", "tsv": "\t"}[fmt]
        yield from read_delimited(open_stream, source, name, delimiter, fmt)
    else:
        yield from read_text(open_stream, source, name)


def read_path(path: Path) -> Iterator[Record]:
    """Records of one file; never raises for a bad file (it becomes an error record)."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            is_zip = handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError as exc:
        yield error_record(path.name, source, "unreadable",
                           f"cannot open file: {exc.strerror or exc}")
        return
    records = read_zip(path, source, read_stream) if is_zip else read_stream(
        lambda: open(path, "rb"), source, path.name)
    yield from guard(records, path.name, source)


def guard(records: Iterator[Record], name: str, source: str) -> Iterator[Record]:
    """Turn an unexpected failure inside a reader into one error record for the file."""
    count = 0
    try:
        for record in records:
            count += 1
            yield record
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the run
        where = f" after {count} records" if count else ""
        yield error_record(name, source, "unreadable",
                           f"could not read the file{where}: {type(exc).__name__}: {exc}",
                           trial_id=f"{stem_id(name)}:{count + 1}" if count else None)
        return
    if count == 0:  # an empty JSONL or a CSV with a header only: say so with an empty row
        yield Record(stem_id(name), source, "empty", None, {}, None,
                     "the file holds no records")


def iter_input_files(
    inputs: Iterable[str | os.PathLike[str]], on_skip: Callable[[Path], None] | None = None
) -> Iterator[Path]:
    """Files to read: named files as given, directories walked in sorted order.

    Inside directories only known extensions are read; hidden files and folders are skipped and
    reported through ``on_skip``. A missing input raises ``FileNotFoundError`` up front.
    """
    paths = [Path(p) for p in inputs]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"input not found: {', '.join(missing)}")
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file_name in sorted(files):
                file_path = Path(root) / file_name
                if file_name.startswith(".") or file_path.suffix.lower() not in KNOWN_EXTENSIONS:
                    if on_skip is not None:
                        on_skip(file_path)
                    continue
                yield file_path


def iter_records(
    inputs: Iterable[str | os.PathLike[str]], on_skip: Callable[[Path], None] | None = None
) -> Iterator[Record]:
    """Every record of every input, in a deterministic order."""
    for path in iter_input_files(inputs, on_skip):
        yield from read_path(path)
