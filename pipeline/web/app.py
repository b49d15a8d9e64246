"""Turn HTTP requests into calls of the library: the clerk's pages and the receipt desk.

`create_app(settings)` returns a Starlette application. It never calls the CLI: a unit
is a folder in the data folder that `pipeline.dossier` reads, a build is a job
(`pipeline.web.jobs`), a received dossier goes through `pipeline.check`. Pages are
server-rendered Jinja2 (autoescaped) from templates/web/, with one small script for
drag-and-drop and the progress bar; no CDN, nothing built with Node.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.web import clerk, desk
from pipeline.web.base import (
    WEB,
    App,
    Settings,
    check_csrf,
    flash,
    form,
    guarded,
    owned_unit,
    redirect,
    size_text,
    text_field,
)
from pipeline.web.files import MB
from pipeline.web.security import authenticate, session_secret
from pipeline.web.store import Busy

LOG = logging.getLogger("hoso.web")


class BodyLimit:
    """Refuse a request body larger than the largest upload before it is read whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.limit:
            response = PlainTextResponse(
                f"Tệp quá lớn (tối đa {size_text(self.limit)}).", status_code=413)
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, "Tệp quá lớn.")
            return message

        await self.app(scope, limited, send)


class SecurityHeaders:
    """Pages run only our own script; nothing is sniffed, framed or sent elsewhere."""

    HEADERS = (
        (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; "
         b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


# login --------------------------------------------------------------------------------
async def login_page(request: Request) -> Response:
    app: App = request.app.state.hoso
    if not app.settings.accounts:
        return redirect("/")
    if request.method == "GET":
        return app.page(request, "login.html", next=_next(request))
    await check_csrf(request)
    data = await form(request)
    name = text_field(data.get("ten"))
    if app.logins.blocked(name):
        return app.page(request, "login.html", code=429, next=_next(request),
                        error="Đăng nhập sai quá nhiều lần; hãy thử lại sau ít phút.")
    account = await run_in_threadpool(authenticate, app.store, name,
                                      text_field(data.get("mat_khau"), 1000))
    if account is None:
        app.logins.failed(name)
        return app.page(request, "login.html", code=401, next=_next(request),
                        error="Sai tên đăng nhập hoặc mật khẩu.")
    app.logins.succeeded(name)
    request.session.clear()  # a new session id for the signed-in user
    request.session["account"] = account.id
    target = _next(request)
    return redirect(target if target != "/" else
                    ("/nhan" if account.role == "receiver" else "/"))


def _next(request: Request) -> str:
    target = request.query_params.get("tiep", "/")
    return target if re.fullmatch(r"/[\w/.-]*", target) and "//" not in target else "/"


@guarded()
async def logout(request: Request) -> Response:
    request.session.clear()
    return redirect("/dang-nhap")


async def start_job(request: Request) -> Response:
    app: App = request.app.state.hoso
    unit, paths = owned_unit(request)
    kind = text_field((await form(request)).get("viec"))
    if kind not in {"build", "prepare"}:
        raise HTTPException(400)
    try:
        job_id = app.jobs.start(unit.id, kind, paths)
    except Busy:
        flash(request, "Đơn vị này đang dựng; chờ lần dựng đó xong rồi dựng lại.", "error")
        return redirect(f"/don-vi/{unit.id}")
    if request.headers.get("x-csrf-token"):
        return JSONResponse({"job": job_id})
    return redirect(f"/don-vi/{unit.id}#dung")


async def job_progress(request: Request) -> Response:
    app: App = request.app.state.hoso
    unit, _ = owned_unit(request)
    job = app.store.job(int(request.path_params["job"]))
    if job is None or job.unit_id != unit.id:
        raise HTTPException(404)
    return JSONResponse({"state": job.state, "percent": job.percent, "label": job.label,
                         "done": job.done, "total": job.total, "stage": job.stage,
                         "messages": list(job.messages)})


async def error_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    app: App = request.app.state.hoso
    message = error.detail if isinstance(error.detail, str) and error.status_code != 404 \
        else "Không có trang này."
    if request.headers.get("x-csrf-token") or request.url.path.endswith(".json"):
        return JSONResponse({"error": message}, status_code=error.status_code)
    return app.page(request, "error.html", code=error.status_code, message=message,
                    status_code=error.status_code)


SERVER_ERROR_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Lỗi chương trình</title></head>
<body><h1>Có lỗi trong chương trình</h1>
<p>Việc vừa làm chưa xong; những gì đã lưu trước đó không bị mất.
Hãy quay lại trang trước và thử lại. Nếu vẫn lỗi, báo cho người quản trị.</p>
<p><a href="/">Về trang đầu</a></p></body></html>"""


async def server_error(request: Request, error: Exception) -> Response:
    """Any error the app did not expect: a page in Vietnamese, never a traceback or
    Starlette's English; the log gets the error's kind and the path, no personal data."""
    LOG.error("lỗi chương trình (%s) ở %s %s", type(error).__name__, request.method,
              request.url.path)
    return HTMLResponse(SERVER_ERROR_PAGE, status_code=500, headers={
        "x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'"})


def create_app(settings: Settings) -> Starlette:
    app = App(settings)
    routes = [
        Route("/", guarded("clerk")(clerk.home), methods=["GET"]),
        Route("/dang-nhap", login_page, methods=["GET", "POST"]),
        Route("/dang-xuat", logout, methods=["POST"]),
        Route("/don-vi", guarded("clerk")(clerk.create_unit), methods=["POST"]),
        Route("/don-vi/zip", guarded("clerk")(clerk.create_from_zip), methods=["POST"]),
        Route("/don-vi/{unit}", guarded("clerk")(clerk.unit_page), methods=["GET"]),
        Route("/don-vi/{unit}/du-lieu.xlsx", guarded("clerk")(clerk.workbook),
              methods=["GET"]),
        Route("/don-vi/{unit}/du-lieu", guarded("clerk")(clerk.upload_workbook),
              methods=["POST"]),
        Route("/don-vi/{unit}/don-vi.yaml", guarded("clerk")(clerk.save_yaml),
              methods=["POST"]),
        Route("/don-vi/{unit}/dinh-kem", guarded("clerk")(clerk.add_scan), methods=["POST"]),
        Route("/don-vi/{unit}/dinh-kem/xoa", guarded("clerk")(clerk.remove_scan),
              methods=["POST"]),
        Route("/don-vi/{unit}/dung", guarded("clerk")(start_job), methods=["POST"]),
        Route("/don-vi/{unit}/tien-do/{job:int}", guarded("clerk")(job_progress),
              methods=["GET"]),
        Route("/don-vi/{unit}/ho-so", guarded("clerk")(clerk.browse), methods=["GET"]),
        Route("/don-vi/{unit}/trang/{page:int}.png", guarded("clerk")(clerk.page_image),
              methods=["GET"]),
        Route("/don-vi/{unit}/tai/{name}", guarded("clerk")(clerk.download),
              methods=["GET"]),
        Route("/nhan", guarded("receiver")(desk.board_page), methods=["GET"]),
        Route("/nhan/don-vi", guarded("receiver")(desk.add_expected), methods=["POST"]),
        Route("/nhan/nhap", guarded("receiver")(desk.import_register), methods=["POST"]),
        Route("/nhan/han", guarded("receiver")(desk.set_deadlines), methods=["POST"]),
        Route("/nhan/nop", guarded("receiver")(desk.receive), methods=["POST"]),
        Route("/nhan/so-nhan.xlsx", guarded("receiver")(desk.export), methods=["GET"]),
        Route("/nhan/{expected:int}", guarded("receiver")(desk.history), methods=["GET"]),
        Route("/nhan/tep/{submission:int}.pdf", guarded("receiver")(desk.received_file),
              methods=["GET"]),
        Mount("/tinh", StaticFiles(directory=WEB / "static"), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders),
                  Middleware(BodyLimit, limit=max(settings.limits.values()) + MB),
                  Middleware(SessionMiddleware, secret_key=session_secret(settings.data),
                             session_cookie="hoso_phien", same_site="lax",
                             https_only=settings.accounts, max_age=12 * 3600)]
    if not settings.accounts:  # only this machine's names: no DNS rebinding onto the app
        middleware.insert(0, Middleware(TrustedHostMiddleware,
                                        allowed_hosts=["127.0.0.1", "localhost", "[::1]"]))
    web = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: error_page, Exception: server_error})
    web.state.hoso = app
    return web


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(settings: Settings) -> Iterator[tuple[str, App]]:
    """The app served by uvicorn on a free loopback port in a thread of this process,
    for tests and the README's screenshots; yields its URL and shared state."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app.state.hoso
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.hoso.jobs.wait_all()
        app.state.hoso.store.close()
