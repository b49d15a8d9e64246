"""Turn a run of PDF pages into a sha256 digest of what they show.

The digest covers each page's content stream (decoded) and its resources, resolved
recursively and serialised canonically (sorted keys, streams by the digest of their
decoded data), plus its boxes and rotation. It ignores object numbers and compression,
so `build` (on the file it wrote) and `check` (on the file it received) compute the same
value, and any torn-out, reordered, blanked or replaced page changes it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from typing import Any

from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

_SKIPPED_STREAM_KEYS = {"/Length", "/Filter", "/DecodeParms"}
_PAGE_KEYS = ("/MediaBox", "/CropBox", "/Rotate")


def pages_digest(pages: Iterable[PageObject]) -> str:
    digest = hashlib.sha256()
    cache: dict[tuple[int, int, int], bytes] = {}
    for page in pages:
        digest.update(b"page\n")
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        digest.update(hashlib.sha256(data).digest())
        for key in _PAGE_KEYS:
            digest.update(_canonical(page.get(key), cache, set()))
        digest.update(_canonical(page.get("/Resources"), cache, set()))
    return digest.hexdigest()


def _canonical(value: Any, cache: dict[tuple[int, int, int], bytes],
               active: set[tuple[int, int, int]]) -> bytes:
    if isinstance(value, IndirectObject):
        # By file too: a binding's pages reach the forms' own objects (pdfcopy.py).
        key = (id(value.pdf), value.idnum, value.generation)
        if key in cache:
            return cache[key]
        if key in active:  # a cycle (e.g. /Parent): mark it, do not follow it
            return b"<cycle>"
        active.add(key)
        result = _canonical(value.get_object(), cache, active)
        active.discard(key)
        cache[key] = result
        return result
    if isinstance(value, StreamObject):
        head = {k: v for k, v in value.items() if k not in _SKIPPED_STREAM_KEYS}
        body = hashlib.sha256(value.get_data()).hexdigest().encode()
        return b"stream(" + _canonical(DictionaryObject(head), cache, active) + body + b")"
    if isinstance(value, DictionaryObject):
        parts = [NameObject(k).encode() + b"=" + _canonical(value[k], cache, active)
                 for k in sorted(value.keys()) if k != "/Parent"]
        return b"{" + b",".join(parts) + b"}"
    if isinstance(value, ArrayObject):
        return b"[" + b",".join(_canonical(v, cache, active) for v in value) + b"]"
    if value is None:
        return b"null"
    return repr(value).encode("utf-8", "replace")


def write_identified(writer: PdfWriter, seed: bytes) -> bytes:
    """The writer's PDF, its /ID a digest of `seed` (pypdf's is random): the same input
    gives the same bytes."""
    identifier = ByteStringObject(hashlib.sha256(seed).digest()[:16])
    writer._ID = ArrayObject([identifier, identifier])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
