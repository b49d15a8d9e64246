"""Turn a finished set of output files into the OUT folder, all at once or not at all,
without ever touching a file hoso did not write.

Ownership. A command writes only into a folder that is absent, empty, or one hoso made
before: such a folder holds the marker `.hoso-ban-ke.json`, which lists, per command
(build, prepare, preview), the files that command wrote. Anything else in the folder (a
note the user put there, the `chuan-bi/` of `hoso prepare` inside a build's folder) is the
user's and survives every rebuild. A folder with files but no marker is refused, and so
is the unit folder itself, any folder inside it, or any folder above it.

Atomicity. The new folder is assembled beside OUT in a staging folder: the new files,
fsynced (or, where the command wrote the very same bytes before, hard links of its old
files), plus hard links (copies where links are impossible) of everything OUT holds
that this command does not own. Two renames then swap it in.
Killed at any moment, OUT is either the old folder or the new one; the next run puts
back an old folder left aside by a kill between the two renames and clears the staging
folders it recognises as its own. Ctrl-C and SIGTERM wait while the two renames are made
and the caller hears that OUT is new (`committed`): they act once that is said, never
between (`_signals_held`).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import HosoError

MARKER = ".hoso-ban-ke.json"
STAGING_PREFIX = ".hoso-tam-"  # staging folders beside OUT: .hoso-tam-<name>-<random>
OLD_PREFIX = ".hoso-cu-"  # the previous OUT during the swap: .hoso-cu-<name>-<random>
LEFTOVER_TAG = ".hoso-dang-ghi"  # inside a staging or old folder: it is hoso's own


class OutputError(HosoError):
    """The output folder cannot be used or written: nothing was changed (exit 2)."""

    exit_code = 2


REASONS = {
    errno.EACCES: "không có quyền ghi",
    errno.EPERM: "không có quyền ghi",
    errno.EROFS: "ổ đĩa chỉ đọc",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EDQUOT: "vượt hạn mức dung lượng",
    errno.ENAMETOOLONG: "đường dẫn hoặc tên tệp quá dài",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
    errno.EEXIST: "đã có một tệp cùng tên",
    errno.EISDIR: "đã có một thư mục cùng tên",
    errno.ENOENT: "không có thư mục này",
    errno.ELOOP: "đường dẫn có liên kết vòng",
    errno.EXDEV: "thư mục tạm và thư mục kết quả ở hai ổ đĩa khác nhau",
}


def os_message(error: OSError, path: Path | str | None = None) -> str:
    """One Vietnamese line for an OS error, naming the path."""
    where = path if path is not None else (error.filename or "")
    reason = REASONS.get(error.errno or 0, error.strerror or type(error).__name__)
    return f"{where}: {reason}"


@contextmanager
def os_errors(path: Path | str | None = None) -> Iterator[None]:
    """Turn any OSError inside into an OutputError: one line with the path, exit 2."""
    try:
        yield
    except OutputError:
        raise
    except OSError as error:
        name = str(error.filename or "")
        staged = STAGING_PREFIX in name or OLD_PREFIX in name
        raise OutputError(os_message(error, path if staged or not name else name)) \
            from error


def write_owned(out: Path, files: Mapping[str, bytes], command: str,
                forbidden: Path | None = None,
                committed: Callable[[], None] = lambda: None) -> None:
    """Replace what `command` wrote in `out` by exactly `files` (relative path → bytes),
    keep everything else; refuse a folder hoso does not own (OutputError). `committed`
    is called once `out` holds the new files (staged_output)."""
    with staged_output(out, command, forbidden, committed) as staging:
        for name in sorted(files):
            staging.put(name, files[name])


# Linking never follows a link, where the system can say so (Windows cannot: there the
# path was checked just before to involve none).
NO_FOLLOW = {"follow_symlinks": False} if os.link in os.supports_follow_symlinks else {}


class Staging:
    """The staging folder of one command: its files are written there one by one, as
    they are made, so a caller with many (the handouts of 1,000 members) never holds
    them all in memory.

    A file that the command wrote before into `previous` (the current OUT) with the
    same bytes is linked from there rather than written and synced again: a rebuild
    after one member's change rewrote all 775 files of a 3,000-member unit (3.7 s
    before, 3.3 s since); an unchanged file also keeps its date, and so it looks
    unchanged."""

    def __init__(self, folder: Path, previous: Path | None = None,
                 reusable: frozenset[str] = frozenset()) -> None:
        self.folder = folder
        self.previous = previous
        self.reusable = reusable
        self.names: list[str] = []

    def put(self, name: str, data: bytes) -> Path:
        """Write one output file; its path in the staging folder, to read it back."""
        self._check_name(name)
        if self._link_unchanged(name, data):
            return self.folder / name
        return self._write(name, lambda handle: handle.write(data))

    def write(self, name: str, fill: Callable[[BinaryIO], object]) -> Path:
        """Write one output file with `fill`, which writes into the open file."""
        self._check_name(name)
        return self._write(name, fill)

    def _write(self, name: str, fill: Callable[[BinaryIO], object]) -> Path:
        path = self.folder / name
        with os_errors(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                fill(handle)
                handle.flush()
                # One file after another: syncing in threads saved 0.07 s for the 276
                # files of a 1,000-member build, but each thread left glibc a 64 MiB
                # arena of address space, which the guarded parsers' limit counts.
                os.fsync(handle.fileno())
        self.names.append(name)
        return path

    def _check_name(self, name: str) -> None:
        if not _safe(name) or name in self.names:
            raise ValueError(f"tên tệp kết quả không hợp lệ hoặc trùng: {name}")

    def _link_unchanged(self, name: str, data: bytes) -> bool:
        """Link the previous file of this name if it holds exactly `data`. Only a
        regular file this command wrote, reached through no link (a user's symlink in
        OUT is never followed); any failure (FAT drives have no links) writes anew."""
        if self.previous is None or name not in self.reusable:
            return False
        old = self.previous / name
        try:
            if os.path.realpath(old) != str(old) or not old.is_file() \
                    or old.stat().st_size != len(data) or old.read_bytes() != data:
                return False
            destination = self.folder / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(old, destination, **NO_FOLLOW)
        except OSError:
            return False
        self.names.append(name)
        return True


@contextmanager
def staged_output(out: Path, command: str, forbidden: Path | None = None,
                  committed: Callable[[], None] = lambda: None) -> Iterator[Staging]:
    """A staging folder beside `out` to `put` the command's files into; when the block
    ends without an error, they replace what `command` wrote in `out` and everything
    else there is kept, and `committed` is called. On an error, or Ctrl-C before that,
    the staging folder is removed and `out` is untouched; killed, the next run removes
    it (recover_leftovers). A Ctrl-C or SIGTERM during the swap acts after `committed`:
    a caller that says "stopped, the old folder is unchanged" can stop listening then."""
    with os_errors(out):
        target = _absolute(out)
        check_target(target, forbidden)
        target.parent.mkdir(parents=True, exist_ok=True)
        recover_leftovers(target)
        staging = _new_staging(target)
        owned = read_marker(target)  # none when OUT is new
        previous = set(owned.get(command, []))
    try:
        files = Staging(staging, target, frozenset(previous))
        yield files
        with os_errors(out):
            owned[command] = sorted(files.names)
            _write_marker(staging, owned)
            if target.exists():
                _keep_foreign(target, staging, previous | set(files.names) | {MARKER})
            with _signals_held():
                _swap(target, staging)
                committed()
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def claim(out: Path, forbidden: Path | None = None) -> Path:
    """Check before any work that `out` may be written (OutputError otherwise); the
    absolute path is what the caller then writes."""
    with os_errors(out):
        target = _absolute(out)
        check_target(target, forbidden)
        target.parent.mkdir(parents=True, exist_ok=True)
        probe = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{target.name}-",
                                      dir=target.parent))  # can we write there at all?
        probe.rmdir()
    return target


def _absolute(path: Path) -> Path:
    """The absolute path, with `..` folded but the last link not followed (a link where
    OUT should be is refused by check_target, never written through)."""
    absolute = Path(os.path.abspath(path))
    return absolute.parent.resolve() / absolute.name


def check_target(target: Path, forbidden: Path | None) -> None:
    """Refuse an output folder hoso may not write: a file, a link, a folder with someone
    else's files, the unit folder, a folder inside it or above it."""
    if forbidden is not None:
        unit = forbidden.resolve()
        if target == unit or unit in target.parents or target in unit.parents:
            raise OutputError(f"{target}: không ghi kết quả vào thư mục đơn vị, thư mục con "
                              f"hay thư mục chứa nó ({unit}); hãy chọn -o ở chỗ khác")
    if target.is_symlink():
        raise OutputError(f"{target}: là một liên kết (symlink); hãy chọn một thư mục thật")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: đã có một tệp tên này; hãy chọn tên thư mục khác")
    for parent in target.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{parent}: là một tệp, không phải thư mục")
    if target.is_dir() and not _owned(target):
        raise OutputError(f"{target}: thư mục đã có tệp không do hoso tạo; hoso không ghi "
                          "vào đó để không mất tệp của bạn. Hãy chọn một thư mục trống "
                          "hoặc chưa có")


def _owned(folder: Path) -> bool:
    """Empty, marked as hoso's, or holding only folders that hoso made (the chuan-bi/ of
    `hoso prepare` before the first build)."""
    if (folder / MARKER).is_file():
        return True
    return all(entry.is_dir() and not entry.is_symlink() and _owned(entry)
               for entry in folder.iterdir())


def read_marker(target: Path) -> dict[str, list[str]]:
    """What each command wrote in `target`; a damaged marker owns nothing."""
    try:
        data = json.loads((target / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): [str(x) for x in v if isinstance(x, str) and _safe(x)]
            for k, v in files.items() if isinstance(v, list)}


def _safe(name: str) -> bool:
    """A marker entry names a file inside the folder, never outside it."""
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _new_staging(target: Path) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{target.name}-",
                                    dir=target.parent))
    (staging / LEFTOVER_TAG).write_text(str(os.getpid()), encoding="utf-8")
    return staging


def _write_marker(staging: Path, owned: dict[str, list[str]]) -> None:
    marker = {"tool": "hoso", "files": {k: owned[k] for k in sorted(owned)}}
    _write_synced(staging / MARKER, (json.dumps(marker, ensure_ascii=False, indent=1)
                                     + "\n").encode("utf-8"))


def _write_synced(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _keep_foreign(target: Path, staging: Path, ours: set[str]) -> None:
    """Link into the staging folder every file of `target` that is not ours."""
    for path in sorted(target.rglob("*")):
        relative = path.relative_to(target).as_posix()
        if relative in ours or (path.is_dir() and not path.is_symlink()):
            continue
        destination = staging / relative
        if destination.exists() or destination.is_symlink():
            continue  # a user's file where we now write: ours wins only if we wrote it
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            os.symlink(os.readlink(path), destination)
            continue
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)
    for path in sorted(target.rglob("*")):  # empty folders of the user's stay too
        if path.is_dir() and not path.is_symlink():
            (staging / path.relative_to(target)).mkdir(parents=True, exist_ok=True)


def _swap(target: Path, staging: Path) -> None:
    (staging / LEFTOVER_TAG).unlink()
    _sync_dir(staging)
    if not target.exists():
        staging.rename(target)
        _sync_dir(target.parent)
        return
    old = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{target.name}-", dir=target.parent))
    old.rmdir()
    target.rename(old)  # from here until the next rename, recover_leftovers restores it
    (old / LEFTOVER_TAG).write_text(str(os.getpid()), encoding="utf-8")
    staging.rename(target)
    _sync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)


HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then act as they would have (in
    the main thread only, where Python runs signal handlers: elsewhere they cannot
    interrupt the block anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    heard: list[int] = []

    def hold(number: int, _: object) -> None:
        heard.append(number)

    previous = {number: signal.signal(number, hold) for number in HELD_SIGNALS}
    try:
        yield
    finally:  # a handler the block set itself is kept
        restore_handlers({number: handler for number, handler in previous.items()
                          if signal.getsignal(number) is hold})
        if heard:
            signal.raise_signal(heard[0])


def restore_handlers(saved: Mapping[signal.Signals, Any]) -> None:
    """Put signal handlers back as `signal.getsignal` gave them (None: one set outside
    Python, taken as the default)."""
    for number, handler in saved.items():
        signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def _sync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def recover_leftovers(target: Path) -> None:
    """Undo what a killed run left beside `target`: put back the old folder if the kill
    came between the two renames, and remove staging folders marked as hoso's."""
    parent = target.parent
    if not parent.is_dir():
        return
    for prefix in (OLD_PREFIX, STAGING_PREFIX):
        for leftover in sorted(parent.glob(f"{prefix}{target.name}-*")):
            if not leftover.is_dir() or leftover.is_symlink():
                continue
            if prefix == OLD_PREFIX and not target.exists():
                (leftover / LEFTOVER_TAG).unlink(missing_ok=True)
                leftover.rename(target)
            elif prefix == OLD_PREFIX or (leftover / LEFTOVER_TAG).is_file() \
                    or (leftover / MARKER).is_file():
                shutil.rmtree(leftover, ignore_errors=True)
