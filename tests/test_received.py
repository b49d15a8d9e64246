"""Received PDFs are hostile: limits in a child process, data never used as a path or a
name to load, unsigned means unverified, a signature altered after signing is caught."""

from __future__ import annotations

import datetime
import io
import json
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from pipeline.check import check_path, check_pdf
from pipeline.cli import main
from pipeline.dossier import BuildResult, SignWith, build
from pipeline.errors import UnreadableDossierError
from pipeline.guard import run_guarded
from pipeline.pdfdigest import pages_digest
from pipeline.preview import preview
from tests.conftest import QD366


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def rewrite(source: Path, target: Path, change) -> None:  # type: ignore[no-untyped-def]
    writer = PdfWriter(clone_from=PdfReader(source))
    change(writer)
    with target.open("wb") as handle:
        writer.write(handle)


# --- a throwaway certificate authority, made here ---------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("pki")
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def usage(ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=True, content_commitment=not ca,
                             key_encipherment=False, data_encipherment=False,
                             key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                             encipher_only=False, decipher_only=False)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (x509.CertificateBuilder().subject_name(name("Ban Cơ yếu Thử")).issuer_name(
        name("Ban Cơ yếu Thử")).public_key(ca_key.public_key()).serial_number(1)
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(True), critical=True).sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(name("Chi bộ Trung tâm CNTT"))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(2)
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
            .add_extension(usage(False), critical=True).sign(ca_key, hashes.SHA256()))
    p12 = folder / "don-vi.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"don-vi", key, cert, [ca], serialization.BestAvailableEncryption(b"mat-khau")))
    root = folder / "goc.pem"
    root.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return p12, root


@pytest.fixture(scope="module")
def signed(pki: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(QD366, tmp_path_factory.mktemp("signed") / "out",
                 sign=SignWith(pki[0], b"mat-khau"))


def test_signed_dossier_names_its_signer(signed: BuildResult, pki: tuple[Path, Path]) -> None:
    pdf = signed.out / "ho-so.pdf"
    report = check_path(pdf, require_signature=True)
    assert report.complete and report.authentic
    assert [s.signer for s in report.signatures] == ["Chi bộ Trung tâm CNTT"]
    assert not report.signatures[0].trusted
    trusted = check_path(pdf, trust_roots=(pki[1].read_bytes(),))
    assert trusted.signatures[0].trusted
    code, output = run("check", str(pdf), "--tin-cay", str(pki[1]), "--bat-buoc-ky")
    assert code == 0 and "CÓ CHỮ KÝ SỐ HỢP LỆ (Chi bộ Trung tâm CNTT)" in output
    assert "chứng thư được tin cậy" in output


def test_wrong_password_is_a_clear_error(pki: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(QD366), "-o", str(tmp_path / "o"),
                                       "--ky", str(pki[0])], env={"HOSO_MAT_KHAU": "sai"})
    assert result.exit_code == 2 and "mật khẩu" in result.output
    assert not (tmp_path / "o").exists()


def test_altered_after_signing_is_caught(signed: BuildResult, tmp_path: Path) -> None:
    data = bytearray((signed.out / "ho-so.pdf").read_bytes())
    # Change one byte of page content inside the signed range (a stream of the first page).
    at = data.index(b"stream", 2000) + 40
    data[at] = data[at] ^ 0x01
    altered = tmp_path / "sua.pdf"
    altered.write_bytes(bytes(data))
    code, output = run("check", str(altered))
    assert code == 1 and "KHÔNG CÒN HỢP LỆ" in output


def test_pages_added_after_signing_are_caught(signed: BuildResult, tmp_path: Path) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    original = (signed.out / "ho-so.pdf").read_bytes()
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    writer.root["/Lang"] = generic.TextStringObject("vi")  # any change after signing
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    altered = tmp_path / "them.pdf"
    altered.write_bytes(out.getvalue())
    report = check_path(altered)
    assert not report.complete and not report.authentic
    assert "sau khi ký" in " ".join(report.signature_problems)


def test_forged_unsigned_dossier_is_only_self_consistent(built_qd366: BuildResult,
                                                         tmp_path: Path) -> None:
    """A forger replaces a page and recomputes the manifest's digests: every digest
    matches, so the report may only say self-consistent, never authentic."""
    source = built_qd366.out / "ho-so.pdf"
    manifest = json.loads((built_qd366.out / "ho-so.json").read_text(encoding="utf-8"))
    decision = next(i for i in manifest["items"] if i["item"] == "9")
    forged = tmp_path / "gia.pdf"

    def replace_page(writer: PdfWriter) -> None:
        page = writer.pages[decision["first_page"]]  # the list of members: one page on
        old = page.raw_get("/Contents")  # a reference, or an array of them
        cover = writer._add_object(_stream(b"q 1 1 1 rg 40 60 760 420 re f Q"))  # white out
        page[NameObject("/Contents")] = ArrayObject(
            [*(old if isinstance(old, ArrayObject) else [old]), cover])
        del writer._root_object["/Names"]  # the old manifest goes; a forged one comes

    rewrite(source, forged, replace_page)
    reader = PdfReader(forged)
    for item in manifest["items"]:
        if item.get("first_page"):
            item["sha256"] = pages_digest(reader.pages[item["first_page"] - 1:
                                                       item["last_page"]])
    writer = PdfWriter(clone_from=reader)
    writer.add_attachment("ho-so.json", json.dumps(manifest).encode("utf-8"))
    with forged.open("wb") as handle:
        writer.write(handle)
    report = check_path(forged)
    assert report.complete and not report.authentic  # consistent, as a forgery can be
    code, output = run("check", str(forged))
    assert code == 0 and "CHƯA XÁC THỰC" in output and "không chứng minh được" in output
    assert json.loads(run("check", str(forged), "--format", "json")[1])["authentic"] is False
    code, output = run("check", str(forged), "--bat-buoc-ky")
    assert code == 1 and "phải được ký số" in output


def _stream(data: bytes) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


# --- crafted PDFs ---------------------------------------------------------------------------


def test_a_manifest_naming_a_path_is_never_loaded(built_qd366: BuildResult,
                                                  tmp_path: Path) -> None:
    rogue = tmp_path / "rogue.yaml"
    rogue.write_text("id: rogue\n", encoding="utf-8")
    manifest = json.loads((built_qd366.out / "ho-so.json").read_text(encoding="utf-8"))
    manifest["profile"] = str(rogue)
    crafted = tmp_path / "duong-dan.pdf"

    def swap_manifest(writer: PdfWriter) -> None:
        del writer._root_object["/Names"]
        writer.add_attachment("ho-so.json", json.dumps(manifest).encode("utf-8"))

    rewrite(built_qd366.out / "ho-so.pdf", crafted, swap_manifest)
    report = check_path(crafted)
    assert not report.complete
    assert any(f"«{rogue}» trong bảng kê không có trong hoso" in p for p in report.problems)


def _bomb_pdf(path: Path, unpacked_mb: int) -> None:
    """A one-page PDF whose content stream inflates to `unpacked_mb` MB of zeros."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(unpacked_mb)) + packer.flush()
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream._data = packed
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as handle:
        writer.write(handle)


def test_a_decompression_bomb_stays_within_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bom.pdf"
    _bomb_pdf(bomb, 400)
    with pytest.raises(UnreadableDossierError, match=r"bộ nhớ|dừng giữa chừng"):
        run_guarded(check_pdf, bomb, name=bomb.name, memory=256 * 2**20)


def test_the_memory_limit_counts_from_what_the_parent_has_mapped() -> None:
    """A parent with much address space mapped (the web app's threads each leave a
    64 MiB malloc arena) still gives the child its `memory` to parse with."""
    import mmap

    reserved = mmap.mmap(-1, 1536 * 2**20)  # mapped, never touched: address space only
    try:
        made = run_guarded(lambda size: len(bytearray(size)), 64 * 2**20, name="lon.pdf",
                           memory=256 * 2**20)
    finally:
        reserved.close()
    assert made == 64 * 2**20


def test_check_refuses_a_slow_file_in_time(tmp_path: Path) -> None:
    import time

    def slow(_: Path) -> None:
        time.sleep(30)

    started = time.monotonic()
    with pytest.raises(UnreadableDossierError, match="đọc quá 1 giây"):
        run_guarded(slow, tmp_path, name="cham.pdf", timeout=1)
    assert time.monotonic() - started < 5


def _single_page(path: Path, size: float, labels: object | None = None) -> None:
    writer = PdfWriter()
    writer.add_blank_page(size, size)
    if labels is not None:
        writer._root_object[NameObject("/PageLabels")] = labels
    with path.open("wb") as handle:
        writer.write(handle)


def test_preview_of_an_oversized_page_is_bounded(tmp_path: Path) -> None:
    huge = tmp_path / "to.pdf"
    _single_page(huge, 14400)  # a 5 m square page: a 600-megapixel picture at 60 dpi
    result = preview(huge, tmp_path / "xem")
    assert result.pages == 1
    from PIL import Image

    with Image.open(tmp_path / "xem" / "trang-001.png") as image:
        assert image.width * image.height <= 4_000_000


@pytest.mark.parametrize("labels", [
    DictionaryObject({NameObject("/Nums"): ArrayObject([TextStringObject("x"),
                                                        NumberObject(5)])}),
    DictionaryObject({NameObject("/Nums"): ArrayObject([
        NumberObject(0), DictionaryObject({NameObject("/S"): NameObject("/Z"),
                                           NameObject("/St"): NumberObject(-7)})])}),
    NumberObject(3),
])
def test_bogus_page_labels_are_data_not_a_crash(tmp_path: Path, labels: object) -> None:
    odd = tmp_path / "nhan.pdf"
    _single_page(odd, 595, labels)
    code, output = run("preview", str(odd), "-o", str(tmp_path / "xem"))
    assert code in (0, 2) and "Traceback" not in output and "Lỗi trong hoso" not in output
    code, output = run("check", str(odd))
    assert code in (1, 2) and "Traceback" not in output and "Lỗi trong hoso" not in output


@pytest.mark.parametrize("content", [
    b"not a pdf at all", b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog" * 3,
    b"%PDF-1.4\n%%EOF", b"",
])
def test_broken_files_are_one_line(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(content)
    for command in ("check", "preview"):
        code, output = run(command, str(broken))
        assert code == 2, output
        assert output.startswith("Lỗi: ") and len(output.strip().splitlines()) == 1


# --- attachments: active content and links ---------------------------------------------------


def _active_pdf(path: Path) -> None:
    """A scan-like PDF carrying every kind of active content a forger might try."""
    from pypdf.generic import FloatObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    js = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                           NameObject("/JS"): TextStringObject("app.alert('x')")})
    launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                               NameObject("/F"): TextStringObject("cmd.exe")})
    rect = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100), FloatObject(100)])
    link = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                             NameObject("/Subtype"): NameObject("/Link"),
                             NameObject("/Rect"): rect, NameObject("/A"): launch})
    attached = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                 NameObject("/Subtype"): NameObject("/FileAttachment"),
                                 NameObject("/Rect"): rect})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link),
                                               writer._add_object(attached)])
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js})
    writer._root_object[NameObject("/OpenAction")] = js
    writer.add_attachment("virus.exe", b"MZ...")
    with path.open("wb") as handle:
        writer.write(handle)


def test_active_content_never_travels(unit_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(QD366)
    target = folder / "dinh-kem" / "02-bao-cao-tong-ket.pdf"
    _active_pdf(target)
    result = build(folder, tmp_path / "out")
    data = (result.out / "ho-so.pdf").read_bytes()
    for marker in (b"/JavaScript", b"/Launch", b"/FileAttachment", b"/OpenAction",
                   b"virus.exe", b"cmd.exe", b"/AA"):
        assert marker not in data, marker
    assert list(PdfReader(result.out / "ho-so.pdf").attachments) == ["ho-so.json"]
    report = (result.out / "bao-cao.txt").read_text(encoding="utf-8")
    line = next(x for x in report.splitlines() if "02-bao-cao-tong-ket.pdf" in x)
    for what in ("JavaScript", "Launch", "tệp nhúng", "tự chạy"):
        assert what in line, line


@pytest.mark.parametrize("where", ["dinh-kem/02-bao-cao.pdf", "dang-vien.csv",
                                   "kiem-diem/DV02.md", "dinh-kem/DV01"])
def test_links_out_of_the_unit_folder_are_refused(unit_copy, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  where: str) -> None:
    folder = unit_copy(QD366)
    secret = tmp_path / "bi-mat.txt"
    secret.write_text("Mã,Họ và tên\nMẬT KHẨU CỦA MÁY CHẠY CI\n", encoding="utf-8")
    link = folder / where
    if link.is_dir():
        import shutil

        shutil.rmtree(link)
        link.symlink_to(tmp_path, target_is_directory=True)
    else:
        link.unlink(missing_ok=True)
        link.symlink_to(secret)
    code, output = run("build", str(folder), "-o", str(tmp_path / "out"))
    assert code == 2 and "symlink" in output and where in output
    assert "MẬT KHẨU" not in output and not (tmp_path / "out").exists()


def test_system_files_in_dinh_kem_are_ignored(unit_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(QD366)
    for name in ("Thumbs.db", "desktop.ini", ".DS_Store", "~$bao-cao.docx"):
        (folder / "dinh-kem" / name).write_bytes(b"\0junk")
    (folder / "dinh-kem" / "DV01" / "Thumbs.db").write_bytes(b"\0junk")
    code, output = run("build", str(folder), "-o", str(tmp_path / "out"))
    assert code == 0, output
