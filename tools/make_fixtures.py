"""Write the two bundled sample units in fixtures/ (run once; the output is committed).

Deterministic: a fixed random seed, fixed dates. The attachments are generated to look
like scanned papers (grey paper, slight skew, JPEG noise), one with a rotated page.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "fonts" / "LiberationSerif-Regular.ttf"
FONT_BOLD = ROOT / "fonts" / "LiberationSerif-Bold.ttf"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Tôn Nữ", "Lương"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công", "Xuân", "Ngọc", "Anh"]
MIDDLE_F = ["Thị", "Thị Thu", "Ngọc", "Thị Thanh", "Thị Mỹ", "Kim", "Thị Hồng", "Phương"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam",
           "Phong", "Phúc", "Quang", "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Lộc",
           "Đạt", "Định", "Tài", "Toàn", "Vũ", "Huy", "Kiên", "Thịnh"]
GIVEN_F = ["Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc",
           "Phương", "Thảo", "Trang", "Vân", "Yến", "Thủy", "Nhung", "Oanh", "Diệp", "Uyên"]
LEVELS = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
HEADERS_MEMBERS = ["Mã", "Họ và tên", "Ngày sinh", "Chi bộ", "Chức vụ", "Cấp ủy",
                   "Cấp ủy chi bộ", "Loại đảng viên", "Ngày vào Đảng", "Tình trạng sinh hoạt",
                   "Xếp loại CCVC", "Số tháng nghỉ ốm", "Kỷ luật trong năm",
                   "Tự phát hiện, khắc phục", "Nơi cư trú", "Tự xếp loại"]
HEADERS_VOTES = ["HTXSNV", "HTTNV", "HTNV", "KHTNV", "Có mặt", "Tổng số",
                 "Người đứng đầu quyết định"]


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            female = self.rng.random() < 0.5
            name = " ".join([self.rng.choice(FAMILY),
                             self.rng.choice(MIDDLE_F if female else MIDDLE_M),
                             self.rng.choice(GIVEN_F if female else GIVEN_M)])
            if name not in self.used:
                self.used.add(name)
                return name


def votes_for(rng: random.Random, level: str, total: int, absent: int = 0,
              split: bool = False) -> list[int]:
    """Counts that tally to `level` by the cascade rule, never an accidental even split."""
    present = total - absent
    if split:  # exactly half HTXSNV, half HTNV: the head decides (001 §III.6.14)
        return [total // 2, 0, total - total // 2, 0]
    idx = LEVELS.index(level)
    need = total // 2 + 1  # more than half at or above `level`
    counts = [0, 0, 0, 0]
    backing = rng.randint(need, present) if idx < 3 else present
    above = rng.randint(0, (total - 1) // 2 - 1) if idx > 0 else 0  # stays under half
    counts[idx] = backing - above
    if idx > 0:
        counts[idx - 1] = above
    below = list(range(idx + 1, 4)) or [idx]
    for _ in range(present - backing):
        counts[rng.choice(below)] += 1
    return counts


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def d(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


# --- scanned-looking attachments -------------------------------------------------------


def scan_image(title: str, lines: list[str], seed: int, landscape: bool = False) -> Image.Image:
    rng = random.Random(seed)
    size = (1169, 827) if landscape else (827, 1169)  # A4 at 100 dpi
    page = Image.new("L", size, 238)
    draw = ImageDraw.Draw(page)
    head = ImageFont.truetype(str(FONT_BOLD), 22)
    body = ImageFont.truetype(str(FONT), 17)
    draw.text((size[0] // 2, 90), title, font=head, fill=30, anchor="mm")
    y = 150
    for line in lines:
        draw.text((110, y), line, font=body, fill=40)
        y += 30
    draw.text((size[0] - 260, y + 50), "(đã ký và đóng dấu)", font=body, fill=90)
    noise = Image.effect_noise(size, 18).point(lambda v: v // 6)
    page = Image.blend(page, noise.convert("L"), 0.08)
    page = page.rotate(rng.uniform(-0.9, 0.9), fillcolor=225, resample=Image.BICUBIC)
    return page.filter(ImageFilter.GaussianBlur(0.4))


def save_jpeg(image: Image.Image, path: Path) -> None:
    image.save(path, format="JPEG", quality=55, optimize=True)


def save_scan_pdf(pages: list[Image.Image], path: Path, rotate_first: int = 0) -> None:
    buffer = io.BytesIO()
    jpeg_pages = []
    if rotate_first:
        # A scanner that stores a landscape page sideways and sets /Rotate to show it
        # upright: the bitmap is turned against the rotation the viewer applies.
        pages = [pages[0].rotate(rotate_first, expand=True), *pages[1:]]
    for image in pages:
        b = io.BytesIO()
        image.save(b, format="JPEG", quality=55)
        jpeg_pages.append(Image.open(io.BytesIO(b.getvalue())))
    jpeg_pages[0].save(buffer, format="PDF", save_all=True, append_images=jpeg_pages[1:],
                       resolution=100.0)
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    writer = PdfWriter()
    for index, page in enumerate(reader.pages):
        if index == 0 and rotate_first:
            page.rotate(rotate_first)
        writer.add_page(page)
    writer.add_metadata({"/Producer": "Máy quét văn phòng", "/CreationDate": "D:20251210"})
    with path.open("wb") as f:
        writer.write(f)


def attachments(folder: Path, unit_name: str, year: int, leaders: list[tuple[str, str]],
                skip: set[str], seed: int) -> None:
    att = folder / "dinh-kem"
    if att.exists():
        shutil.rmtree(att)
    att.mkdir()
    lorem = [
        "Căn cứ chức năng, nhiệm vụ được giao và kết quả thực hiện trong năm,",
        f"{unit_name} báo cáo kết quả như sau:",
        "1. Công tác chính trị tư tưởng: thực hiện nghiêm túc, đầy đủ.",
        "2. Công tác tổ chức, cán bộ: kiện toàn đúng quy định.",
        "3. Công tác kiểm tra, giám sát: hoàn thành kế hoạch năm.",
        "4. Lãnh đạo thực hiện nhiệm vụ chính trị: đạt và vượt chỉ tiêu.",
    ]
    items = {
        "2": ("BÁO CÁO TỔNG KẾT CÔNG TÁC XÂY DỰNG TỔ CHỨC ĐẢNG", 3, "pdf"),
        "3": ("BẢN TỔNG HỢP PHIẾU CHẤM ĐIỂM", 1, "jpg"),
        "4": ("BÁO CÁO KIỂM ĐIỂM CỦA TẬP THỂ CẤP ỦY", 2, "pdf"),
        "5": ("BẢN TỔNG HỢP PHIẾU CHẤM ĐIỂM TẬP THỂ CẤP ỦY", 1, "png"),
        "7": ("QUYẾT ĐỊNH VỀ VIỆC XẾP LOẠI CÔNG CHỨC, VIÊN CHỨC", 1, "jpg"),
        "8": ("QUYẾT ĐỊNH XẾP LOẠI CÔNG ĐOÀN CƠ SỞ", 1, "jpg"),
        "15": ("BÁO CÁO THỐNG KÊ NĂM", 2, "pdf-rotated"),
    }
    names = {"2": "bao-cao-tong-ket", "3": "tong-hop-cham-diem", "4": "bao-cao-kiem-diem",
             "5": "cham-diem-cap-uy", "7": "qd-xep-loai-ccvc", "8": "qd-xep-loai-cong-doan",
             "15": "thong-ke-nam"}
    for item, (title, pages, kind) in items.items():
        if item in skip:
            continue
        path = att / f"{int(item):02d}-{names[item]}"
        images = [scan_image(title if i == 0 else f"(tiếp theo, trang {i + 1})",
                             [*lorem, f"Năm {year}."], seed + int(item) * 10 + i,
                             landscape=(kind == "pdf-rotated" and i == 0))
                  for i in range(pages)]
        if kind.startswith("pdf"):
            save_scan_pdf(images, path.with_suffix(".pdf"),
                          rotate_first=90 if kind == "pdf-rotated" else 0)
        elif kind == "png":
            images[0].convert("L").quantize(16).save(path.with_suffix(".png"), optimize=True)
        else:
            save_jpeg(images[0], path.with_suffix(".jpg"))
    personal = {
        "1": ("BẢN KIỂM ĐIỂM CÁ NHÂN", 2),
        "2": ("PHIẾU NHẬN XÉT ĐẢNG VIÊN NƠI CƯ TRÚ", 1),
        "3": ("TỔNG HỢP Ý KIẾN ĐÓNG GÓP TẠI HỘI NGHỊ KIỂM ĐIỂM", 1),
        "4": ("BẢN KÊ KHAI TÀI SẢN, THU NHẬP", 2),
    }
    for n, (code, name) in enumerate(leaders):
        (att / code).mkdir()
        for item, (title, pages) in personal.items():
            if f"{code}/{item}" in skip:
                continue
            images = [scan_image(title, [f"Họ và tên: {name}", *lorem[2:5]],
                                 seed + 500 + n * 40 + int(item) * 5 + i) for i in range(pages)]
            if pages == 1:
                save_jpeg(images[0], att / code / f"{item}-{title_slug(item)}.jpg")
            else:
                save_scan_pdf(images, att / code / f"{item}-{title_slug(item)}.pdf")


def title_slug(item: str) -> str:
    return {"1": "ban-kiem-diem", "2": "nhan-xet-noi-cu-tru", "3": "tong-hop-y-kien",
            "4": "ke-khai-tai-san"}[item]


# --- the two units ---------------------------------------------------------------------


def adult_admission(rng: random.Random, born: date) -> date:
    year = min(born.year + rng.randint(21, 32), 2023)
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def member_row(code: str, name: str, born: date, cell: str, post: str, base_role: str,
               cell_role: str, official: bool, admitted: date, ccvc: str, sick: str = "",
               discipline: str = "", remedied: str = "", residence: str = "",
               self_rating: str = "", activity: str = "") -> list[object]:
    return [code, name, d(born), cell, post, base_role, cell_role,
            "Chính thức" if official else "Dự bị", d(admitted), activity, ccvc, sick,
            discipline, remedied, residence, self_rating]


RESIDENCES = ["Phường Phú Hội", "Phường Vĩnh Ninh", "Phường An Cựu", "Phường Thuận Hòa",
              "Phường Kim Long", "Phường Xuân Phú", "Phường Vỹ Dạ", "Phường Phước Vĩnh"]


def chi_bo(folder: Path) -> None:
    rng = random.Random(2025)
    names = Names(rng)
    folder.mkdir(parents=True, exist_ok=True)
    posts = ["Giám đốc Trung tâm", "Phó Giám đốc Trung tâm", "Trưởng phòng Hạ tầng số",
             "Trưởng phòng Hành chính – Tổng hợp", "Phó Trưởng phòng Dữ liệu",
             "Kỹ sư phần mềm", "Kỹ sư mạng", "Chuyên viên", "Kế toán viên", "Chuyên viên",
             "Kỹ sư an toàn thông tin", "Chuyên viên", "Kỹ thuật viên", "Chuyên viên",
             "Nhân viên"]
    plan = ["HTTNV", "HTXSNV", "HTTNV", "HTTNV", "HTXSNV", "HTTNV", "HTTNV", "HTTNV",
            "HTTNV", "HTTNV", "HTTNV", "HTTNV", "HTNV", "HTTNV", None]
    ccvc = ["HTTNV", "HTXSNV", "HTTNV", "HTTNV", "HTXSNV", "HTTNV", "HTXSNV", "HTTNV",
            "HTTNV", "HTTNV", "HTTNV", "HTTNV", "HTNV", "HTTNV", "HTNV"]
    roles = ["Bí thư", "Phó Bí thư", "Ủy viên"] + [""] * 12
    rows, ballots, committee = [], [], []
    officials = 13
    for i in range(15):
        code = f"DV{i + 1:02d}"
        name = names.next()
        official = i < officials
        born = date(rng.randint(1968, 1997) if official else rng.randint(1996, 2001),
                    rng.randint(1, 12), rng.randint(1, 28))
        admitted = (adult_admission(rng, born) if official
                    else (date(2025, 3, 15) if i == 13 else date(2025, 8, 20)))
        sick = "4" if plan[i] == "HTNV" else ""
        rows.append(member_row(code, name, born, "", posts[i], roles[i], "", official,
                               admitted, ccvc[i], sick=sick,
                               residence=rng.choice(RESIDENCES) + ", thành phố Huế",
                               self_rating=plan[i] or ""))
        if plan[i]:
            absent = rng.choice([0, 0, 1])
            ballots.append([code, name, *votes_for(rng, plan[i], officials, absent),
                            officials - absent, officials, ""])
        if roles[i]:
            level = "HTXSNV" if i == 1 else "HTTNV"
            committee.append([code, name, "cơ sở", *votes_for(rng, level, 3), 3, 3, ""])
    # A chi bộ cơ sở has no chi bộ trực thuộc: its office leaves those two columns out.
    keep = [i for i, h in enumerate(HEADERS_MEMBERS) if h not in {"Chi bộ", "Cấp ủy chi bộ"}]
    write_csv(folder / "dang-vien.csv", [HEADERS_MEMBERS[i] for i in keep],
              [[row[i] for i in keep] for row in rows])
    write_csv(folder / "phieu-dang-vien.csv", ["Mã", "Họ và tên", *HEADERS_VOTES], ballots)
    write_csv(folder / "phieu-cap-uy-vien.csv", ["Mã", "Họ và tên", "Nơi bỏ phiếu",
                                                 *HEADERS_VOTES], committee)
    write_csv(folder / "phieu-tap-the.csv", ["Tổ chức", "Đối tượng", *HEADERS_VOTES], [
        ["cơ sở", "tổ chức", 0, 3, 0, 0, 3, 3, ""],
        ["cơ sở", "cấp ủy", 0, 3, 0, 0, 3, 3, ""],
    ])
    (folder / "don-vi.yaml").write_text(CHI_BO_YAML, encoding="utf-8")
    leaders = [(r[0], r[1]) for r in rows[:2]]
    attachments(folder, "Chi bộ Trung tâm Công nghệ thông tin tỉnh", 2025, leaders, set(), 11)


CHI_BO_YAML = """\
# Thông tin chung của tổ chức cơ sở đảng và năm đánh giá (mẫu dữ liệu của hoso).
loai: chi_bo_co_so
ten: Chi bộ Trung tâm Công nghệ thông tin tỉnh
ky_hieu: CB
cap_tren: Đảng bộ Khối Cơ quan và Doanh nghiệp tỉnh
co_quan_cap_tren: Ban Thường vụ Đảng ủy Khối Cơ quan và Doanh nghiệp tỉnh
dia_danh: Thành phố Huế
nam: 2025
quy_dinh: qd124
ngay_danh_gia: 10/12/2025
van_ban:
  bao-cao-kiem-diem-tap-the: {so: 24-BC/CB, ngay: 05/12/2025}
  to-trinh-xep-loai: {so: 25-TTr/CB, ngay: 12/12/2025}
  tong-hop-phieu-cap-uy-vien: {so: 26-BC/CB, ngay: 12/12/2025}
  qd-xep-loai-dang-vien: {so: 27-QĐ/CB, ngay: 11/12/2025}
  qd-khen-thuong-dang-vien: {so: 28-QĐ/CB, ngay: 11/12/2025}
ho_so_ca_nhan: [DV01, DV02]
noi_nhan:
  - Ban Tổ chức Đảng ủy Khối
  - Đảng viên trong chi bộ
"""


def dang_bo(folder: Path) -> None:
    rng = random.Random(1975)
    names = Names(rng)
    folder.mkdir(parents=True, exist_ok=True)
    cells = [("NOI", "Chi bộ Khối Nội", 16), ("NGOAI", "Chi bộ Khối Ngoại", 17),
             ("CLS", "Chi bộ Cận lâm sàng", 15), ("HC", "Chi bộ Hành chính – Tổng hợp", 16)]
    write_csv(folder / "to-chuc-truc-thuoc.csv", ["Mã", "Tên", "Loại", "Ngày thành lập",
                                                  "Có chi ủy"],
              [[c, n, "chi bộ trực thuộc", "", "có"] for c, n, _ in cells])
    base_roles = {("HC", 0): "Bí thư", ("NOI", 0): "Phó Bí thư", ("NGOAI", 0): "Ủy viên",
                  ("CLS", 0): "Ủy viên", ("HC", 1): "Ủy viên", ("NOI", 3): "Ủy viên",
                  ("NGOAI", 3): "Ủy viên"}
    posts = {"HC": ["Giám đốc Bệnh viện", "Trưởng phòng Tổ chức cán bộ", "Kế toán trưởng"],
             "NOI": ["Phó Giám đốc Bệnh viện", "Trưởng khoa Nội tổng hợp", "Bác sĩ"],
             "NGOAI": ["Trưởng khoa Ngoại", "Phó Trưởng khoa Gây mê", "Bác sĩ"],
             "CLS": ["Trưởng khoa Xét nghiệm", "Kỹ thuật viên trưởng", "Dược sĩ"]}
    fillers = ["Bác sĩ", "Điều dưỡng", "Dược sĩ", "Kỹ thuật viên", "Chuyên viên",
               "Hộ sinh", "Điều dưỡng trưởng khoa", "Bác sĩ nội trú"]
    rows, ballots, committee = [], [], []
    n = 0
    committee_plan = []
    for cell, _cell_name, size in cells:
        specials = {size - 1: "new"}
        if cell == "NGOAI":
            specials.update({5: "discipline", 9: "split"})
        if cell == "CLS":
            specials.update({7: "exempt", 4: "sick"})
        officials = sum(1 for i in range(size) if specials.get(i) not in {"new", "exempt"})
        for i in range(size):
            n += 1
            code = f"DV{n:03d}"
            name = names.next()
            kind = specials.get(i)
            post = posts[cell][i] if i < 3 else rng.choice(fillers)
            level = "HTTNV"
            if (i in (1, 2) and cell in {"NOI", "HC"}) or (cell == "NGOAI" and i == 1):
                level = "HTXSNV"
            if kind == "sick" or (cell == "CLS" and i == 10):
                level = "HTNV"
            if kind == "discipline":
                level = "KHTNV"
            official = kind != "new"
            born = date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
            admitted = date(2025, 9, 2) if kind == "new" else adult_admission(rng, born)
            cell_role = ["Bí thư", "Phó Bí thư", "Ủy viên"][i] if i < 3 else ""
            ccvc = {"HTXSNV": "HTXSNV", "KHTNV": "HTNV"}.get(level, rng.choice(["HTTNV",
                                                                              "HTXSNV"]))
            if kind == "sick":
                ccvc = "HTNV"
            rows.append(member_row(
                code, name, born, cell, post, base_roles.get((cell, i), ""), cell_role, official,
                admitted,
                ccvc if kind not in {"new", "exempt"} else "",
                sick="3,5" if kind == "sick" else "",
                discipline="Khiển trách" if kind == "discipline" else "",
                remedied="không" if kind == "discipline" else "",
                residence=rng.choice(RESIDENCES) + ", thành phố Huế",
                self_rating=level if kind not in {"new", "exempt"} else "",
                activity="miễn sinh hoạt" if kind == "exempt" else ""))
            if kind in {"new", "exempt"}:
                continue
            absent = rng.choice([0, 0, 1, 2])
            split = kind == "split"
            votes = votes_for(rng, level, officials, 0 if split else absent, split)
            ballots.append([code, name, *votes, officials - (0 if split else absent), officials,
                            "HTNV" if split else ""])
            if cell_role:
                # A chi bộ with a KHTNV member is at most HTNV, and so are its chi ủy and
                # its bí thư (000 §II.B.1.3, §II.B.3.3, §II.B.4).
                top = "HTNV" if cell == "NGOAI" and i == 0 else "HTTNV"
                committee.append([code, name, cell, *votes_for(rng, top, 3), 3, 3, ""])
            if (cell, i) in base_roles:
                committee_plan.append((code, name, base_roles[(cell, i)]))
    for code, name, _role in committee_plan:
        committee.append([code, name, "cơ sở", *votes_for(rng, "HTTNV", 7, 0), 7, 7, ""])
    write_csv(folder / "dang-vien.csv", HEADERS_MEMBERS, rows)
    write_csv(folder / "phieu-dang-vien.csv", ["Mã", "Họ và tên", *HEADERS_VOTES], ballots)
    write_csv(folder / "phieu-cap-uy-vien.csv", ["Mã", "Họ và tên", "Nơi bỏ phiếu",
                                                 *HEADERS_VOTES], committee)
    collective = [["cơ sở", "tổ chức", 1, 6, 0, 0, 7, 7, ""],
                  ["cơ sở", "cấp ủy", 0, 7, 0, 0, 7, 7, ""]]
    for cell, _name, _size in cells:
        top = "HTNV" if cell == "NGOAI" else "HTTNV"
        collective.append([cell, "tổ chức", *votes_for(rng, top, 7), 7, 7, ""])
        committee_top = "HTNV" if cell == "NGOAI" else "HTTNV"
        collective.append([cell, "cấp ủy", *votes_for(rng, committee_top, 7), 7, 7, ""])
    write_csv(folder / "phieu-tap-the.csv", ["Tổ chức", "Đối tượng", *HEADERS_VOTES],
              collective)
    (folder / "don-vi.yaml").write_text(DANG_BO_YAML, encoding="utf-8")
    by_role = {role: (code, name) for code, name, role in committee_plan if role != "Ủy viên"}
    leaders = [by_role["Bí thư"], by_role["Phó Bí thư"]]
    yaml_text = DANG_BO_YAML.replace("ho_so_ca_nhan: []",
                                     f"ho_so_ca_nhan: [{leaders[0][0]}, {leaders[1][0]}]")
    (folder / "don-vi.yaml").write_text(yaml_text, encoding="utf-8")
    # An office rarely has everything on time: the trade-union decision (8) and one
    # asset declaration have not arrived, so the sample shows placeholders.
    attachments(folder, "Đảng bộ Bệnh viện Đa khoa tỉnh", 2025, leaders,
                {"8", f"{leaders[1][0]}/4"}, 23)


DANG_BO_YAML = """\
# Thông tin chung của tổ chức cơ sở đảng và năm đánh giá (mẫu dữ liệu của hoso).
loai: dang_bo_co_so
ten: Đảng bộ Bệnh viện Đa khoa tỉnh
ky_hieu: ĐU
cap_tren: Đảng bộ Khối Cơ quan và Doanh nghiệp tỉnh
co_quan_cap_tren: Ban Thường vụ Đảng ủy Khối Cơ quan và Doanh nghiệp tỉnh
dia_danh: Thành phố Huế
nam: 2025
quy_dinh: qd124
ngay_danh_gia: 15/12/2025
van_ban:
  to-trinh-xep-loai: {so: 112-TTr/ĐU, ngay: 18/12/2025}
  tong-hop-phieu-cap-uy-vien: {so: 113-BC/ĐU, ngay: 18/12/2025}
  qd-xep-loai-dang-vien: {so: 114-QĐ/ĐU, ngay: 16/12/2025}
  qd-xep-loai-to-chuc-truc-thuoc: {so: 115-QĐ/ĐU, ngay: 16/12/2025}
  qd-xep-loai-cap-uy-truc-thuoc: {so: 116-QĐ/ĐU, ngay: 16/12/2025}
  qd-xep-loai-cap-uy-vien-truc-thuoc: {so: 117-QĐ/ĐU, ngay: 16/12/2025}
  qd-khen-thuong-dang-vien: {so: 118-QĐ/ĐU, ngay: 17/12/2025}
ho_so_ca_nhan: []
noi_nhan:
  - Ban Tổ chức Đảng ủy Khối
  - Các chi bộ trực thuộc
"""




# --- review texts and self-assessment grades --------------------------------------------

TAP_THE_CHI_BO = """\
## I. Nguyên tắc tổ chức và hoạt động
Chi ủy duy trì nghiêm nguyên tắc tập trung dân chủ, tập thể lãnh đạo, cá nhân phụ trách.
Các vấn đề quan trọng về nhân sự, kế hoạch đầu tư hạ tầng số đều được đưa ra chi ủy thảo
luận, quyết định theo đa số. Quy chế làm việc nhiệm kỳ được rà soát, sửa đổi tháng 3/2025.

- Sinh hoạt chi bộ định kỳ đủ 12 kỳ, sinh hoạt chuyên đề 04 kỳ.
- Nội bộ đoàn kết, không có đơn thư khiếu nại, tố cáo.

## II. Kết quả thực hiện nhiệm vụ năm
Hoàn thành 14/14 chỉ tiêu kế hoạch năm; đưa vào vận hành Trung tâm dữ liệu dùng chung của
tỉnh; tỷ lệ hồ sơ thủ tục hành chính trực tuyến toàn trình đạt 68%, vượt 8% kế hoạch.

## III. Công tác xây dựng Đảng
Tổ chức học tập, quán triệt đầy đủ các nghị quyết, chỉ thị của cấp trên; kết nạp 02 đảng
viên mới; giới thiệu 100% đảng viên sinh hoạt nơi cư trú.

## IV. Khắc phục hạn chế đã chỉ ra
Hạn chế năm 2024 về chậm triển khai kế hoạch an toàn thông tin đã được khắc phục xong.

## V. Nguyên nhân và trách nhiệm
Một số nhiệm vụ chuyển đổi số còn chậm do phụ thuộc tiến độ của các sở, ngành; trách nhiệm
thuộc tập thể chi ủy, trước hết là đồng chí Bí thư.

## VI. Phương hướng khắc phục
Tăng cường kiểm tra, giám sát tiến độ các dự án; phân công chi ủy viên theo dõi từng dự án.

## VII. Tự đánh giá, xếp loại
Tập thể chi ủy tự đánh giá hoàn thành tốt nhiệm vụ.
"""

Y_KIEN = """\
## I. Ưu điểm
Đồng chí {name} có lập trường tư tưởng vững vàng, gương mẫu, trách nhiệm trong công việc;
chỉ đạo hoàn thành tốt các nhiệm vụ được giao.

## II. Hạn chế, khuyết điểm
Có lúc chưa dành nhiều thời gian kiểm tra, đôn đốc tiến độ các nhiệm vụ chuyển đổi số.

## III. Tiếp thu, giải trình
Đồng chí {name} tiếp thu đầy đủ các ý kiến và cam kết khắc phục trong năm {next_year}.
"""

CRITERIA = {
    "to_chuc": ["chinh_tri_tu_tuong", "to_chuc_can_bo", "lanh_dao_chuyen_mon",
                "kiem_tra_giam_sat", "chuong_trinh_ke_hoach", "chi_tieu_nhiem_vu",
                "xep_loai_to_chuc", "khac_phuc"],
    "cap_uy": ["tap_trung_dan_chu", "trach_nhiem_lanh_dao", "xay_dung_dang",
               "chuong_trinh_ke_hoach", "chi_tieu_nhiem_vu", "xep_loai_don_vi", "khac_phuc"],
}


def grades_block(kind: str, grades: list[str], indent: str = "  ") -> str:
    return "".join(f"{indent}{key}: {grade}\n" for key, grade in zip(CRITERIA[kind], grades,
                                                                    strict=True))


def review_texts(folder: Path, leaders: list[tuple[str, str]], year: int,
                 collective: bool) -> None:
    if collective:
        (folder / "kiem-diem").mkdir(exist_ok=True)
        (folder / "kiem-diem" / "tap-the.md").write_text(TAP_THE_CHI_BO, encoding="utf-8")
    (folder / "y-kien").mkdir(exist_ok=True)
    for code, name in leaders:
        (folder / "y-kien" / f"{code}.md").write_text(
            Y_KIEN.format(name=name, next_year=year + 1), encoding="utf-8")


def chi_bo_content(folder: Path) -> None:
    good = ["Tốt"] * 8
    text = ("# Kết quả tự chấm theo tiêu chí (Mẫu 3, Mẫu 4): Xuất sắc, Tốt, Trung bình, Kém\n"
            "to_chuc:\n" + grades_block("to_chuc", ["Xuất sắc", *good[1:]])
            + "cap_uy:\n" + grades_block("cap_uy", ["Tốt"] * 7))
    (folder / "danh-gia.yaml").write_text(text, encoding="utf-8")
    rows = read_rows(folder / "dang-vien.csv")
    review_texts(folder, [(r[0], r[1]) for r in rows[1:3]], 2025, collective=True)
    for item in ("03-tong-hop-cham-diem.jpg", "04-bao-cao-kiem-diem.pdf",
                 "05-cham-diem-cap-uy.png"):
        (folder / "dinh-kem" / item).unlink()
    for code in ("DV01", "DV02"):
        (folder / "dinh-kem" / code / "3-tong-hop-y-kien.jpg").unlink()


def dang_bo_content(folder: Path) -> None:
    cells = ["NOI", "NGOAI", "CLS", "HC"]
    text = ("# Kết quả tự chấm theo tiêu chí (Mẫu 3, Mẫu 4): Xuất sắc, Tốt, Trung bình, Kém\n"
            "to_chuc:\n" + grades_block("to_chuc", ["Tốt"] * 8)
            + "cap_uy:\n" + grades_block("cap_uy", ["Tốt"] * 7) + "to_chuc_truc_thuoc:\n")
    for cell in cells:
        grades = ["Trung bình"] * 8 if cell == "NGOAI" else ["Tốt"] * 8
        text += f"  {cell}:\n" + grades_block("to_chuc", grades, "    ")
    text += "cap_uy_truc_thuoc:\n"
    for cell in cells:
        grades = ["Trung bình"] * 7 if cell == "NGOAI" else ["Tốt"] * 7
        text += f"  {cell}:\n" + grades_block("cap_uy", grades, "    ")
    (folder / "danh-gia.yaml").write_text(text, encoding="utf-8")


KIEM_DIEM_BI_THU = """\
## I. Ưu điểm, kết quả đạt được

## 1. Về phẩm chất chính trị, đạo đức, lối sống

Kiên định chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh; giữ gìn đoàn kết nội bộ; lối sống \
giản dị, gương mẫu.

## 2. Kết quả công tác lãnh đạo, chỉ đạo, quản lý, điều hành

Lãnh đạo Trung tâm hoàn thành 10/10 nhiệm vụ được giao, đúng tiến độ; vận hành ổn định hạ \
tầng dữ liệu dùng chung của tỉnh.

## 3. Trách nhiệm trong công việc; tinh thần đổi mới, sáng tạo

Chủ động đề xuất chuyển đổi số các thủ tục nội bộ.

## 4. Trách nhiệm nêu gương

Bản thân và gia đình chấp hành tốt quy định về những điều đảng viên không được làm.

## 5. Việc thực hiện cam kết tu dưỡng, rèn luyện, phấn đấu hằng năm

Thực hiện đầy đủ cam kết đầu năm.

## II. Hạn chế, khuyết điểm và nguyên nhân

Một số nhiệm vụ phối hợp với các sở, ngành còn chậm.

## III. Kết quả khắc phục hạn chế, khuyết điểm đã được chỉ ra

Đã khắc phục hết các hạn chế nêu ra ở kỳ kiểm điểm năm trước.

## IV. Trách nhiệm của cá nhân đối với hạn chế, khuyết điểm của tập thể

Chịu trách nhiệm người đứng đầu về tiến độ các dự án phối hợp.

## V. Phương hướng, biện pháp khắc phục

Tăng cường kiểm tra, đôn đốc tiến độ các dự án phối hợp.
"""

# Under Quy định 366 the reviews follow Hướng dẫn 43: the bí thư's Mẫu 2A, the collective's
# Mẫu 01 (part A's headings, tieu-chi.yaml mau_2a_hd43 and mau_01_hd43).
KIEM_DIEM_BI_THU_HD43 = """\
## I. Ưu điểm, kết quả đạt được

## 1. Về phẩm chất chính trị, đạo đức, lối sống

Kiên định chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh; giữ gìn đoàn kết nội bộ; lối sống
giản dị, gương mẫu. Bản thân và gia đình chấp hành tốt quy định về những điều đảng viên
không được làm.

## 2. Kết quả công tác lãnh đạo, chỉ đạo, quản lý, điều hành

Lãnh đạo Trung tâm hoàn thành 10/10 nhiệm vụ được giao, đúng tiến độ; vận hành ổn định
hạ tầng dữ liệu dùng chung của tỉnh.

## 3. Trách nhiệm trong công việc; tinh thần đổi mới, sáng tạo

Chủ động đề xuất chuyển đổi số các thủ tục nội bộ.

## 4. Việc thực hiện cam kết tu dưỡng, rèn luyện, phấn đấu

Thực hiện đầy đủ cam kết đầu năm.

## II. Hạn chế, khuyết điểm và nguyên nhân

Một số nhiệm vụ phối hợp với các sở, ngành còn chậm.

## III. Kết quả khắc phục hạn chế, khuyết điểm đã được chỉ ra ở các kỳ kiểm điểm trước

Đã khắc phục hết các hạn chế nêu ra ở kỳ kiểm điểm năm trước.

## IV. Giải trình những vấn đề được gợi ý kiểm điểm

Không có vấn đề được gợi ý kiểm điểm.

## V. Làm rõ trách nhiệm của cá nhân đối với những hạn chế, khuyết điểm của tập thể

Chịu trách nhiệm người đứng đầu về tiến độ các dự án phối hợp.

## VI. Phương hướng, biện pháp khắc phục

Tăng cường kiểm tra, đôn đốc tiến độ các dự án phối hợp.
"""
KIEM_DIEM_TAP_THE_HD43 = """\
## I. Ưu điểm, kết quả đạt được

## 1. Việc chấp hành nguyên tắc tổ chức và hoạt động; quy chế làm việc
Chi ủy duy trì nghiêm nguyên tắc tập trung dân chủ, tập thể lãnh đạo, cá nhân phụ trách.
Các vấn đề quan trọng về nhân sự, kế hoạch đầu tư hạ tầng số đều được đưa ra chi ủy thảo
luận, quyết định theo đa số. Quy chế làm việc nhiệm kỳ được rà soát, sửa đổi tháng 3/2025.

- Sinh hoạt chi bộ định kỳ đủ 12 kỳ, sinh hoạt chuyên đề 04 kỳ.
- Nội bộ đoàn kết, không có đơn thư khiếu nại, tố cáo.

## 2. Kết quả thực hiện các mục tiêu, chỉ tiêu, nhiệm vụ
Hoàn thành 14/14 chỉ tiêu kế hoạch năm; đưa vào vận hành Trung tâm dữ liệu dùng chung của
tỉnh; tỷ lệ hồ sơ thủ tục hành chính trực tuyến toàn trình đạt 68%, vượt 8% kế hoạch.

## 3. Công tác xây dựng, chỉnh đốn Đảng và hệ thống chính trị
Tổ chức học tập, quán triệt đầy đủ các nghị quyết, chỉ thị của cấp trên; kết nạp 02 đảng
viên mới; giới thiệu 100% đảng viên sinh hoạt nơi cư trú.

## 4. Trách nhiệm của tập thể lãnh đạo, quản lý
Chi ủy phân công từng chi ủy viên theo dõi các dự án chuyển đổi số trọng điểm của tỉnh.

## II. Hạn chế, khuyết điểm và nguyên nhân
Một số nhiệm vụ chuyển đổi số còn chậm do phụ thuộc tiến độ của các sở, ngành.

## III. Kết quả khắc phục những hạn chế, khuyết điểm
Hạn chế năm 2024 về chậm triển khai kế hoạch an toàn thông tin đã được khắc phục xong.

## IV. Giải trình những vấn đề được gợi ý kiểm điểm
Không có vấn đề được gợi ý kiểm điểm.

## V. Trách nhiệm của tập thể, cá nhân
Trách nhiệm về tiến độ các dự án phối hợp thuộc tập thể chi ủy, trước hết là đồng chí Bí
thư.

## VI. Phương hướng, biện pháp khắc phục hạn chế, khuyết điểm
Tăng cường kiểm tra, giám sát tiến độ các dự án; phân công chi ủy viên theo dõi từng dự
án.
"""

# (general /30, results /70, tasks, done, on time, beyond requirement) that give each level
# by Quy định 366, Điều 11; the reviewed score sits a little under the self-score.
SCORE_SHAPES = {
    "HTXSNV": (28.5, 63.0, 10, 10, 10, 4),
    "HTTNV": (26.0, 56.0, 10, 10, 10, 1),
    "HTNV": (22.0, 44.0, 10, 10, 9, 0),
    "KHTNV": (15.0, 30.0, 10, 6, 5, 0),
}
HEADERS_SCORES = ["Mã", "Họ và tên", "Đối tượng", "Tự chấm tiêu chí chung", "Tự chấm kết quả",
                  "Thẩm định tiêu chí chung", "Thẩm định kết quả", "Số nhiệm vụ", "Hoàn thành",
                  "Đúng hạn", "Vượt mức", "Đã khắc phục", "Kỷ luật"]


def score_row(rng: random.Random, code: str, name: str, kind: str, level: str) -> list[object]:
    general, results, tasks, done, on_time, beyond = SCORE_SHAPES[level]
    spread = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0])
    reviewed = (general - spread / 2, results - spread)
    own = (min(30.0, reviewed[0] + 0.5), min(70.0, reviewed[1] + rng.choice([0.0, 0.5, 1.0])))
    points = [f"{x:.2f}".rstrip("0").rstrip(".").replace(".", ",") for x in (*own, *reviewed)]
    return [code, name, kind, *points, tasks, done, on_time, beyond, "có", ""]


def chi_bo_qd366(source: Path, folder: Path) -> None:
    """The chi bộ sample under Quy định 366: the same unit and papers, rated by score.

    Each person and collective gets the score that gives the level their ballots gave
    under qd124, so the two samples tell the same story; ballots are not needed."""
    import sys

    sys.path.insert(0, str(ROOT))
    from pipeline.load import load_unit
    from pipeline.profiles import load_profile
    from pipeline.rules import assess

    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(source, folder)
    for stem in ("phieu-dang-vien", "phieu-cap-uy-vien", "phieu-tap-the", "danh-gia"):
        for suffix in (".csv", ".yaml"):
            (folder / f"{stem}{suffix}").unlink(missing_ok=True)
    unit = load_unit(source)
    levels = assess(unit, load_profile("qd124"))
    rng = random.Random(366)
    rows = [score_row(rng, "tổ chức", "", "tập thể", levels.organisation.level.name),
            score_row(rng, "cấp ủy", "", "tập thể", levels.committee.level.name)]
    for member, rating in zip(unit.members, levels.members, strict=True):
        if rating.level is None or (date(2025, 12, 10) - member.admitted).days < 183:
            continue  # not reviewed: admitted less than 6 months before the meeting
        kind = "lãnh đạo, quản lý" if member.base_role or member.code in unit.leaders \
            else "cá nhân"
        rows.append(score_row(rng, member.code, member.name, kind, rating.level.name))
    write_csv(folder / "diem-danh-gia.csv", HEADERS_SCORES, rows)
    # The bí thư's review is written here (Mẫu 2A made by hoso); the phó bí thư's stays a
    # signed scan, as both happen in practice.
    (folder / "dinh-kem" / "DV01" / "1-ban-kiem-diem.pdf").unlink()
    (folder / "kiem-diem" / "DV01.md").write_text(KIEM_DIEM_BI_THU_HD43, encoding="utf-8")
    (folder / "kiem-diem" / "tap-the.md").write_text(KIEM_DIEM_TAP_THE_HD43, encoding="utf-8")
    add_workplaces(folder / "dang-vien.csv")
    add_quarters(folder)
    text = (folder / "don-vi.yaml").read_text(encoding="utf-8")
    text = text.replace("quy_dinh: qd124\n", "quy_dinh: qd366\n")
    for old_text, new_text in QD366_PARENTS:
        text = text.replace(old_text, new_text)
    text = text.replace("ngay_danh_gia: 10/12/2025\n", "ngay_danh_gia: 10/12/2025\n"
                        "# Hội nghị kiểm điểm: in vào bản dự thảo biên bản (mục 16).\n"
                        "hoi_nghi: {dia_diem: Hội trường Trung tâm, thu_ky: Nguyễn Quốc Huy, "
                        "co_mat: 14}\n")
    (folder / "don-vi.yaml").write_text(text, encoding="utf-8")


# The bodies above in 2025 (docs/quy-dinh-366.md, "Mẫu đi kèm"): the provincial Đảng bộ Khối
# ended; a city agency's chi bộ is under the Đảng bộ of the city's Ủy ban nhân dân.
QD366_PARENTS = (
    ("cap_tren: Đảng bộ Khối Cơ quan và Doanh nghiệp tỉnh\n",
     "# Cấp trên sau sắp xếp năm 2025: Đảng bộ Khối của tỉnh kết thúc hoạt động, thay bằng "
     "Đảng bộ\n# các cơ quan Đảng và Đảng bộ Ủy ban nhân dân (docs/quy-dinh-366.md, \"Mẫu đi "
     "kèm\").\ncap_tren: Đảng bộ Ủy ban nhân dân thành phố Huế\n"),
    ("co_quan_cap_tren: Ban Thường vụ Đảng ủy Khối Cơ quan và Doanh nghiệp tỉnh\n",
     "co_quan_cap_tren: Ban Thường vụ Đảng ủy Ủy ban nhân dân thành phố Huế\n"),
    ("  - Ban Tổ chức Đảng ủy Khối\n", "  - Ban Tổ chức Đảng ủy Ủy ban nhân dân thành phố\n"),
)


QUARTER_OFFSETS = ("-0.5", "0.5", "-0.25", "0.25")  # around the year's, whose mean they give


def add_quarters(folder: Path, leaders: int = 3) -> None:
    """tu-danh-gia-quy.csv: the leaders' four quarterly self-assessments (Quy định 366,
    Điều 15.1), spread around their self-scores of the year, so the year rests on them."""
    from decimal import Decimal

    header, *rows = read_rows(folder / "diem-danh-gia.csv")
    code, name = header.index("Mã"), header.index("Họ và tên")
    general, results = header.index("Tự chấm tiêu chí chung"), header.index("Tự chấm kết quả")
    out = []
    for row in [r for r in rows if r[code].startswith("DV")][:leaders]:
        for quarter, offset in enumerate(QUARTER_OFFSETS, start=1):
            values = [Decimal(row[i].replace(",", ".")) + Decimal(offset) for i in (general,
                                                                                  results)]
            out.append([row[code], row[name], str(quarter),
                        *(f"{v.normalize():f}".replace(".", ",") for v in values), ""])
    write_csv(folder / "tu-danh-gia-quy.csv",
              ["Mã", "Họ và tên", "Quý", "Tiêu chí chung", "Kết quả", "Mức đề xuất"], out)


def add_workplaces(members: Path) -> None:
    """The column "Đơn vị công tác" (Mẫu 3-213): the centre's departments, taken from the
    post; the last member under review (the last is admitted too late to be reviewed,
    Quy định 366, Điều 5) is given none, so the sample shows the line to fill in by hand."""
    header, *rows = read_rows(members)
    column = header.index("Chức vụ") + 1
    header.insert(column, "Đơn vị công tác")
    for index, row in enumerate(rows):
        post = row[column - 1]
        department = post.split(" phòng ", 1)[1] if " phòng " in post else ""
        workplace = (f"Phòng {department}, " if department else "") + \
            "Trung tâm Công nghệ thông tin tỉnh"
        row.insert(column, "" if index == len(rows) - 2 else workplace)
    write_csv(members, header, rows)


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.reader(f))


if __name__ == "__main__":
    chi_bo(ROOT / "fixtures" / "chi-bo-co-so")
    chi_bo_content(ROOT / "fixtures" / "chi-bo-co-so")
    dang_bo(ROOT / "fixtures" / "dang-bo-co-so")
    dang_bo_content(ROOT / "fixtures" / "dang-bo-co-so")
    chi_bo_qd366(ROOT / "fixtures" / "chi-bo-co-so", ROOT / "fixtures" / "chi-bo-qd366")
