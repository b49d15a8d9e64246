"""Turn many PDFs into one, written object by object to a file, so that memory holds one
part at a time, however many parts there are.

pypdf's PdfWriter keeps every object of every part until it writes the whole: binding
the 1,000 members' Mẫu 2 of a large đảng bộ into the file to print (34 MB, each member's
PDF with its own font subset) held 440 MiB. Here each part is read, every object its
pages reach is copied out under a new number, and the part is dropped; the page tree,
the catalogue and the cross-reference table come last. The pages are the parts' own,
byte for byte in their content (tests/test_paper.py compares them pixel by pixel).
"""

from __future__ import annotations

import hashlib
import io
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class JoinedPdf:
    """A PDF being written to `out`: `append` the parts in order, then `finish`."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offsets: list[int] = []  # of object n at n - 1
        self.pages: list[int] = []
        self.info: DictionaryObject | None = None
        self.seed = hashlib.sha256()
        out.write(HEADER)
        self.catalog = self._reserve()
        self.tree = self._reserve()

    def append(self, source: Path) -> None:
        """Every page of the PDF `source`, with what they draw, after those before.
        The first part's title and author become the file's."""
        data = source.read_bytes()
        self.seed.update(hashlib.sha256(data).digest())
        reader = PdfReader(io.BytesIO(data))
        if self.info is None:
            self.info = DictionaryObject({
                NameObject(key): TextStringObject(str(value))
                for key, value in (reader.metadata or {}).items()
                if key in ("/Title", "/Author", "/Subject", "/Creator")})
        Part(self, reader).copy()

    def finish(self) -> None:
        """The page tree, catalogue, information and cross-references; the identifier
        is a digest of the parts, so the same parts give the same bytes."""
        kids = ArrayObject(IndirectObject(n, 0, None) for n in self.pages)
        self._write(self.tree, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"), NameObject("/Kids"): kids,
            NameObject("/Count"): NumberObject(len(self.pages))}))
        self._write(self.catalog, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(self.tree, 0, None)}))
        info = self._reserve()
        self._write(info, self.info or DictionaryObject())
        start = self.out.tell()
        entries = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % at for at in self.offsets]
        self.out.write(b"xref\n0 %d\n" % (len(self.offsets) + 1) + b"".join(entries))
        identifier = ByteStringObject(self.seed.digest()[:16])
        trailer = DictionaryObject({
            NameObject("/Size"): NumberObject(len(self.offsets) + 1),
            NameObject("/Root"): IndirectObject(self.catalog, 0, None),
            NameObject("/Info"): IndirectObject(info, 0, None),
            NameObject("/ID"): ArrayObject([identifier, identifier])})
        self.out.write(b"trailer\n")
        trailer.write_to_stream(self.out)
        self.out.write(b"\nstartxref\n%d\n%%%%EOF\n" % start)

    def _reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets)

    def _write(self, number: int, value: PdfObject) -> None:
        self.offsets[number - 1] = self.out.tell()
        self.out.write(b"%d 0 obj\n" % number)
        value.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")


class Part:
    """One source PDF being copied: its objects' numbers in the joined file."""

    def __init__(self, joined: JoinedPdf, reader: PdfReader) -> None:
        self.joined = joined
        self.reader = reader
        self.numbers: dict[tuple[int, int], int] = {}
        self.todo: deque[tuple[IndirectObject, int]] = deque()
        self.pages: set[int] = set()

    def copy(self) -> None:
        for page in self.reader.pages:
            reference = page.indirect_reference
            assert reference is not None
            number = self._number(reference).idnum
            self.pages.add(number)
            self.joined.pages.append(number)
        while self.todo:
            reference, number = self.todo.popleft()
            source = reference.get_object()
            if number in self.pages:  # its /Parent is the joined page tree
                assert isinstance(source, DictionaryObject)
                copied = DictionaryObject({NameObject(k): self._translate(v)
                                           for k, v in source.items() if k != "/Parent"})
                copied[NameObject("/Parent")] = IndirectObject(self.joined.tree, 0, None)
                self.joined._write(number, copied)
            else:
                self.joined._write(number, self._translate(source))

    def _number(self, reference: IndirectObject) -> IndirectObject:
        key = (reference.idnum, reference.generation)
        if key not in self.numbers:
            self.numbers[key] = self.joined._reserve()
            self.todo.append((reference, self.numbers[key]))
        return IndirectObject(self.numbers[key], 0, None)

    def _translate(self, value: PdfObject | None) -> PdfObject:
        """The value with every reference renumbered (and queued to be copied)."""
        assert value is not None
        return renumbered(value, self._number)


def renumbered(value: PdfObject, reference: Callable[[IndirectObject], PdfObject]
               ) -> PdfObject:
    """`value` rebuilt with each reference in it replaced by `reference(it)`; a stream
    keeps its bytes as they are stored, filter and all (also pipeline/pdfupdate.py)."""
    if isinstance(value, IndirectObject):
        return reference(value)
    if isinstance(value, StreamObject):
        stream = EncodedStreamObject() if isinstance(value, EncodedStreamObject) \
            else DecodedStreamObject()
        stream._data = value._data
        stream.update({NameObject(k): renumbered(v, reference) for k, v in value.items()})
        return stream
    if isinstance(value, DictionaryObject):
        return DictionaryObject({NameObject(k): renumbered(v, reference)
                                 for k, v in value.items()})
    if isinstance(value, ArrayObject):
        return ArrayObject(renumbered(v, reference) for v in value)
    return value


def join_files(parts: list[Path], out: BinaryIO) -> None:
    """Write the PDF of every page of `parts`, in order, to `out`."""
    joined = JoinedPdf(out)
    for part in parts:
        joined.append(part)
    joined.finish()
