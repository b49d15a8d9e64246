"""Turn a loaded unit into the printed fields of `don-vi.yaml` that still hold a template's
placeholder ("…" as `hoso init` and the web write them), so that no dossier printing
"ĐẢNG BỘ …" or "…, ngày …" is called complete."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.model import Unit

# "…" and "..." are the placeholders of templates/init/don-vi.yaml; "<…>" is how guides
# write "put yours here". A real name, place or number has none of them.
PLACEHOLDER = re.compile(r"…|\.\.\.|<[^<>]*>")


@dataclass(frozen=True)
class Unfilled:
    """A printed field, by its key in don-vi.yaml, whose value is still a placeholder."""

    key: str  # cap_tren, noi_nhan[2], nguoi_ky.ho_ten, van_ban.to-trinh-xep-loai.so …
    value: str

    def line(self) -> str:
        return (f"[CHƯA ĐIỀN] don-vi.yaml, khóa {self.key}: «{self.value}» còn chỗ trống của "
                "mẫu; ghi nội dung thật rồi dựng lại")


def unfilled_fields(unit: Unit) -> tuple[Unfilled, ...]:
    """Every printed field of the unit that holds a placeholder, in don-vi.yaml's order."""
    return tuple(Unfilled(key, value) for key, value in _printed(unit)
                 if PLACEHOLDER.search(value))


def _printed(unit: Unit) -> Iterator[tuple[str, str]]:
    yield "ten", unit.name
    yield "cap_tren", unit.parent
    yield "co_quan_cap_tren", unit.parent_body
    yield "dia_danh", unit.place
    for key, document in unit.documents:
        yield f"van_ban.{key}.so", document.number
    for index, recipient in enumerate(unit.recipients, start=1):
        yield f"noi_nhan[{index}]", recipient
    signer = unit.signatory
    yield "nguoi_ky.quyen_han", signer.authority
    yield "nguoi_ky.chuc_vu", signer.title
    yield "nguoi_ky.ho_ten", signer.name
    for key, value in unit.meeting:
        yield f"hoi_nghi.{key}", value
    for item, reason in unit.absent_items:
        yield f"khong_ap_dung.{item}", reason
