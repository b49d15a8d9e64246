"""The `hoso` command: parse arguments, call the library, map exceptions to exit codes.

Exit codes (interface.md): 0 done and complete, 1 written but incomplete / some results
need a decision, 2 bad input or usage (nothing written). 3 means a bug in hoso itself.
No traceback is shown unless -v is given.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from pipeline import __version__
from pipeline.clivi import install as install_vietnamese_messages
from pipeline.errors import HosoError, InputError, UnreadableDossierError, UsageError
from pipeline.model import UnitType
from pipeline.output import HELD_SIGNALS, restore_handlers
from pipeline.paths import DEFAULT_SAMPLE
from pipeline.profiles import DEFAULT_PROFILE, available_profiles
from pipeline.progress import Progress, ProgressBar, ProgressCallback, silent

if TYPE_CHECKING:
    from pipeline.dossier import BuildResult
    from pipeline.watch import Workshop

install_vietnamese_messages()

INTERNAL_ERROR = 3
INTERRUPTED = 130  # 128 + SIGINT
TERMINATED = 143  # 128 + SIGTERM


class Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C so every `finally` (the staging folder) runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def _interrupted(error: BaseException) -> type[BaseException] | None:
    """KeyboardInterrupt or Terminated somewhere in the chain of `error`, if any."""
    seen: BaseException | None = error
    for _ in range(20):
        if seen is None:
            return None
        if isinstance(seen, KeyboardInterrupt | Terminated):
            return type(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def entry() -> None:
    """The `hoso` command: Ctrl-C and SIGTERM at any moment end with 130 / 143 and one
    line, never a traceback (click alone would print "Aborted!" and exit 1)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = main(standalone_mode=False)
    except SystemExit as done:  # each command ends so (_act)
        code = done.code
    except click.ClickException as error:  # a usage error: exit 2 with click's message
        error.show()
        code = error.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):  # click turns Ctrl-C into Abort
        click.echo("Đã dừng (Ctrl-C).", err=True)
        code = INTERRUPTED
    except Terminated:
        click.echo("Đã dừng (SIGTERM).", err=True)
        code = TERMINATED
    if isinstance(code, str):  # as Python ends with sys.exit("…")
        click.echo(code, err=True)
    leave(code if isinstance(code, int) else 1 if code else 0)


def leave(code: int) -> NoReturn:
    """End the process now that its work is done: what it wrote is written and synced,
    its renderers have ended. Python's own ending frees every object of the build one by
    one (0.07 s of a one-member rebuild of the đảng bộ sample, 0.1 s of 1,000 members');
    the streams are flushed and the log handlers closed first. A process with a child
    or a thread still running ends as Python ends it, which waits for them."""
    processes = sys.modules.get("multiprocessing")
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if others or (processes is not None and processes.active_children()):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a reader gone away (hoso … | head)
            stream.flush()
    if "logging" in sys.modules:  # loaded by a library, its handlers flushed
        sys.modules["logging"].shutdown()
    os._exit(code)


def _run(verbose: bool, action: Callable[[], int]) -> None:
    with _signals_restored():
        _act(verbose, action)


@contextmanager
def _signals_restored() -> Iterator[None]:
    """Ctrl-C and SIGTERM handled afterwards as before: a command past stopping ignored
    them (`_past_stopping`)."""
    handlers = {number: signal.getsignal(number) for number in HELD_SIGNALS}
    try:
        yield
    finally:
        restore_handlers(handlers)


def _report_error(error: HosoError, verbose: bool) -> None:
    for line in error.lines():
        click.echo(f"Lỗi: {line}", err=True)
    if verbose:
        traceback.print_exc()


def _act(verbose: bool, action: Callable[[], int]) -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = action()
    except HosoError as error:
        _report_error(error, verbose)
        sys.exit(error.exit_code)
    except BrokenPipeError:  # the reader went away (hoso score … | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)
    except KeyboardInterrupt:
        click.echo("Đã dừng (Ctrl-C); thư mục kết quả cũ (nếu có) không bị thay đổi.",
                   err=True)
        sys.exit(INTERRUPTED)
    except Terminated:
        click.echo("Đã dừng (SIGTERM); thư mục kết quả cũ (nếu có) không bị thay đổi.",
                   err=True)
        sys.exit(TERMINATED)
    except Exception as error:
        cause = _interrupted(error)  # Ctrl-C inside a library's cleanup surfaces as its error
        if cause is not None:
            click.echo("Đã dừng; thư mục kết quả cũ (nếu có) không bị thay đổi.", err=True)
            sys.exit(TERMINATED if cause is Terminated else INTERRUPTED)
        # a bug: say so plainly, show details only with -v
        click.echo(f"Lỗi trong hoso ({type(error).__name__}: {error}). Chạy lại với -v để "
                   "xem chi tiết và báo cho người phát triển.", err=True)
        if verbose:
            traceback.print_exc()
        sys.exit(INTERNAL_ERROR)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hoso")
@click.option("-v", "--verbose", is_flag=True, help="Hiện chi tiết lỗi (traceback).")
@click.option("-q", "--quiet", is_flag=True,
              help="Không hiện thanh tiến độ (chỉ hiện khi chạy trong cửa sổ lệnh).")
@click.pass_context
def main(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    """hoso: hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng tổ chức cơ sở đảng."""
    ctx.obj = {"verbose": verbose, "quiet": quiet}


@contextmanager
def progress_bar(ctx: click.Context) -> Iterator[ProgressCallback]:
    """The progress bar on stderr, when it is a terminal and -q was not given; with it or
    without, a command whose output is written can no longer be stopped (`_past_stopping`)."""
    bar = silent if ctx.obj["quiet"] else ProgressBar(sys.stderr)

    def hear(progress: Progress) -> None:
        bar(progress)
        if progress.stage == "write" and progress.done == progress.total:
            _past_stopping()

    try:
        yield hear
    finally:
        if isinstance(bar, ProgressBar):
            bar.close()


def _past_stopping() -> None:
    """The new output folder is in place (the library says so while Ctrl-C and SIGTERM
    wait, pipeline/output.py): from now on they are ignored, so the command ends as it
    would have, instead of saying "Đã dừng … thư mục kết quả cũ không bị thay đổi"."""
    for number in HELD_SIGNALS:
        signal.signal(number, signal.SIG_IGN)


@main.command()
@click.argument("unit_dir", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Thư mục kết quả (mặc định out/<tên-đơn-vị>-<năm>).")
@click.option("--profile", default=None,
              help=f"Bộ quy định áp dụng ({', '.join(available_profiles())}); mặc định theo "
                   "quy_dinh trong don-vi.yaml, nếu không có thì theo năm đánh giá.")
@click.option("--jobs", default=0, type=click.IntRange(0, 64),
              help="Số tiến trình dựng PDF song song (mặc định: tự chọn theo số nhân CPU).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Dựng lại mọi mẫu, không dùng bộ nhớ đệm các mẫu đã dựng.")
@click.option("--ky", "--sign", "p12", type=click.Path(path_type=Path),
              help="Ký số ho-so.pdf bằng chứng thư số của đơn vị (tệp .p12/.pfx); mật khẩu "
                   "lấy từ biến môi trường HOSO_MAT_KHAU.")
@click.option("--theo-doi", "--watch", "watch", is_flag=True,
              help="Dựng xong thì theo dõi thư mục đơn vị: mỗi lần lưu một tệp, hồ sơ được "
                   "dựng lại ngay (chỉ các mẫu có thay đổi). Nhấn Ctrl-C để dừng.")
@click.pass_context
def build(ctx: click.Context, unit_dir: Path | None, out: Path | None, profile: str | None,
          jobs: int, no_cache: bool, p12: Path | None, watch: bool) -> None:
    """Dựng tập hồ sơ PDF (và các mẫu PDF, DOCX) từ thư mục đơn vị.

    Không ghi UNIT_DIR thì dựng hồ sơ mẫu đi kèm (chi bộ cơ sở).
    """
    from pipeline.dossier import build as build_dossier

    def action() -> int:
        if watch:
            if p12 is not None:
                raise UsageError("--theo-doi không dùng cùng --ky: ký số bản cuối cùng bằng "
                                 "một lệnh hoso build riêng")
            return _watch_builds(ctx, unit_dir or DEFAULT_SAMPLE, out, profile, jobs,
                                 not no_cache)
        sign = None
        if p12 is not None:
            from pipeline.dossier import SignWith

            if not p12.is_file():
                raise UsageError(f"{p12}: không có tệp chứng thư số này")
            secret = os.environ.get("HOSO_MAT_KHAU")
            sign = SignWith(p12, secret.encode("utf-8") if secret is not None else None)
        with progress_bar(ctx) as progress:
            result = build_dossier(unit_dir or DEFAULT_SAMPLE, out, profile, jobs, sign,
                                   progress, use_cache=not no_cache)
        _report_build(result)
        return result.exit_code

    _run(ctx.obj["verbose"], action)


def _report_build(result: BuildResult) -> None:
    for line in result.report:
        click.echo(line)
    click.echo(f"Đã ghi: {result.out}/ho-so.pdf ({result.pages} trang), ho-so.json, "
               "bao-cao.txt, mau/")


def _watch_builds(ctx: click.Context, unit_dir: Path, out: Path | None,
                  profile: str | None, jobs: int, use_cache: bool) -> int:
    """`hoso build --theo-doi`: build, then build again after each saved change, with
    renderers kept between builds (pipeline/watch.py), until Ctrl-C. An error in the
    input is reported and waits for the next save; Ctrl-C between builds ends with 0,
    Ctrl-C during a build as any build does (130, the old output left as it was)."""
    from pipeline.watch import Workshop, changes, snapshot

    if not unit_dir.is_dir():  # a mistyped folder: nothing to watch
        raise UsageError(f"{unit_dir}: không có thư mục đơn vị này")
    with Workshop(jobs, use_cache) as shop:
        before = snapshot(unit_dir)  # a file saved while the first build runs is seen
        _watched_build(ctx, shop, unit_dir, out, profile, first=True)
        watching = changes(unit_dir, since=before)
        while True:
            try:  # between builds: Ctrl-C or SIGTERM from here on only ends the watch
                shop.tidy()  # while the clerk reads, not when they save next
                click.echo(f"Đang theo dõi {unit_dir}: lưu một tệp là hồ sơ được dựng lại. "
                           "Nhấn Ctrl-C để dừng.", err=True)
                touched = next(watching)
            except (KeyboardInterrupt, StopIteration):
                click.echo("Đã dừng theo dõi.", err=True)
                return 0
            except Terminated:
                click.echo("Đã dừng theo dõi (SIGTERM).", err=True)
                return TERMINATED
            more = f" và {len(touched) - 3} tệp khác" if len(touched) > 3 else ""
            click.echo(f"[{time.strftime('%H:%M:%S')}] Có thay đổi: "
                       f"{', '.join(touched[:3])}{more}. Dựng lại…", err=True)
            _watched_build(ctx, shop, unit_dir, out, profile)


def _watched_build(ctx: click.Context, shop: Workshop, unit_dir: Path, out: Path | None,
                   profile: str | None, first: bool = False) -> None:
    """One build of the watch. An error in the data is reported, and the next save
    builds again; any other error in the first build (the output folder refused, an
    unknown profile) ends the command as it ends `hoso build`: no save would fix it."""
    start = time.perf_counter()
    # Once the output is written the build ignores Ctrl-C and SIGTERM (`_past_stopping`):
    # its report is printed whole, then the watch takes them back.
    with _signals_restored():
        try:
            with progress_bar(ctx) as progress:
                result = shop.build(unit_dir, out, profile, progress)
            _report_build(result)
            seconds = f"{time.perf_counter() - start:.2f}".replace(".", ",")
            click.echo(f"Dựng trong {seconds} giây.", err=True)
        except HosoError as error:
            if first and not isinstance(error, InputError):
                raise
            _report_error(error, ctx.obj["verbose"])
            click.echo("Sửa xong và lưu lại: hồ sơ sẽ được dựng lại.", err=True)


@main.command()
@click.argument("unit_dir", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Thư mục kết quả (mặc định out/<tên-đơn-vị>-<năm>/chuan-bi).")
@click.option("--profile", default=None,
              help=f"Bộ quy định áp dụng ({', '.join(available_profiles())}); mặc định theo "
                   "quy_dinh trong don-vi.yaml, nếu không có thì theo năm đánh giá.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Dựng lại mọi mẫu, không dùng bộ nhớ đệm các mẫu đã dựng.")
@click.option("--quy", "quarter", type=click.IntRange(1, 4), default=None,
              help="Chỉ in Mẫu 05 tự đánh giá của quý này (1–4), vào chuan-bi-quy-<quý>; "
                   "điểm đã có trong tu-danh-gia-quy được in sẵn.")
@click.pass_context
def prepare(ctx: click.Context, unit_dir: Path | None, out: Path | None,
            profile: str | None, no_cache: bool, quarter: int | None) -> None:
    """In sẵn các mẫu phát trước hội nghị: bản kiểm điểm, phiếu biểu quyết, phiếu 3-213.

    Không cần kết quả bỏ phiếu. Không ghi UNIT_DIR thì dùng hồ sơ mẫu đi kèm.
    """
    from pipeline.dossier import prepare as prepare_forms

    def action() -> int:
        with progress_bar(ctx) as progress:
            result = prepare_forms(unit_dir or DEFAULT_SAMPLE, out, profile, progress=progress,
                                   use_cache=not no_cache, quarter=quarter)
        for line in result.files if ctx.obj["verbose"] else result.summary():
            click.echo(f"  {line}")
        click.echo(f"Đã ghi {len(result.files)} tệp (PDF và Word) vào {result.out}/"
                   + ("" if ctx.obj["verbose"] else "; hoso -v prepare … liệt kê từng tệp"))
        return 0

    _run(ctx.obj["verbose"], action)


@main.command()
@click.argument("csv_file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def tally(ctx: click.Context, csv_file: Path, fmt: str) -> None:
    """Tổng hợp phiếu biểu quyết theo nguyên tắc cộng dồn trên 50% tổng số."""
    from pipeline.ballots import all_decided, tally_file

    def action() -> int:
        results = tally_file(csv_file)
        if fmt == "json":
            click.echo(json.dumps([r.as_json() for r in results], ensure_ascii=False,
                                  indent=2))
        else:
            for r in results:
                click.echo(_tally_line(r))
        return 0 if all_decided(results) else 1

    _run(ctx.obj["verbose"], action)


def _tally_line(r: Any) -> str:
    from pipeline.levels import LEVELS

    result = r.result
    votes = ", ".join(f"{lv.name} {result.notation(lv)}" for lv in LEVELS)
    if result.level is not None:
        outcome = f"{result.level.name} ({result.level.full_name})"
    elif result.candidates:
        a, b = result.candidates
        outcome = f"CẦN NGƯỜI ĐỨNG ĐẦU QUYẾT ĐỊNH giữa {a.name} và {b.name}"
    else:
        outcome = "KHÔNG HỢP LỆ: không mức nào được trên 50% tổng số"
    return f"{r.name}: {outcome} [{votes}]"


@main.command()
@click.argument("csv_file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True,
              help="Bộ quy định cho các ngưỡng điểm (phải chấm theo điểm).")
@click.pass_context
def score(ctx: click.Context, csv_file: Path, fmt: str, profile: str) -> None:
    """Xếp loại theo điểm và điều kiện hoàn thành nhiệm vụ (Quy định 366, Điều 11)."""
    from pipeline.profiles import load_profile
    from pipeline.scoring import score_file

    def action() -> int:
        rules = load_profile(profile).rules
        if not rules.scored:
            raise UsageError(f"bộ quy định «{profile}» không xếp loại theo điểm; dùng "
                             f"{DEFAULT_PROFILE}")
        rows = score_file(csv_file, rules.score)
        if fmt == "json":
            click.echo(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
        else:
            for r in rows:
                click.echo(_score_line(r))
        return 0 if all(r.outcome.determined for r in rows) else 1

    _run(ctx.obj["verbose"], action)


def _score_line(r: Any) -> str:
    from pipeline.scoring import points

    outcome = r.outcome
    level = outcome.level
    head = (f"{level.name} ({level.full_name})" if level
            else "CHƯA XÁC ĐỊNH: cấp có thẩm quyền xem xét, quyết định")
    why = f" — {'; '.join(outcome.reasons)}" if outcome.reasons else ""
    return f"{r.name}: {points(outcome.total)} điểm, {head}{why}"


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--tin-cay", "--trust", "trust", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Chứng thư gốc (PEM/DER) mà nơi nhận tin cậy, để xác minh người ký.")
@click.option("--bat-buoc-ky", "--require-signature", "require_signature", is_flag=True,
              help="Hồ sơ không có chữ ký số hợp lệ thì coi là chưa đạt (mã thoát 1).")
@click.pass_context
def check(ctx: click.Context, path: Path, fmt: str, trust: tuple[Path, ...],
          require_signature: bool) -> None:
    """Kiểm tra hồ sơ nhận được (tệp PDF) hoặc thư mục đơn vị: đủ, đúng thứ tự, không bị sửa."""
    from pipeline.check import check_path

    def action() -> int:
        roots = tuple(root.read_bytes() for root in trust)
        report = check_path(path, trust_roots=roots, require_signature=require_signature)
        if fmt == "json":
            click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        else:
            for line in report.lines():
                click.echo(line)
        return report.exit_code

    _run(ctx.obj["verbose"], action)


@main.command()
@click.argument("pdf", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Thư mục ảnh xem trước (mặc định <tên-tệp>-xem-truoc/).")
@click.option("--changed-since", type=click.Path(path_type=Path),
              help="Chỉ hiện các trang khác với bản dựng trước (tệp PDF cũ).")
@click.pass_context
def preview(ctx: click.Context, pdf: Path, out: Path | None,
            changed_since: Path | None) -> None:
    """Ảnh PNG từng trang và trang index.html để xem lại hồ sơ (ví dụ trong CI)."""
    from pipeline.preview import preview as make_preview

    def action() -> int:
        if not pdf.is_file():
            raise UnreadableDossierError(f"{pdf}: không có tệp này")
        if changed_since is not None and not changed_since.is_file():
            raise UnreadableDossierError(f"{changed_since}: không có tệp này")
        target = out or pdf.with_name(pdf.stem + "-xem-truoc")
        result = make_preview(pdf, target, changed_since)
        extra = "" if result.changed is None else f", {result.changed} trang thay đổi"
        click.echo(f"Đã ghi {result.shown} ảnh trang{extra}: {target}/index.html")
        return 0

    _run(ctx.obj["verbose"], action)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--type", "kind", required=True,
              type=click.Choice([t.value for t in UnitType]),
              help="Loại tổ chức cơ sở đảng.")
@click.option("--year", type=int, help="Năm đánh giá (mặc định năm nay).")
@click.option("--quy-dinh", "regime", type=click.Choice(available_profiles()),
              help="Bộ quy định (mặc định theo năm đánh giá).")
@click.option("--csv", "csv_files", is_flag=True,
              help="Mỗi bảng một tệp CSV thay cho sổ Excel du-lieu.xlsx.")
@click.pass_context
def init(ctx: click.Context, folder: Path, kind: str, year: int | None,
         regime: str | None, csv_files: bool) -> None:
    """Tạo thư mục đơn vị trống, có chú thích, để điền dữ liệu."""
    from pipeline.scaffold import init_unit

    def action() -> int:
        written = init_unit(folder, UnitType(kind), year, regime, csv_files)
        click.echo(f"Đã tạo {folder}/ với {len(written)} tệp. Đọc {folder}/HUONG-DAN.txt, "
                   f"điền dữ liệu rồi chạy: hoso build {folder}")
        return 0

    _run(ctx.obj["verbose"], action)


def default_data() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get("HOSO_DATA_DIR") or user_data_dir("hoso", appauthor=False))


@main.command()
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục dữ liệu của ứng dụng (cơ sở dữ liệu, đơn vị, hồ sơ nhận được); "
                   "mặc định thư mục dữ liệu của người dùng.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Địa chỉ lắng nghe. Khác 127.0.0.1 thì phải đăng nhập (tạo tài khoản bằng "
                   "hoso account add).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def serve(ctx: click.Context, data: Path | None, host: str, port: int) -> None:
    """Chạy ứng dụng web: văn phòng đơn vị dựng hồ sơ, nơi nhận ghi sổ nhận hồ sơ."""

    def action() -> int:
        import uvicorn

        from pipeline.web.app import create_app
        from pipeline.web.base import Settings
        from pipeline.web.security import is_loopback

        settings = Settings(data or default_data(), host=host)
        app = create_app(settings)
        if not is_loopback(host) and not app.state.hoso.store.accounts():
            raise UsageError(f"--host {host} cho máy khác truy cập nên phải đăng nhập, mà "
                             f"chưa có tài khoản nào trong {settings.data}: tạo bằng «hoso "
                             "account add TÊN --role clerk|receiver» trước")
        where = "chỉ máy này" if is_loopback(host) else "mọi máy trong mạng, phải đăng nhập"
        click.echo(f"hoso: http://{host}:{port}/ ({where}); dữ liệu ở {settings.data}. "
                   "Ctrl-C để dừng.", err=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
        return 0

    _run(ctx.obj["verbose"], action)


@main.group()
def account() -> None:
    """Tài khoản đăng nhập của ứng dụng web (khi chạy hoso serve --host khác 127.0.0.1)."""


@account.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["clerk", "receiver"]), required=True,
              help="clerk: văn phòng đơn vị (chỉ thấy đơn vị của mình); receiver: nơi nhận.")
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục dữ liệu (như hoso serve --data).")
@click.pass_context
def account_add(ctx: click.Context, username: str, role: str, data: Path | None) -> None:
    """Tạo tài khoản; mật khẩu hỏi trên màn hình hoặc lấy từ biến HOSO_MAT_KHAU_TAI_KHOAN."""

    def action() -> int:
        import sqlite3
        from datetime import datetime

        from pipeline.web.security import hash_password
        from pipeline.web.store import Store

        password = os.environ.get("HOSO_MAT_KHAU_TAI_KHOAN") or click.prompt(
            "Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
        try:
            hashed = hash_password(password)
        except ValueError as error:
            raise UsageError(str(error)) from None
        folder = data or default_data()
        folder.mkdir(parents=True, exist_ok=True)
        store = Store(folder)
        try:
            store.add_account(username, hashed, role, datetime.now().astimezone())
        except sqlite3.IntegrityError:
            raise UsageError(f"đã có tài khoản «{username}»") from None
        finally:
            store.close()
        click.echo(f"Đã tạo tài khoản {username} ({role}) trong {folder}.")
        return 0

    _run(ctx.obj["verbose"], action)


if __name__ == "__main__":
    entry()
