"""Plain text: one trial's criteria per file, read as UTF-8 without newline translation."""

from __future__ import annotations

import codecs
from typing import Iterator

from pipeline.sources.record import Opener, Record, error_record, stem_id

_CONTROL = bytes(range(0, 9)) + bytes(range(14, 32))


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters: not a text file (UTF-16 with a BOM is text)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return bool(head) and controls / len(head) > 0.05


def decode(data: bytes) -> tuple[str, str | None]:
    """(text, warning): UTF-8 (BOM dropped), UTF-16 with a BOM, else Windows-1252 / Latin-1.

    A file that is not UTF-8 is still read, with a warning naming the first bad byte, rather
    than refused: registry exports in Latin-1 exist and their text is otherwise fine.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return data.decode(encoding), f"not valid UTF-8 ({where}); read as {label}"
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def read_text(open_stream: Opener, source: str, name: str) -> Iterator[Record]:
    with open_stream() as stream:
        data = stream.read()
    if looks_binary(data[:8192]):
        yield error_record(name, source, "binary",
                           "binary data, not text: expected registry JSON, XML, CSV or plain text")
        return
    text, warning = decode(data)
    yield Record(stem_id(name), source, "text", text, {}, None, warning)
