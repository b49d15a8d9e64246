"""Turn a request into what the handlers share: the app's state, the user, the form, the
uploaded bytes, the unit of the URL, and the responses they send back."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from pipeline.paths import ROOT
from pipeline.web.files import LIMITS, MB, BlobStore, UploadRefused
from pipeline.web.jobs import Clock, JobRunner, UnitPaths
from pipeline.web.register import when
from pipeline.web.security import (
    LOCAL_USER,
    Throttle,
    User,
    csrf_ok,
    csrf_token,
    is_loopback,
)
from pipeline.web.store import Store, UnitRow

WEB = ROOT / "templates" / "web"
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Settings:
    data: Path
    host: str = "127.0.0.1"
    clock: Clock = field(default=lambda: datetime.now().astimezone())
    limits: dict[str, int] = field(default_factory=lambda: dict(LIMITS))

    @property
    def accounts(self) -> bool:
        """Anyone but this machine can reach the app: every request needs a login."""
        return not is_loopback(self.host)


class App:
    """What the handlers share: settings, the store, the job runner, the templates."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.data)
        self.store.fail_abandoned_jobs(settings.clock())
        self.jobs = JobRunner(self.store, settings.clock)
        self.blobs = BlobStore(settings.data / "nhan")
        self.logins = Throttle()
        self.pages = Environment(loader=FileSystemLoader(WEB), autoescape=select_autoescape(
            default=True, default_for_string=True), trim_blocks=True, lstrip_blocks=True)
        self.pages.filters["when"] = when
        self.pages.filters["day"] = lambda d: d.strftime("%d/%m/%Y") if d else ""
        self.pages.filters["place"] = place

    def unit_paths(self, unit_id: int) -> UnitPaths:
        return UnitPaths(self.settings.data / "don-vi" / str(unit_id))

    def user(self, request: Request) -> User | None:
        if not self.settings.accounts:
            return LOCAL_USER
        account_id = request.session.get("account")
        account = self.store.account(id=account_id) if isinstance(account_id, int) else None
        return User(account) if account else None

    def page(self, request: Request, name: str, code: int = 200, **context: Any) -> Response:
        user = self.user(request)
        flash = request.session.pop("flash", [])
        html = self.pages.get_template(name).render(
            request=request, user=user, accounts=self.settings.accounts,
            csrf=csrf_token(request.session), flash=flash, **context)
        return HTMLResponse(html, status_code=code)


def place(where: str) -> tuple[str, str]:
    """A problem's location split for the table: ("dòng 5", "«Ngày sinh»")."""
    match = re.fullmatch(r"(dòng \d+)(?:, cột (.+))?", where)
    return (match.group(1), match.group(2) or "") if match else ("", where)


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "text": message})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# access -------------------------------------------------------------------------------
def guarded(role: str | None = None) -> Callable[[Handler], Handler]:
    """Login (when accounts are on), the role, and the CSRF token of every POST."""

    def wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            app: App = request.app.state.hoso
            user = app.user(request)
            if user is None:
                if request.method == "GET":
                    return redirect(f"/dang-nhap?tiep={request.url.path}")
                raise HTTPException(401, "Cần đăng nhập.")
            if role is not None and not user.can(role):
                raise HTTPException(403, "Tài khoản này không có quyền xem trang này.")
            if request.method == "POST":
                await check_csrf(request)
            request.state.user = user
            return await handler(request)

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap


async def check_csrf(request: Request) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        sent = text_field((await form(request)).get("csrf"))
    if not csrf_ok(request.session, sent):
        raise HTTPException(403, "Mã chống giả mạo (CSRF) thiếu hoặc sai; hãy tải lại trang "
                                 "rồi làm lại.")


async def form(request: Request) -> FormData:
    return await request.form(max_files=50, max_fields=200)


def text_field(value: object, limit: int = 500) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


async def upload(request: Request, purpose: str, field_name: str = "tep") -> bytes:
    """The uploaded file's bytes, refused (UploadRefused) past the purpose's size limit."""
    part = (await form(request)).get(field_name)
    if not isinstance(part, UploadFile):
        raise UploadRefused("chưa chọn tệp")
    limit = request.app.state.hoso.settings.limits[purpose]
    data = await part.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(f"tệp quá lớn (tối đa {size_text(limit)})")
    return data


def size_text(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB else f"{limit // 1024} KB"


def owned_unit(request: Request) -> tuple[UnitRow, UnitPaths]:
    """The unit of the URL, if this user may see it (404 otherwise, not 403: a clerk does
    not learn which other units exist)."""
    app: App = request.app.state.hoso
    try:
        unit_id = int(request.path_params["unit"])
    except ValueError:
        raise HTTPException(404) from None
    unit = app.store.unit(unit_id)
    if unit is None or not request.state.user.owns(unit.owner_id):
        raise HTTPException(404, "Không có đơn vị này.")
    return unit, app.unit_paths(unit.id)


def zip_folder(folder: Path, pattern: str) -> bytes:
    """The files of `folder` matching `pattern` in one zip, equal bytes for equal files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob(pattern)):
            if path.is_file() and not path.name.startswith("."):
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(),
                                       date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def attachment(data: bytes | Path, name: str, media_type: str) -> Response:
    """A download, never displayed inline by the browser."""
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if isinstance(data, Path):
        return FileResponse(data, media_type=media_type, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def refused(request: Request, error: UploadRefused, back: str) -> Response:
    flash(request, f"Không nhận tệp: {error}", "error")
    return redirect(back)
