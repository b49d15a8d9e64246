"""Output folders are owned, never borrowed, and replaced atomically under any signal
(issue: no data lost under any path or signal)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.output import (
    MARKER,
    OLD_PREFIX,
    STAGING_PREFIX,
    OutputError,
    recover_leftovers,
    write_owned,
)
from tests.conftest import DANG_BO, QD366


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def unit(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "don-vi"
    shutil.copytree(QD366, target)
    return target


def snapshot(folder: Path) -> dict[str, str]:
    return digest(folder) if folder.exists() else {}


@pytest.mark.parametrize("where", ["unit", "inside", "above"])
@pytest.mark.parametrize("command", ["build", "prepare"])
def test_never_writes_in_or_above_the_unit_folder(unit: Path, where: str,
                                                  command: str) -> None:
    target = {"unit": unit, "inside": unit / "ket-qua", "above": unit.parent}[where]
    before = snapshot(unit.parent)
    code, output = run(command, str(unit), "-o", str(target))
    assert code == 2
    assert "thư mục đơn vị" in output and str(unit) in output
    assert snapshot(unit.parent) == before


def test_a_folder_with_the_users_files_is_refused(unit: Path, tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thu.docx").write_bytes(b"my letter")
    for args in (("build", str(unit)), ("prepare", str(unit))):
        code, output = run(*args, "-o", str(documents))
        assert code == 2 and "không do hoso tạo" in output and str(documents) in output
    assert snapshot(documents) == {"thu.docx": hashlib.sha256(b"my letter").hexdigest()}


def test_preview_keeps_the_users_file(tmp_path: Path, built_qd366) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "xem"
    out.mkdir()
    (out / "ghi-chu.txt").write_text("của tôi", encoding="utf-8")
    code, output = run("preview", str(built_qd366.out / "ho-so.pdf"), "-o", str(out))
    assert code == 2 and "không do hoso tạo" in output
    assert (out / "ghi-chu.txt").read_text(encoding="utf-8") == "của tôi"


def test_a_file_in_the_way_or_above_is_refused(unit: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x", encoding="utf-8")
    code, output = run("build", str(unit), "-o", str(notes))
    assert code == 2 and "đã có một tệp" in output
    code, output = run("build", str(unit), "-o", str(notes / "sub"))
    assert code == 2 and "là một tệp, không phải thư mục" in output
    assert notes.read_text(encoding="utf-8") == "x" and not list(tmp_path.glob(".hoso-*"))


def test_an_unwritable_place_is_one_line_and_exit_2(unit: Path, tmp_path: Path) -> None:
    # /sys is mounted read-only in containers and refuses new folders even to root.
    for target in ("/sys/hoso-ket-qua", "/proc/1/hoso-ket-qua"):
        code, output = run("build", str(unit), "-o", target)
        assert code == 2, output
        lines = [line for line in output.splitlines() if line.startswith("Lỗi:")]
        assert len(lines) == 1 and target in lines[0], output
        assert "Traceback" not in output


def test_an_unwritable_folder_as_a_plain_user(tmp_path: Path) -> None:
    locked = tmp_path / "khoa"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(OutputError) as error:
            write_owned(locked / "out", {"a.txt": b"x"}, "build")
        if os.geteuid() != 0:  # root writes anywhere: then the folder was written
            assert "không có quyền ghi" in str(error.value)
    except pytest.fail.Exception:
        assert os.geteuid() == 0
    finally:
        locked.chmod(0o755)


def test_rebuild_replaces_only_its_own_files(unit: Path, tmp_path: Path) -> None:
    out = tmp_path / "ket-qua"
    assert run("build", str(unit), "-o", str(out))[0] == 0
    (out / "ghi-chu.txt").write_text("của tôi", encoding="utf-8")
    (out / "rieng").mkdir()
    (out / "rieng" / "a.txt").write_text("a", encoding="utf-8")
    write_owned(out / "chuan-bi", {"mau-2.pdf": b"handout"}, "prepare")
    handouts = digest(out / "chuan-bi")
    # The unit changes: a form disappears; the rebuild removes it and keeps the rest.
    (out / "mau" / "cu.pdf").write_bytes(b"old form of mine")
    assert run("build", str(unit), "-o", str(out))[0] == 0
    assert (out / "ghi-chu.txt").read_text(encoding="utf-8") == "của tôi"
    assert (out / "rieng" / "a.txt").read_text(encoding="utf-8") == "a"
    assert (out / "mau" / "cu.pdf").read_bytes() == b"old form of mine"
    assert digest(out / "chuan-bi") == handouts


def test_each_command_replaces_only_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_owned(out, {"mau-2.pdf": b"handout", "mau-5.pdf": b"blank"}, "prepare")
    write_owned(out, {"ho-so.pdf": b"dossier 1", "mau/a.pdf": b"a"}, "build")
    write_owned(out, {"ho-so.pdf": b"dossier 2"}, "build")  # mau/a.pdf is gone from build
    assert (out / "mau-2.pdf").read_bytes() == b"handout"
    assert (out / "mau-5.pdf").read_bytes() == b"blank"
    assert (out / "ho-so.pdf").read_bytes() == b"dossier 2"
    assert not (out / "mau" / "a.pdf").exists()
    write_owned(out, {"mau-2.pdf": b"handout 2"}, "prepare")
    assert not (out / "mau-5.pdf").exists() and (out / "ho-so.pdf").is_file()


def test_default_prepare_then_build_keeps_chuan_bi(unit: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("prepare", str(unit))[0] == 0
    slug = next((tmp_path / "out").iterdir())
    handouts = digest(slug / "chuan-bi")
    assert run("build", str(unit))[0] == 0
    assert digest(slug / "chuan-bi") == handouts and (slug / "ho-so.pdf").is_file()


def test_default_out_from_inside_the_unit_folder_lands_beside_it(
        unit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(unit)
    before = snapshot(unit)
    code, output = run("build", ".")
    assert code == 0, output
    assert snapshot(unit) == before
    assert list((unit.parent / "out").glob("*/ho-so.pdf"))


def test_a_marker_cannot_point_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    (out / MARKER).write_text('{"files": {"build": ["../victim.txt", "/etc/passwd"]}}',
                              encoding="utf-8")
    write_owned(out, {"a.txt": b"new"}, "build")
    assert victim.read_text(encoding="utf-8") == "keep"
    assert (out / "a.txt").read_bytes() == b"new"


def test_leftovers_of_a_killed_run_are_recovered(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_owned(out, {"a.txt": b"1"}, "build")
    # Killed between the two renames: the old folder is aside and OUT is missing.
    aside = tmp_path / f"{OLD_PREFIX}out-abc"
    out.rename(aside)
    staging = tmp_path / f"{STAGING_PREFIX}out-def"
    staging.mkdir()
    (staging / MARKER).write_text("{}", encoding="utf-8")
    recover_leftovers(out)
    assert (out / "a.txt").read_bytes() == b"1"
    assert not aside.exists() and not staging.exists()


SIGNALS = [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -9)]


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished build, copied by each signal test as its earlier output."""
    import shutil

    folder = tmp_path_factory.mktemp("earlier")
    shutil.copytree(DANG_BO, folder / "don-vi")  # the longer build: surely running at 1 s
    code = run("build", str(folder / "don-vi"), "-o", str(folder / "out"))[0]
    assert code in (0, 1)  # 1: the sample misses items by design
    return folder


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_signals_midway_leave_the_earlier_output_whole(earlier: Path, tmp_path: Path,
                                                       signum: int, code: int) -> None:
    import shutil

    shutil.copytree(earlier, tmp_path / "w")
    unit, out = tmp_path / "w" / "don-vi", tmp_path / "w" / "out"
    before = digest(out)
    members = unit / "dang-vien.csv"  # a change, so that a finished build would differ
    members.write_text(members.read_text(encoding="utf-8").replace(
        "Trưởng khoa Nội tổng hợp", "Trưởng khoa Nội"), encoding="utf-8")
    hoso = Path(sys.executable).with_name("hoso")
    # --no-cache: every form is rendered, so the build is surely still running at 1 s
    process = subprocess.Popen([str(hoso), "build", str(unit), "-o", str(out), "--jobs", "2",
                                "--no-cache"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    time.sleep(1.0)  # started, and rendering forms
    assert process.poll() is None, "the build ended before the signal"
    os.killpg(process.pid, signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err.decode()
    assert digest(out) == before
    if signum != signal.SIGKILL:
        assert not list(out.parent.glob(".hoso-*")), "staging folder left behind"
        assert "Traceback" not in err.decode() and "Đã dừng" in err.decode()


def test_interrupted_during_the_swap_keeps_the_earlier_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_owned(out, {"a.txt": b"old", "b.txt": b"old"}, "build")
    before = digest(out)
    real_rename = Path.rename

    def interrupted(self: Path, target: Path) -> Path:
        if self.name.startswith(STAGING_PREFIX):
            raise KeyboardInterrupt  # Ctrl-C between the two renames
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_owned(out, {"a.txt": b"new"}, "build")
    monkeypatch.setattr(Path, "rename", real_rename)
    recover_leftovers(out)  # what the next run does first
    assert digest(out) == before
    assert not list(tmp_path.glob(".hoso-*"))


def test_files_written_one_by_one_replace_the_output_only_at_the_end(tmp_path: Path) -> None:
    from pipeline.output import staged_output

    out = tmp_path / "out"
    write_owned(out, {"a.pdf": b"old", "b.pdf": b"old"}, "prepare")
    (out / "ghi-chu.txt").write_text("của người dùng", encoding="utf-8")
    before = digest(out)
    with pytest.raises(RuntimeError), staged_output(out, "prepare") as staging:
        staging.put("a.pdf", b"new")
        raise RuntimeError("a form failed halfway")
    assert digest(out) == before and not list(tmp_path.glob(".hoso-*"))
    with staged_output(out, "prepare") as staging:
        assert staging.put("a.pdf", b"new").read_bytes() == b"new"
        with pytest.raises(ValueError):
            staging.put("a.pdf", b"twice")
        assert digest(out) == before  # nothing replaced before the block ends
    assert {name: (out / name).read_bytes() for name in ("a.pdf", "ghi-chu.txt")} == {
        "a.pdf": b"new", "ghi-chu.txt": "của người dùng".encode()}
    assert not (out / "b.pdf").exists()
    assert not list(tmp_path.glob(".hoso-*"))


def test_every_file_is_on_disk_before_the_swap(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The files are synced together (threads) once written, all before the renames."""
    from pipeline import output

    events: list[str] = []
    real_fsync, real_swap = os.fsync, output._swap

    def fsync(descriptor: int) -> None:
        events.append("sync " + Path(os.readlink(f"/proc/self/fd/{descriptor}")).name)
        real_fsync(descriptor)

    def swap(target: Path, staging: Path) -> None:
        events.append("swap")
        real_swap(target, staging)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(output, "_swap", swap)
    files = {f"mau/{n:03}.pdf": b"%PDF- " + bytes([n]) for n in range(40)}
    write_owned(tmp_path / "out", files, "build")
    synced = {e.removeprefix("sync ") for e in events[:events.index("swap")]}
    assert {Path(name).name for name in files} <= synced
    assert all((tmp_path / "out" / n).read_bytes() == data for n, data in files.items())


def test_an_unchanged_file_is_linked_not_written_again(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild keeps the very file (same inode, same date) of an output whose bytes did
    not change, and writes the others anew; nothing else may share a kept file."""
    from pipeline import output

    out = tmp_path / "out"
    write_owned(out, {"mau/a.pdf": b"same", "mau/b.pdf": b"old", "ho-so.pdf": b"v1"}, "build")
    before = {name: (out / name).stat().st_ino for name in ("mau/a.pdf", "mau/b.pdf")}
    (out / "ho-so.pdf").write_bytes(b"v2")  # the user changed it: same size, other bytes
    synced: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(
        Path(os.readlink(f"/proc/self/fd/{fd}")).name), real_fsync(fd))[1])
    write_owned(out, {"mau/a.pdf": b"same", "mau/b.pdf": b"new", "ho-so.pdf": b"v1"}, "build")
    assert (out / "mau" / "a.pdf").stat().st_ino == before["mau/a.pdf"]
    assert (out / "mau" / "b.pdf").stat().st_ino != before["mau/b.pdf"]
    assert {n: (out / n).read_bytes() for n in ("mau/a.pdf", "mau/b.pdf", "ho-so.pdf")} \
        == {"mau/a.pdf": b"same", "mau/b.pdf": b"new", "ho-so.pdf": b"v1"}
    assert "a.pdf" not in synced and {"b.pdf", "ho-so.pdf"} <= set(synced)
    assert all((out / n).stat().st_nlink == 1 for n in ("mau/a.pdf", "mau/b.pdf"))
    assert output.Staging(tmp_path).previous is None  # a caller's own staging links nothing


def test_a_link_in_the_output_is_never_followed_to_reuse_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_owned(out, {"mau/a.pdf": b"mine", "b.pdf": b"x"}, "build")
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"mine")
    (out / "mau" / "a.pdf").unlink()
    (out / "mau" / "a.pdf").symlink_to(elsewhere)
    (out / "b.pdf").unlink()
    os.link(elsewhere, out / "b.pdf")  # a hard link is the same file: its bytes decide
    write_owned(out, {"mau/a.pdf": b"mine", "b.pdf": b"mine"}, "build")
    assert not (out / "mau" / "a.pdf").is_symlink()
    assert (out / "mau" / "a.pdf").read_bytes() == b"mine"
    assert (out / "mau" / "a.pdf").stat().st_ino != elsewhere.stat().st_ino
    assert elsewhere.read_bytes() == b"mine"


def test_a_signal_during_the_swap_acts_once_the_new_folder_is_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C as the new folder is swapped in waits until it is in and the caller has
    heard so (`committed`), then acts: never an interrupt that leaves OUT half swapped,
    or a caller told "stopped" with no chance to know that OUT is new."""
    from pipeline import output

    out = tmp_path / "out"
    write_owned(out, {"a.txt": b"1"}, "build")
    real_swap = output._swap

    def swap_interrupted(target: Path, staging: Path) -> None:
        signal.raise_signal(signal.SIGINT)  # Ctrl-C as the swap starts
        real_swap(target, staging)

    monkeypatch.setattr(output, "_swap", swap_interrupted)
    heard: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        write_owned(out, {"a.txt": b"2"}, "build", committed=lambda: heard.append("new"))
    assert heard == ["new"] and (out / "a.txt").read_bytes() == b"2"
    assert not list(tmp_path.glob(".hoso-*"))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_command_is_past_stopping_once_its_output_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C that comes as `hoso build` swaps its output in is too late to stop it:
    the command ends as it would have (exit 0, its report), rather than saying that the
    old folder is unchanged when the new one is in."""
    from pipeline import output

    real_swap = output._swap

    def swap_interrupted(target: Path, staging: Path) -> None:
        signal.raise_signal(signal.SIGINT)
        real_swap(target, staging)

    monkeypatch.setattr(output, "_swap", swap_interrupted)
    handlers = {n: signal.getsignal(n) for n in (signal.SIGINT, signal.SIGTERM)}
    try:
        code, text = run("-q", "build", str(QD366), "-o", str(tmp_path / "out"))
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert code == 0 and "Đã dừng" not in text
    assert (tmp_path / "out" / "ho-so.pdf").is_file()
