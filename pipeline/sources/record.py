"""What every reader yields: one ``Record`` per input record, good or bad."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Callable, BinaryIO

# Registry fields carried next to the text into the trials table.
REGISTRY_FIELDS = ("minimum_age", "maximum_age", "sex", "healthy_volunteers")

Opener = Callable[[], BinaryIO]

_NCT = re.compile(r"NCT\d{8}", re.IGNORECASE)


@dataclass
class Record:
    """One input record: its id, where it came from, its criteria text and registry fields.

    ``text`` is the criteria text exactly as decoded from the input (no newline translation, no
    stripping); None when the record has none. ``error`` set means the record could not be read.
    """

    trial_id: str
    source: str
    format: str
    text: str | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    error: str | None = None
    warning: str | None = None
    index: int | None = None  # 1-based position in a multi-record source


def stem_id(name: str) -> str:
    """A trial id from a file or member name: the NCT number in it, else the stem.

    Only the last path component is used, so a member called ``../../x.json`` is just ``x``.
    """
    base = name.replace("\\", "/").rpartition("/")[2]
    if base in ("", ".", ".."):  # odd names: as pathlib reads them
        base = PurePath(name.replace("\\", "/")).name
        return PurePath(base).stem or base or "unnamed"
    dot = base.rfind(".")
    return base[:dot] if 0 < dot < len(base) - 1 else base


def nct_in(value: str | None) -> str | None:
    if not value:
        return None
    match = _NCT.search(value)
    return match.group().upper() if match else None


def error_record(name: str, source: str, fmt: str, message: str, index: int | None = None,
                 trial_id: str | None = None) -> Record:
    return Record(trial_id or stem_id(name), source, fmt, None, {}, message, None, index)


def as_field(value: object) -> str | None:
    """Registry field values as strings (booleans of API v2 become 'Yes'/'No')."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = str(value).strip()
    return text or None
