"""Turn a bound dossier into a signed one (PAdES, pyHanko), and a received PDF into what
its signatures prove.

Without a signature, `hoso check` can only show that a dossier is self-consistent: its
manifest agrees with its pages. Anyone can rebuild a matching manifest after changing a
page. A signature made with the unit's certificate is what shows who issued the file and
that not a byte changed since: the signature must be intact and cover the whole file.
Whether the certificate itself is to be trusted depends on the trust roots the receiving
office gives (`--tin-cay`); without them the signer is named but not vouched for.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import HosoError, UsageError

FIELD = "ChuKyDonVi"
MAX_SIGNATURES = 20


@dataclass(frozen=True)
class SignatureInfo:
    signer: str
    intact: bool  # the signed bytes are unchanged and the cryptography holds
    whole_file: bool  # nothing was added after signing
    trusted: bool  # the certificate chains to a trust root the receiver gave

    @property
    def authentic(self) -> bool:
        return self.intact and self.whole_file

    def line(self) -> str:
        if not self.intact:
            return (f"chữ ký số của «{self.signer}» KHÔNG CÒN HỢP LỆ: nội dung đã bị sửa sau "
                    "khi ký")
        if not self.whole_file:
            return (f"chữ ký số của «{self.signer}» hợp lệ nhưng tệp đã bị thêm hoặc sửa sau "
                    "khi ký (phần sau chữ ký không được bảo đảm)")
        trust = ("chứng thư được tin cậy" if self.trusted else
                 "chưa xác minh chứng thư (không có chứng thư gốc tin cậy, xem --tin-cay)")
        return f"chữ ký số của «{self.signer}» hợp lệ, phủ toàn bộ tệp; {trust}"


class SigningError(HosoError):
    exit_code = 2


def sign_pdf(pdf: bytes, p12: Path, password: bytes | None, reason: str) -> bytes:
    """The dossier with a PAdES signature of the holder of `p12` over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    if not p12.is_file():
        raise UsageError(f"{p12}: không có tệp chứng thư số này")
    _quiet()
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=password)
    if signer is None:
        raise SigningError(f"{p12}: không mở được chứng thư số (sai mật khẩu hoặc tệp không "
                           "phải PKCS#12); đặt mật khẩu trong biến môi trường HOSO_MAT_KHAU")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = io.BytesIO()
    meta = signers.PdfSignatureMetadata(field_name=FIELD, reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    signers.sign_pdf(writer, meta, signer=signer, output=out)
    return out.getvalue()


def signatures(data: bytes, trust_roots: tuple[bytes, ...] = ()) -> list[SignatureInfo]:
    """What each signature of a received PDF proves (none: the file is unsigned)."""
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    _quiet()
    roots = [cert for root in trust_roots for cert in load_certs_from_pemder_data(root)]
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    found = []
    for embedded in list(reader.embedded_signatures)[:MAX_SIGNATURES]:
        signer = _signer_name(embedded)
        try:
            status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots))
        except (SignatureValidationError, ValueError, KeyError):
            found.append(SignatureInfo(signer, False, False, False))
            continue
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        found.append(SignatureInfo(signer, bool(status.intact and status.valid), whole,
                                   bool(status.trusted)))
    return found


def _signer_name(embedded: object) -> str:
    try:
        cert = embedded.signer_cert  # type: ignore[attr-defined]
        return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)
    except Exception:  # a malformed signature still gets a line, not a crash
        return "(không rõ người ký)"


def _quiet() -> None:
    """pyHanko logs every failed path search with a traceback; the report says it once."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
