"""The command line: exit codes, output formats and messages (interface.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from pipeline.cli import main
from pipeline.load import load_unit
from pipeline.profiles import load_profile
from pipeline.rules import assess
from tests.conftest import CHI_BO
from tests.helpers import edit_csv

TALLY = """Họ và tên,HTXSNV,HTTNV,HTNV,KHTNV,Có mặt,Tổng số
Đồng chí A,5,4,6,0,15,15
Đồng chí B,5,0,5,0,10,10
Đồng chí C,2,1,1,0,4,10
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_tally_json_is_exactly_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "phieu.csv"
    path.write_text(TALLY, encoding="utf-8")
    code, output = run("tally", str(path), "--format", "json")
    assert code == 1  # B needs the head's decision, C is invalid
    rows = json.loads(output)
    assert [r["name"] for r in rows] == ["Đồng chí A", "Đồng chí B", "Đồng chí C"]
    assert rows[0] == {
        "name": "Đồng chí A", "result": "HTTNV", "status": "ok",
        "notation": {"HTXSNV": "05/15/15", "HTTNV": "04/15/15", "HTNV": "06/15/15",
                     "KHTNV": "00/15/15"},
        "percent": {"HTXSNV": 33.33, "HTTNV": 26.67, "HTNV": 40.0, "KHTNV": 0.0},
    }
    assert rows[1]["status"] == "head_decides" and rows[1]["result"] is None
    assert rows[1]["candidates"] == ["HTXSNV", "HTNV"]
    assert rows[2]["status"] == "invalid" and rows[2]["result"] is None


def test_tally_text_and_english_headers(tmp_path: Path) -> None:
    path = tmp_path / "votes.csv"
    path.write_text("NAME,htxsnv,httnv,htnv,khtnv,Present,Total\nX,6,4,0,0,10,10\n",
                    encoding="utf-8")
    code, output = run("tally", str(path))
    assert code == 0 and output.startswith("X: HTXSNV (Hoàn thành xuất sắc nhiệm vụ)")


def test_tally_refuses_impossible_rows_naming_each(tmp_path: Path) -> None:
    path = tmp_path / "sai.csv"
    path.write_text("name,HTXSNV,HTTNV,HTNV,KHTNV,present,total\n"
                    "A,-1,0,0,0,5,5\nB,5,5,0,0,8,10\nC,1,0,0,0,4,3\nD,1,1,1,1,4,4\n",
                    encoding="utf-8")
    code, output = run("tally", str(path), "--format", "json")
    assert code == 2
    lines = [line for line in output.splitlines() if line.startswith("Lỗi:")]
    assert [line.split(":")[1].strip() for line in lines] == [
        "sai.csv, dòng 2", "sai.csv, dòng 3", "sai.csv, dòng 4"]
    assert "Traceback" not in output


def test_init_writes_a_commented_folder_that_loads_once_filled(tmp_path: Path) -> None:
    folder = tmp_path / "don-vi-moi"
    code, output = run("init", str(folder), "--type", "chi_bo_co_so", "--year", "2025",
                       "--quy-dinh", "qd124", "--csv")
    assert code == 0 and "HUONG-DAN.txt" in output
    assert (folder / "don-vi.yaml").read_text(encoding="utf-8").startswith("# ")
    assert (folder / "dinh-kem").is_dir()
    # copy the sample's rows into the empty tables, column by column name: the scaffold's
    # headers are accepted
    for name in ("dang-vien.csv", "phieu-dang-vien.csv", "phieu-cap-uy-vien.csv",
                 "phieu-tap-the.csv"):
        header = next(csv.reader(io.StringIO((folder / name).read_text(encoding="utf-8"))))
        with (CHI_BO / name).open(encoding="utf-8") as source:
            rows = list(csv.DictReader(source))
        assert set(rows[0]) <= set(header), name
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (folder / name).write_text(buffer.getvalue(), encoding="utf-8")
    text = (folder / "don-vi.yaml").read_text(encoding="utf-8")
    (folder / "don-vi.yaml").write_text(text.replace("ho_so_ca_nhan: []",
                                                     "ho_so_ca_nhan: [DV01]"),
                                        encoding="utf-8")
    assert len(load_unit(folder).members) == 15
    code, output = run("init", str(folder), "--type", "chi_bo_co_so")
    assert code == 2 and "đã có tệp" in output


def test_init_dang_bo_has_the_sub_unit_table(tmp_path: Path) -> None:
    code, _ = run("init", str(tmp_path / "db"), "--type", "dang_bo_co_so", "--csv")
    assert code == 0 and (tmp_path / "db" / "to-chuc-truc-thuoc.csv").exists()


def test_unknown_profile_is_a_usage_error(tmp_path: Path) -> None:
    code, output = run("build", str(CHI_BO), "-o", str(tmp_path / "o"), "--profile", "xyz")
    assert code == 2 and "qd124" in output


@pytest.mark.parametrize("verbose", [False, True])
def test_traceback_only_with_verbose(tmp_path: Path, verbose: bool) -> None:
    args = ["-v"] if verbose else []
    result = CliRunner().invoke(main, [*args, "build", str(tmp_path / "khong-co")])
    assert result.exit_code == 2
    assert ("Traceback" in result.output) is verbose


def test_violations_make_exit_1_and_reach_every_output(unit_copy, tmp_path: Path) -> None:
    folder = unit_copy()
    # DV13 (4 months of sick leave) voted HTTNV: forbidden under qd124 (000 §II.B.6)
    edit_csv(folder / "phieu-dang-vien.csv", 13, "HTNV", "0")
    edit_csv(folder / "phieu-dang-vien.csv", 13, "HTTNV", "13")
    edit_csv(folder / "phieu-dang-vien.csv", 13, "HTXSNV", "0")
    edit_csv(folder / "phieu-dang-vien.csv", 13, "KHTNV", "0")
    edit_csv(folder / "phieu-dang-vien.csv", 13, "Có mặt", "13")
    out = tmp_path / "out"
    code, output = run("build", str(folder), "-o", str(out))
    assert code == 1
    assert "[LỖI] Lê Thị Mỹ Hạnh: nghỉ ốm 4 tháng" in output
    manifest = json.loads((out / "ho-so.json").read_text(encoding="utf-8"))
    finding = next(f for f in manifest["findings"] if f["rule"] == "nghi-om")
    assert finding["severity"] == "error"
    assert finding["source"].startswith("Kế hoạch 41-KH/ĐUK, mục II.B.6")
    assert "nghỉ ốm" in (out / "bao-cao.txt").read_text(encoding="utf-8")
    to_trinh = next(i for i in manifest["items"] if i["item"] == "1")
    reader = PdfReader(out / "ho-so.pdf")
    text = " ".join(reader.pages[p].extract_text()
                    for p in range(to_trinh["first_page"] - 1, to_trinh["last_page"]))
    # The finding is the clerk's to fix, never part of the Tờ trình that will be signed.
    assert "TỜ TRÌNH" in text and "nghỉ ốm" not in text and "chưa phù hợp" not in text


def test_sample_rules_are_clean() -> None:
    assert not assess(load_unit(CHI_BO), load_profile("qd124")).errors


def test_help_and_usage_errors_speak_vietnamese() -> None:
    code, output = run("--help")
    assert code == 0 and "Cách dùng:" in output and "Các lệnh:" in output
    assert "Usage" not in output and "Show this message" not in output
    code, output = run("build", "--khong-co")
    assert code == 2 and "Không có tùy chọn '--khong-co'" in output
    code, output = run("buil")
    assert code == 2 and "Có phải ý bạn là 'build'?" in output
    code, output = run("init", "x", "--type", "sai")
    assert code == 2 and "không phải một trong" in output


LEAVE = """
import multiprocessing, os, sys, time
from pathlib import Path
from pipeline.cli import leave

def child(path):
    os.close(1), os.close(2)  # the test hears the parent's end, not this child's
    time.sleep(0.5)
    Path(path).write_text("done")

if __name__ == "__main__":
    if sys.argv[1] == "child":
        multiprocessing.get_context("fork").Process(target=child, args=(sys.argv[2],)).start()
    print("không xuống dòng", end="")
    leave(3)
"""


@pytest.mark.parametrize("case", ["alone", "child"])
def test_leaving_flushes_what_was_said_and_waits_for_children(tmp_path: Path,
                                                              case: str) -> None:
    """cli.leave ends the process without Python's own ending (os._exit), after flushing
    its output; a process with a child still running ends as Python ends it, once the
    child has."""
    import subprocess
    import sys

    script = tmp_path / "leave.py"
    script.write_text(LEAVE, encoding="utf-8")
    marker = tmp_path / "child-done"
    done = subprocess.run([sys.executable, str(script), case, str(marker)],
                          capture_output=True, text=True, encoding="utf-8", check=False,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 3
    assert done.stdout == "không xuống dòng"
    assert marker.exists() == (case == "child")
