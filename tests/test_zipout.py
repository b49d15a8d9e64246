"""Word and Excel files are written by pipeline/zipout.py: the same bytes as zipfile's
deterministic rewrite, each part compressed once, a part seen before taken from a memo."""

from __future__ import annotations

import io
import zipfile
import zlib

from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import zipout
from pipeline.render import Renderer
from pipeline.zipout import FIXED_TIME, CompressedMemo, normalize_zip, word_file_bytes, zip_bytes


def zipfile_rewrite(members: dict[str, bytes]) -> bytes:
    """What the build wrote before zipout: zipfile, fixed times, content types first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(members, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, members[name])
    return out.getvalue()


names = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x1EF9,
                              exclude_characters="/\\"), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(names, st.binary(max_size=3000), min_size=1, max_size=6))
def test_the_same_bytes_as_zipfile(members: dict[str, bytes]) -> None:
    made = zip_bytes(members.items())
    assert made == zipfile_rewrite(members)
    with zipfile.ZipFile(io.BytesIO(made)) as archive:
        assert archive.testzip() is None
        assert {n: archive.read(n) for n in archive.namelist()} == members


def test_content_types_first_then_by_name() -> None:
    made = zip_bytes([("word/document.xml", b"<d/>"), ("[Content_Types].xml", b"<t/>"),
                      ("_rels/.rels", b"<r/>")])
    assert zipfile.ZipFile(io.BytesIO(made)).namelist() == [
        "[Content_Types].xml", "_rels/.rels", "word/document.xml"]
    assert normalize_zip(made) == made


def test_a_word_file_as_python_docx_saves_it_then_rewritten() -> None:
    renderer = Renderer()
    document = Document(io.BytesIO(renderer.docx_template("ban-kiem-diem-ca-nhan")))
    document.add_paragraph("Nguyễn Văn Ánh – Bí thư chi bộ")
    saved = io.BytesIO()
    document.save(saved)
    with zipfile.ZipFile(saved) as archive:
        expected = zipfile_rewrite({n: archive.read(n) for n in archive.namelist()})
    assert word_file_bytes(document) == expected
    assert "Nguyễn Văn Ánh" in "\n".join(
        p.text for p in Document(io.BytesIO(expected)).paragraphs)


def test_a_member_seen_before_is_not_compressed_again(monkeypatch) -> None:
    memo = CompressedMemo(limit=10_000)
    monkeypatch.setattr(zipout, "MEMO", memo)
    styles = b"<w:styles>" + b"<w:style/>" * 300 + b"</w:styles>"
    zip_bytes([("word/styles.xml", styles), ("word/document.xml", b"<a/>")])
    compressed = memo.entries[styles]
    assert compressed[0] == zlib.crc32(styles)
    assert zlib.decompress(compressed[1], -15) == styles
    zip_bytes([("word/styles.xml", styles), ("word/document.xml", b"<b/>")])
    assert memo.entries[styles] is compressed  # the same object: taken, not made
    assert set(memo.entries) == {styles, b"<a/>", b"<b/>"}


def test_the_memo_keeps_the_recently_used_within_its_limit() -> None:
    memo = CompressedMemo(limit=5_000)
    kept = b"k" * 1000
    memo.deflate(kept)
    for n in range(20):
        memo.deflate(bytes([n]) * 1000)
        memo.deflate(kept)  # used again each time: never the oldest
    assert kept in memo.entries
    assert memo.size <= 5_000
    assert memo.size == sum(len(k) + len(v[1]) for k, v in memo.entries.items())
    assert bytes([0]) * 1000 not in memo.entries
