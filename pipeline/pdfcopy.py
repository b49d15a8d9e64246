"""Turn a rendered form's PDF into objects that a dossier's `PdfWriter` takes at any
object number, each serialised once for all the bindings that place it there.

pypdf's `add_page` clones every object a page reaches, and the writer serialises the
clones again in every binding: 32 of the 58 ms that binding the đảng bộ sample took in
a rebuild, where all but two of its 29 forms were the same as in the binding before.
Here a form's objects are walked once, in a fixed order, and each is serialised with
its references left as slots; placed at object number N, a slot becomes N plus its
index, a substitution in the object's head (never in a stream's data). A kept renderer
(pipeline/watch.py) keeps a form's `FormObjects` between bindings: a form that did not
move is not serialised again.

The pages and the resources they name stay live pypdf objects, fresh at each placement,
for the binding to stamp (assemble.stamp_numbers) and outline. Every other object is
written from its bytes but reads as the form's own (`Written*`: the same keys, values,
and stream data), so the pages' digests (pipeline/pdfdigest.py) see what a copy shows.
"""

from __future__ import annotations

import io
import re
from collections import deque
from typing import Any, cast

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from pipeline.pdfjoin import renumbered

SLOT = re.compile(rb"\x00(\d+)\x00")  # a string never writes \x00 bare: pypdf escapes it


class NotCopyable(Exception):
    """A PDF this module does not take (pages rotated or linked, a page tree reached
    from a page): the binding adds its pages with pypdf instead."""


class _Slot(PdfObject):
    """A reference to the object at `index` of the form, written as a slot."""

    def __init__(self, index: int) -> None:
        self.index = index

    def write_to_stream(self, stream: Any, encryption_key: Any = None) -> None:
        stream.write(b"\x00%d\x00" % self.index)


class FormObjects:
    """The objects that a PDF's pages reach, in the order they are written: the pages
    first, then breadth first. Made once per form's bytes; `place` puts them in a
    writer."""

    def __init__(self, reader: PdfReader) -> None:
        self.reader = reader
        self.sources: list[PdfObject] = []
        self._index: dict[tuple[int, int], int] = {}
        self._queue: deque[IndirectObject] = deque()
        pages = list(reader.pages)
        self.page_count = len(pages)
        for page in pages:
            if page.get("/Rotate", 0) or "/Annots" in page or page.indirect_reference is None:
                raise NotCopyable("rotated or linked pages")
            self._number(page.indirect_reference)
        self._walk()
        self.live = self._live_objects()
        self._heads: list[bytes | None] = [None if i in self.live else self._head(source)
                                           for i, source in enumerate(self.sources)]
        self._written: tuple[int, list[PdfObject | None]] | None = None

    def _number(self, reference: IndirectObject) -> _Slot:
        key = (reference.idnum, reference.generation)
        if key not in self._index:
            self._index[key] = len(self.sources)
            self.sources.append(cast(PdfObject, None))
            self._queue.append(reference)
        return _Slot(self._index[key])

    def _walk(self) -> None:
        while self._queue:
            reference = self._queue.popleft()
            index = self._index[(reference.idnum, reference.generation)]
            source = cast(PdfObject, reference.get_object())
            if isinstance(source, DictionaryObject) and \
                    source.get("/Type") in ("/Pages", "/Catalog"):
                raise NotCopyable("a page tree reached from a page")
            self.sources[index] = source
            _visit(source, self._number, top=index < self.page_count)

    def _live_objects(self) -> frozenset[int]:
        """The pages, and the resources they hold by reference with the XObjects in
        them (what the stamps change); objects that are neither dictionaries nor arrays
        (a number, a name), copied as they are."""
        live = set(range(self.page_count)) | {
            index for index, source in enumerate(self.sources)
            if not isinstance(source, (DictionaryObject, ArrayObject))}
        for page in self.sources[:self.page_count]:
            resources = _reference(page, "/Resources")
            if resources is not None:
                live.add(self._index[(resources.idnum, resources.generation)])
                xobjects = _reference(resources.get_object(), "/XObject")
                if xobjects is not None:
                    live.add(self._index[(xobjects.idnum, xobjects.generation)])
        return frozenset(live)

    def _head(self, source: PdfObject) -> bytes:
        buffer = io.BytesIO()
        if isinstance(source, StreamObject):
            head = DictionaryObject({NameObject(k): renumbered(v, self._slot_of)
                                     for k, v in source.items() if k != "/Length"})
            head[NameObject("/Length")] = NumberObject(len(source._data))
            head.write_to_stream(buffer)
        else:
            renumbered(source, self._slot_of).write_to_stream(buffer)
        return buffer.getvalue()

    def _slot_of(self, reference: IndirectObject) -> PdfObject:
        return _Slot(self._index[(reference.idnum, reference.generation)])

    def place(self, writer: PdfWriter) -> list[PageObject]:
        """Append the form's objects to `writer` and its pages to the writer's page
        tree; the pages, as the writer now holds them."""
        base = len(writer._objects) + 1

        def reference(ref: IndirectObject) -> PdfObject:
            return IndirectObject(base + self._index[(ref.idnum, ref.generation)], 0, writer)

        written = self._written_at(base)
        pages = []
        for index, source in enumerate(self.sources):
            if index >= self.page_count:
                writer._objects.append(renumbered(source, reference) if index in self.live
                                       else written[index])
                continue
            page = PageObject(writer)  # its /Parent: the writer's page tree (_append_page)
            page.update(cast(DictionaryObject, renumbered(DictionaryObject(
                {k: v for k, v in cast(DictionaryObject, source).items() if k != "/Parent"}),
                reference)))
            writer._objects.append(page)
            page.indirect_reference = IndirectObject(base + index, 0, writer)
            pages.append(page)
        for page in pages:
            _append_page(writer, page)
        writer.pdf_header = max(writer.pdf_header, self.reader.pdf_header)
        return pages

    def _written_at(self, base: int) -> list[PdfObject | None]:
        """The written objects for a placement at `base`, kept for the next binding
        that places the form at the same number."""
        if self._written is not None and self._written[0] == base:
            return self._written[1]
        written: list[PdfObject | None] = []
        for source, head in zip(self.sources, self._heads, strict=True):
            if head is None:
                written.append(None)
                continue
            data = SLOT.sub(lambda m: b"%d 0 R" % (base + int(m[1])), head)
            written.append(_written(source, data))
        self._written = (base, written)
        return written


def _reference(holder: Any, key: str) -> IndirectObject | None:
    """The reference `holder[key]`, if it is a dictionary holding one there."""
    value = holder.raw_get(key) if isinstance(holder, DictionaryObject) and key in holder \
        else None
    return value if isinstance(value, IndirectObject) else None


def _visit(value: PdfObject, number: Any, top: bool = False) -> None:
    """Number every reference in `value` (a page's /Parent excepted)."""
    if isinstance(value, IndirectObject):
        number(value)
    elif isinstance(value, DictionaryObject):
        for key, item in value.items():
            if not (top and key == "/Parent") and not (
                    key == "/Length" and isinstance(value, StreamObject)):
                _visit(item, number)
    elif isinstance(value, ArrayObject):
        for item in value:
            _visit(item, number)


class _WrittenDictionary(DictionaryObject):
    hoso_bytes = b""

    def write_to_stream(self, stream: Any, encryption_key: Any = None) -> None:
        stream.write(self.hoso_bytes)


class _WrittenArray(ArrayObject):
    hoso_bytes = b""

    def write_to_stream(self, stream: Any, encryption_key: Any = None) -> None:
        stream.write(self.hoso_bytes)


class _WrittenEncoded(EncodedStreamObject):
    hoso_bytes = b""

    def write_to_stream(self, stream: Any, encryption_key: Any = None) -> None:
        _write_stream(stream, self.hoso_bytes, self._data)


class _WrittenDecoded(DecodedStreamObject):
    hoso_bytes = b""

    def write_to_stream(self, stream: Any, encryption_key: Any = None) -> None:
        _write_stream(stream, self.hoso_bytes, self._data)


def _write_stream(stream: Any, head: bytes, data: bytes) -> None:
    stream.write(head)
    stream.write(b"\nstream\n")
    stream.write(data)
    stream.write(b"\nendstream")


def _written(source: PdfObject, data: bytes) -> PdfObject:
    """The object as the form has it (its values and references are the form's own)
    that writes `data`."""
    written: Any
    if isinstance(source, StreamObject):
        written = _WrittenEncoded() if isinstance(source, EncodedStreamObject) \
            else _WrittenDecoded()
        written._data = source._data
        written.update(source)
    elif isinstance(source, DictionaryObject):
        written = _WrittenDictionary(source)
    elif isinstance(source, ArrayObject):
        written = _WrittenArray(source)
    else:
        raise AssertionError("copied as it is")  # FormObjects._live_objects
    written.hoso_bytes = data
    return cast(PdfObject, written)


def _append_page(writer: PdfWriter, page: PageObject) -> None:
    """As `PdfWriter.add_page` appends a page it has cloned."""
    tree = cast(DictionaryObject, writer._pages.get_object())
    page[NameObject("/Parent")] = writer._pages
    cast(ArrayObject, tree["/Kids"]).append(page.indirect_reference)
    tree[NameObject("/Count")] = NumberObject(cast(int, tree["/Count"]) + 1)
    assert writer.flattened_pages is not None
    writer.flattened_pages.append(page)
