"""Zip archives (the registry's bulk downloads), streamed member by member.

Nothing is extracted to disk and member names are never used as paths: a member called
``../../x.json`` is read from the archive like any other and only gives the id ``x``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterator

from pipeline.sources.record import Record, error_record

# A member larger than this is refused rather than read (zip bombs).
MAX_MEMBER_BYTES = 256 * 1024 * 1024
# A member up to this size (a study, a few kB to a few MB) is decompressed once into memory;
# larger ones (a whole dump as one CSV) are streamed.
READ_WHOLE_BYTES = 32 * 1024 * 1024

ReadMember = Callable[[Callable, str, str], Iterator[Record]]


def read_zip(path: Path, source: str, read_member: ReadMember) -> Iterator[Record]:
    """Records of every file member, in archive order; ``read_member`` detects each format."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield error_record(path.name, source, "zip", f"unreadable zip archive: {exc}")
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            member_source = f"{source}!{info.filename}"
            if info.file_size > MAX_MEMBER_BYTES:
                yield error_record(info.filename, member_source, "zip",
                                   f"archive member is {info.file_size} bytes uncompressed, over "
                                   f"the {MAX_MEMBER_BYTES} byte limit; not read")
                continue
            if info.filename.lower().endswith(".zip"):
                yield error_record(info.filename, member_source, "zip",
                                   "nested zip archive; extract the outer one first")
                continue
            if info.file_size > READ_WHOLE_BYTES:
                yield from read_member(lambda info=info: archive.open(info), member_source,
                                       info.filename)
                continue
            try:  # read once: the reader looks at the head, then reads it all
                data = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                yield error_record(info.filename, member_source, "zip",
                                   f"unreadable archive member: {type(exc).__name__}: {exc}")
                continue
            yield from read_member(lambda data=data: io.BytesIO(data), member_source,
                                   info.filename)
