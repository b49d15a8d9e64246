"""Write a đảng bộ cơ sở of any size, for the benchmarks (not committed).

    python tools/make_large_unit.py 3000 /tmp/dang-bo-3000 [CHI_BO_SIZE]

Chi bộ of 16 members each, or CHI_BO_SIZE (the last one smaller); in each, the chi ủy is
its first three members and one in sixteen is rated HTXSNV (inside the 20 % cap); the
đảng ủy is seven members from the first chi bộ; ballots are unanimous with everyone
present. The papers (dinh-kem/) are the đảng bộ sample's, its two leaders renamed to this
unit's: like the sample, the unit lacks item (8) and one asset declaration, so it builds
with exit 1. Deterministic: a fixed seed.
"""

from __future__ import annotations

import random
import shutil
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_fixtures import (
    DANG_BO_YAML,
    HEADERS_MEMBERS,
    HEADERS_VOTES,
    RESIDENCES,
    Names,
    adult_admission,
    member_row,
    write_csv,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "dang-bo-co-so"
CELL_SIZE = 16
LEVELS = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
BASE_ROLES = ("Bí thư", "Phó Bí thư", "Ủy viên", "Ủy viên", "Ủy viên", "Ủy viên", "Ủy viên")
POSTS = ("Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên chính", "Chuyên viên",
         "Kỹ thuật viên", "Nhân viên")


def unanimous(level: str, voters: int) -> list[object]:
    return [voters if lv == level else 0 for lv in LEVELS] + [voters, voters, ""]


def make(members: int, folder: Path, cell_size: int = CELL_SIZE) -> None:
    rng = random.Random(members)
    names = Names(rng)
    folder.mkdir(parents=True)
    cells = [(f"C{k + 1:03d}", f"Chi bộ Phòng số {k + 1}",
              min(cell_size, members - k * cell_size))
             for k in range((members + cell_size - 1) // cell_size)]
    write_csv(folder / "to-chuc-truc-thuoc.csv",
              ["Mã", "Tên", "Loại", "Ngày thành lập", "Có chi ủy"],
              [[code, name, "chi bộ trực thuộc", "", "có" if size >= 9 else "không"]
               for code, name, size in cells])
    rows, ballots, committee, base = [], [], [], []
    number = 0
    for cell, _name, size in cells:
        for i in range(size):
            number += 1
            code, name = f"DV{number:04d}", names.next()
            level = "HTXSNV" if i % 16 == 5 else "HTTNV"
            base_role = BASE_ROLES[number - 1] if number <= len(BASE_ROLES) else ""
            cell_role = ("Bí thư", "Phó Bí thư", "Ủy viên")[i] if i < 3 and size >= 9 else ""
            born = date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
            rows.append(member_row(code, name, born, cell, rng.choice(POSTS), base_role,
                                   cell_role, True, adult_admission(rng, born), level,
                                   residence=rng.choice(RESIDENCES) + ", thành phố Huế",
                                   self_rating=level))
            ballots.append([code, name, *unanimous(level, size)])
            if cell_role:
                committee.append([code, name, cell, *unanimous("HTTNV", 3)])
            if base_role:
                base.append((code, name, base_role))
    for code, name, _role in base:
        committee.append([code, name, "cơ sở", *unanimous("HTTNV", len(base))])
    write_csv(folder / "dang-vien.csv", HEADERS_MEMBERS, rows)
    write_csv(folder / "phieu-dang-vien.csv", ["Mã", "Họ và tên", *HEADERS_VOTES], ballots)
    write_csv(folder / "phieu-cap-uy-vien.csv", ["Mã", "Họ và tên", "Nơi bỏ phiếu",
                                                 *HEADERS_VOTES], committee)
    voters = len(base)
    collective = [["cơ sở", "tổ chức", *unanimous("HTTNV", voters)],
                  ["cơ sở", "cấp ủy", *unanimous("HTTNV", voters)]]
    for cell, _name, size in cells:
        collective.append([cell, "tổ chức", *unanimous("HTTNV", voters)])
        if size >= 9:
            collective.append([cell, "cấp ủy", *unanimous("HTTNV", voters)])
    write_csv(folder / "phieu-tap-the.csv", ["Tổ chức", "Đối tượng", *HEADERS_VOTES],
              collective)
    leaders = [base[0][0], base[1][0]]
    (folder / "don-vi.yaml").write_text(
        DANG_BO_YAML.replace("ten: Đảng bộ Bệnh viện Đa khoa tỉnh",
                             f"ten: Đảng bộ Sở Tổng hợp ({members} đảng viên)")
        .replace("ho_so_ca_nhan: []", f"ho_so_ca_nhan: [{leaders[0]}, {leaders[1]}]"),
        encoding="utf-8")
    shutil.copytree(SAMPLE / "dinh-kem", folder / "dinh-kem")
    for old, new in zip(("DV049", "DV001"), leaders, strict=True):  # the sample's leaders
        (folder / "dinh-kem" / old).rename(folder / "dinh-kem" / f"{new}.tmp")
    for new in leaders:
        (folder / "dinh-kem" / f"{new}.tmp").rename(folder / "dinh-kem" / new)


if __name__ == "__main__":
    sizes = [sys.argv[1], *sys.argv[3:]]
    if len(sys.argv) not in (3, 4) or not all(size.isdigit() and int(size) >= 16
                                                 for size in sizes):
        sys.exit("usage: python tools/make_large_unit.py MEMBERS(>=16) NEW_FOLDER "
                 "[CHI_BO_SIZE(>=16)]")
    make(int(sys.argv[1]), Path(sys.argv[2]), *(int(size) for size in sys.argv[3:]))
