"""Turn uploaded bytes into files the library may read: checked by content, named by us.

An upload's own file name is never used as a path: a workbook becomes `du-lieu.xlsx`, a
scan `dinh-kem/<mục>-ban-quet-<n>.<kind>`, a received dossier the blob named by its
SHA-256. A zip of a unit folder is unpacked only where every member is a plain file with
a short, tame relative name, within a count and size budget (no zip bomb, no `..`, no
links). Received dossiers are kept content-addressed and never overwritten.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
LIMITS = {  # bytes an upload of each kind may have
    "workbook": 20 * MB,
    "zip": 200 * MB,
    "scan": 50 * MB,  # as pipeline.attachments.MAX_FILE_BYTES
    "dossier": 300 * MB,  # as the receipt check's own limit
    "register": 5 * MB,
    "yaml": 1 * MB,
}
ZIP_MAX_FILES = 2000
ZIP_MAX_UNPACKED = 400 * MB

_PART = re.compile(r"^[\w][\w .()-]{0,119}$", re.UNICODE)


class UploadRefused(Exception):
    """The upload is not what it claims to be, or too large; the message says why."""


@dataclass(frozen=True)
class Sniffed:
    kind: str  # pdf | jpg | png | xlsx | zip
    suffix: str


def sniff(data: bytes) -> Sniffed | None:
    """What the bytes are, by their content alone."""
    if data[:1024].lstrip(b"\x00\t\n\r\x0c ").startswith(b"%PDF-"):
        return Sniffed("pdf", ".pdf")
    if data.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpg", ".jpg")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png", ".png")
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return Sniffed("xlsx", ".xlsx")
        return Sniffed("zip", ".zip")
    return None


def expect(data: bytes, purpose: str, kinds: set[str], what: str) -> Sniffed:
    """The sniffed kind, or UploadRefused when too large or not one of `kinds`."""
    limit = LIMITS[purpose]
    if len(data) > limit:
        raise UploadRefused(f"tệp quá lớn ({len(data) // MB} MB; tối đa {limit // MB} MB)")
    if not data:
        raise UploadRefused("tệp rỗng")
    found = sniff(data)
    if found is None or found.kind not in kinds:
        named = "không nhận ra" if found is None else found.kind.upper()
        raise UploadRefused(f"nội dung tệp không phải {what} (nội dung: {named}); chương "
                            "trình xét nội dung tệp, không xét tên hay đuôi tệp")
    return found


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".tai-len-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


class BlobStore:
    """Received files by their SHA-256: written once, read-only after, never replaced."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, digest: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError("not a sha256 digest")
        return self.folder / digest[:2] / f"{digest}.pdf"

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():
            write_atomic(target, data)
            target.chmod(stat.S_IRUSR | stat.S_IRGRP)
        return digest


def unpack_unit(data: bytes, target: Path) -> list[str]:
    """Unpack a zip of a unit folder into the empty `target`; refuse it whole on any
    member that is not a tame plain file. A single top folder is stripped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRefused("tệp zip bị hỏng") from None
    if len(members) > ZIP_MAX_FILES:
        raise UploadRefused(f"tệp zip có quá nhiều tệp (trên {ZIP_MAX_FILES})")
    if sum(m.file_size for m in members) > ZIP_MAX_UNPACKED:
        raise UploadRefused(f"tệp zip giải nén quá lớn (trên {ZIP_MAX_UNPACKED // MB} MB)")
    names = [_member_parts(m) for m in members]
    tops = {parts[0] for parts in names}
    if len(tops) == 1 and all(len(parts) > 1 for parts in names):
        names = [parts[1:] for parts in names]
    written: list[str] = []
    for member, parts in zip(members, names, strict=True):
        if parts[-1].startswith((".", "~$", "__MACOSX")) or parts[0] == "__MACOSX":
            continue
        with archive.open(member) as source:
            content = source.read(ZIP_MAX_UNPACKED + 1)
        if len(content) != member.file_size:
            raise UploadRefused(f"tệp zip: «{'/'.join(parts)}» khai sai kích thước")
        write_atomic(target.joinpath(*parts), content)
        written.append("/".join(parts))
    if "don-vi.yaml" not in written:
        raise UploadRefused("tệp zip không có don-vi.yaml ở thư mục gốc của đơn vị")
    return written


def _member_parts(member: zipfile.ZipInfo) -> tuple[str, ...]:
    mode = member.external_attr >> 16
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type bits: a plain file
        raise UploadRefused(f"tệp zip: «{member.filename}» không phải tệp thường (liên kết?)")
    name = unicodedata.normalize("NFC", member.filename.replace("\\", "/"))
    parts = tuple(p for p in name.split("/") if p)
    if (not parts or name.startswith("/") or len(parts) > 4
            or any(not _PART.match(p) or p in {".", ".."} for p in parts)):
        raise UploadRefused(f"tệp zip: tên «{member.filename}» không hợp lệ (chỉ nhận đường "
                            "dẫn tương đối, tên ngắn, không có «..»)")
    return parts
