"""Turn a PDF and a few new or changed objects into the same PDF with an incremental
update appended (ISO 32000-1, 7.5.6): the original bytes are kept as they are, so none
of its objects is parsed or written again.

Numbering a form on its own (dossier.standalone_pdf) cloned the whole form with pypdf,
every font and width array parsed and written back, to change the page dictionaries and
add the numbers: 0.19 s of the main process for the đảng bộ sample's 29 forms. An update
reads the pages only, and writes the pages, the shared resources and the overlays.
"""

from __future__ import annotations

import io
import re
from typing import cast

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
)

from pipeline.pdfjoin import renumbered

STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


class UpdateError(ValueError):
    """The PDF cannot take an update (no cross-reference offset found at its end)."""


class Update:
    """Objects to append to `original` (read by `reader`): changed versions of its own
    objects (`writable`), and new ones (`add`, `copy`)."""

    def __init__(self, original: bytes, reader: PdfReader) -> None:
        found = STARTXREF.search(original[-1024:])
        if found is None:
            raise UpdateError("no startxref at the end of the PDF")
        self.original = original
        self.previous = int(found[1])
        self.trailer = reader.trailer
        self.next_number = int(cast(int, self.trailer["/Size"]))
        self.objects: dict[int, PdfObject] = {}
        self.copied: dict[tuple[int, int], IndirectObject] = {}

    def writable(self, reference: IndirectObject) -> DictionaryObject:
        """A copy of one of the PDF's dictionaries, written as its new version."""
        if reference.idnum not in self.objects:
            self.objects[reference.idnum] = DictionaryObject(
                cast(DictionaryObject, reference.get_object()))
        return cast(DictionaryObject, self.objects[reference.idnum])

    def add(self, obj: PdfObject) -> IndirectObject:
        """A new object of the PDF; its reference."""
        reference = IndirectObject(self.next_number, 0, None)
        self.next_number += 1
        self.objects[reference.idnum] = obj
        return reference

    def copy(self, obj: PdfObject) -> PdfObject:
        """An object of another PDF, with what it refers to, as new objects of this one
        (each object once, however often it is referred to)."""
        return renumbered(obj, self._copied)

    def _copied(self, reference: IndirectObject) -> IndirectObject:
        key = (id(reference.pdf), reference.idnum)
        if key not in self.copied:
            self.copied[key] = self.add(DictionaryObject())  # its number, first
            self.objects[self.copied[key].idnum] = self.copy(
                cast(PdfObject, reference.get_object()))
        return self.copied[key]

    def write(self) -> bytes:
        """The original bytes, then the objects and a cross-reference stream for them."""
        out = io.BytesIO()
        out.write(self.original)
        if not self.original.endswith(b"\n"):
            out.write(b"\n")
        offsets = {}
        for number in sorted(self.objects):
            offsets[number] = out.tell()
            out.write(f"{number} 0 obj\n".encode("ascii"))
            self.objects[number].write_to_stream(out)
            out.write(b"\nendobj\n")
        xref_number = self.next_number
        offsets[xref_number] = out.tell()
        xref = DecodedStreamObject()
        xref.set_data(b"".join(b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00"
                               for n in sorted(offsets)))
        xref.update({
            NameObject("/Type"): NameObject("/XRef"),
            NameObject("/Size"): NumberObject(xref_number + 1),
            NameObject("/W"): ArrayObject(NumberObject(n) for n in (1, 4, 2)),
            NameObject("/Index"): ArrayObject(NumberObject(n) for n in _ranges(offsets)),
            NameObject("/Prev"): NumberObject(self.previous),
        })
        for key in ("/Root", "/Info", "/ID"):
            if key in self.trailer:
                xref[NameObject(key)] = self.trailer.raw_get(key)
        out.write(f"{xref_number} 0 obj\n".encode("ascii"))
        xref.write_to_stream(out)
        out.write(f"\nendobj\nstartxref\n{offsets[xref_number]}\n%%EOF\n".encode("ascii"))
        return out.getvalue()


def _ranges(numbers: dict[int, int]) -> list[int]:
    """The /Index of a cross-reference stream: first number and count of each run."""
    runs: list[int] = []
    for number in sorted(numbers):
        if runs and runs[-2] + runs[-1] == number:
            runs[-1] += 1
        else:
            runs += [number, 1]
    return runs
