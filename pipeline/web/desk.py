"""Turn the receipt desk's clicks into its register: expected units, deadlines, received
dossiers (checked, kept immutable, never overwritten) and the status board."""

from __future__ import annotations

import unicodedata
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from pipeline.web import register
from pipeline.web.base import App, attachment, flash, form, redirect, refused, text_field, upload
from pipeline.web.files import UploadRefused


async def board_page(request: Request) -> Response:
    app: App = request.app.state.hoso
    now = app.settings.clock()
    status = request.query_params.get("trang-thai", "")
    sort = request.query_params.get("xep", "ten")
    rows = register.board(app.store, now)
    year = register.review_year(now)
    return app.page(request, "desk.html", rows=register.filtered(rows, status, sort),
                    all_rows=rows, status=status, sort=sort, statuses=register.STATUS_NAMES,
                    kinds=register.KIND_NAMES, deadlines=register.deadlines(app.store, year),
                    year=year, verdicts=register.VERDICT_NAMES,
                    counts={s: sum(1 for r in rows if s in r.statuses)
                            for s in register.STATUS_NAMES})


async def add_expected(request: Request) -> Response:
    app: App = request.app.state.hoso
    data = await form(request)
    name = unicodedata.normalize("NFC", text_field(data.get("ten"), 200))
    kind = text_field(data.get("loai"))
    if not name or kind not in register.KIND_NAMES:
        flash(request, "Hãy ghi tên đơn vị và chọn loại.", "error")
        return redirect("/nhan")
    contact = unicodedata.normalize("NFC", text_field(data.get("lien_he"), 200))
    app.store.add_expected(name, kind, contact, app.settings.clock())
    flash(request, f"Đã thêm «{name}» vào sổ.")
    return redirect("/nhan")


async def import_register(request: Request) -> Response:
    app: App = request.app.state.hoso
    try:
        data = await upload(request, "register")
        rows, problems = await run_in_threadpool(register.read_register, data, "sổ tải lên")
    except UploadRefused as error:
        return refused(request, error, "/nhan")
    if problems:
        for problem in problems:
            flash(request, str(problem), "error")
        flash(request, "Chưa nhập dòng nào: sửa các lỗi trên rồi tải lên lại.", "error")
        return redirect("/nhan")
    now = app.settings.clock()
    for name, kind, contact in rows:
        app.store.add_expected(name, kind, contact, now)
    flash(request, f"Đã nhập {len(rows)} đơn vị vào sổ.")
    return redirect("/nhan")


async def set_deadlines(request: Request) -> Response:
    app: App = request.app.state.hoso
    data = await form(request)
    for kind in register.KIND_NAMES:
        text = text_field(data.get(kind))
        if not text:
            continue
        try:
            due = date.fromisoformat(text)
        except ValueError:
            flash(request, f"Hạn nộp «{text}» không phải một ngày.", "error")
            continue
        app.store.set_deadline(kind, due)
    flash(request, "Đã lưu hạn nộp.")
    return redirect("/nhan")


async def receive(request: Request) -> Response:
    app: App = request.app.state.hoso
    try:
        expected_id = int(text_field((await form(request)).get("don_vi")))
    except ValueError:
        expected_id = 0
    if app.store.expected_one(expected_id) is None:
        flash(request, "Hãy chọn đơn vị nộp hồ sơ trong sổ.", "error")
        return redirect("/nhan")
    try:
        data = await upload(request, "dossier")
        submission = await run_in_threadpool(
            register.receive, app.store, app.blobs, expected_id, data,
            request.state.user.name, app.settings.clock())
    except UploadRefused as error:
        return refused(request, error, "/nhan")
    flash(request, f"Đã nhận hồ sơ: {register.VERDICT_NAMES[submission.verdict]}.",
          "info" if submission.verdict == "complete" else "error")
    return redirect(f"/nhan/{expected_id}")


async def history(request: Request) -> Response:
    app: App = request.app.state.hoso
    expected = app.store.expected_one(int(request.path_params["expected"]))
    if expected is None:
        raise HTTPException(404)
    rows = [r for r in register.board(app.store, app.settings.clock())
            if r.unit.id == expected.id]
    return app.page(request, "history.html", unit=expected, row=rows[0],
                    submissions=list(reversed(app.store.submissions(expected.id))),
                    kinds=register.KIND_NAMES, verdicts=register.VERDICT_NAMES,
                    statuses=register.STATUS_NAMES)


async def received_file(request: Request) -> Response:
    app: App = request.app.state.hoso
    submission = app.store.submission(int(request.path_params["submission"]))
    if submission is None:
        raise HTTPException(404)
    return attachment(app.blobs.path(submission.sha256),
                      f"ho-so-{submission.expected_id}-{submission.id}.pdf", "application/pdf")


async def export(request: Request) -> Response:
    app: App = request.app.state.hoso
    rows = register.board(app.store, app.settings.clock())
    data = await run_in_threadpool(register.register_workbook, rows)
    return attachment(data, "so-nhan-ho-so.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
