"""Turn named members into the bytes of a zip archive (a Word or Excel file) that depend
on the members only: fixed timestamps, a fixed order, each member compressed once.

Word files of one template share most of their parts (styles, theme, settings, fonts);
from one member's file to the next only the body changes. python-docx compressed every
part, and the deterministic rewrite decompressed and compressed it again: a third of the
time spent writing a Word file went to zlib. Here a document's parts are taken from
python-docx uncompressed, and a part seen before comes compressed from a small memo.

The bytes are those `zipfile` writes with `ZipInfo(name, FIXED_TIME)` and
`ZIP_DEFLATED` on Linux (tests/test_zipout.py compares them), with the creating system
fixed to Unix, so that the same input gives the same bytes on Windows too.
"""

from __future__ import annotations

import io
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable
from typing import Any

FIXED_TIME = (2000, 1, 1, 0, 0, 0)
CONTENT_TYPES = "[Content_Types].xml"

_VERSION = 20  # what zipfile writes for a deflated member without zip64
_UNIX = 3
_UTF8_NAME = 0x800
_READ_WRITE = 0o600 << 16  # what zipfile gives a member without permissions
_DOS_DATE = (FIXED_TIME[0] - 1980) << 9 | FIXED_TIME[1] << 5 | FIXED_TIME[2]
_DOS_TIME = FIXED_TIME[3] << 11 | FIXED_TIME[4] << 5 | FIXED_TIME[5] // 2
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")


class CompressedMemo:
    """Members compressed before, by their bytes, the most recently used kept up to
    `limit` bytes in all (keys and values). Shared by the threads of the web app."""

    def __init__(self, limit: int = 32 * 1024 * 1024) -> None:
        self.limit = limit
        self.size = 0
        self.entries: dict[bytes, tuple[int, bytes]] = {}
        self.lock = threading.Lock()

    def deflate(self, data: bytes) -> tuple[int, bytes]:
        """The member's CRC-32 and raw deflate stream, as zipfile makes them."""
        with self.lock:
            found = self.entries.pop(data, None)
            if found is not None:
                self.entries[data] = found  # now the most recent
                return found
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        made = (zlib.crc32(data), compressor.compress(data) + compressor.flush())
        with self.lock:
            if data not in self.entries:
                self.entries[data] = made
                self.size += len(data) + len(made[1])
            while self.size > self.limit and self.entries:
                oldest = next(iter(self.entries))
                self.size -= len(oldest) + len(self.entries.pop(oldest)[1])
        return made


MEMO = CompressedMemo()


def zip_bytes(members: Iterable[tuple[str, bytes]]) -> bytes:
    """A deflated zip of the members, `[Content_Types].xml` first, then by name."""
    out = io.BytesIO()
    central = []
    for name, data in sorted(members, key=lambda m: (m[0] != CONTENT_TYPES, m[0])):
        crc, deflated = MEMO.deflate(data)
        encoded, flags = _encoded(name)
        offset = out.tell()
        out.write(_LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, zipfile.ZIP_DEFLATED,
                              _DOS_TIME, _DOS_DATE, crc, len(deflated), len(data),
                              len(encoded), 0))
        out.write(encoded)
        out.write(deflated)
        central.append(_CENTRAL.pack(b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, flags,
                                     zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, crc,
                                     len(deflated), len(data), len(encoded), 0, 0, 0, 0,
                                     _READ_WRITE, offset) + encoded)
    start = out.tell()
    out.writelines(central)
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central),
                        out.tell() - start, start, 0))
    return out.getvalue()


def _encoded(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_NAME


def normalize_zip(data: bytes) -> bytes:
    """A zip rewritten with fixed timestamps and order, so equal input → equal bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return zip_bytes((name, source.read(name)) for name in source.namelist())


def word_file_bytes(document: Any) -> bytes:
    """A python-docx Document's file, its parts serialised once and never compressed
    twice (what `Document.save` then `normalize_zip` gave, byte for byte)."""
    from docx.opc.pkgwriter import PackageWriter  # here: `hoso check` needs no docx

    package = document.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    members = _Members()
    writer: Any = members  # python-docx's zip writer, for its type
    # PackageWriter.write without its zip file: the same members, in our zip.
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    return zip_bytes(members.items)


class _Members:
    """Stands for python-docx's zip writer: collects each member's name and bytes."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.items.append((pack_uri.membername, blob))
