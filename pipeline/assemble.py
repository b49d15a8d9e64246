"""Turn the rendered forms and the attachments into the bound dossier and its manifest.

Order (dossier.md §1): cover, table of contents, organisation items (1)–(15), then one
personal set (1)–(4) per leader. A missing item gets a placeholder page; an item that does
not apply is listed with its reason. The table of contents is rendered, measured and
rendered again until its own length is stable, so every page it gives is real. Every
page after the cover gets a stamped number equal to its physical page number, and the
PDF page labels say the same. The outline follows the pages: one entry per item, then
one for the personal sets, with one per person under it, each with (1)–(4). The manifest
is embedded as the file attachment `ho-so.json`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache
from typing import cast

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf import __version__ as pypdf_version
from pypdf.constants import PageLabelStyle
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

from pipeline import attachments as attach
from pipeline.cache import DIGEST_MAGIC, FormCache
from pipeline.levels import LEVELS
from pipeline.model import Unit
from pipeline.pdfcopy import FormObjects, NotCopyable
from pipeline.pdfdigest import pages_digest, write_identified
from pipeline.pdfupdate import Update, UpdateError
from pipeline.profiles import ChecklistItem, Profile
from pipeline.render import Renderer
from pipeline.rules import Assessment, Rating, member_cap_groups, ratings_under
from pipeline.stamps import SAMPLE, Stamp, Stamps
from pipeline.typography import TYPOGRAPHY

MANIFEST_NAME = "ho-so.json"
MANIFEST_FORMAT = 1
A4_WIDTH, A4_HEIGHT = 595.2756, 841.8898


class Status(Enum):
    PRESENT = "present"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Part:
    """One checklist entry of this dossier: where its pages come from, or why none."""

    section: str  # "organisation" | "personal"
    item: str
    title: str
    status: Status
    reason: str = ""
    form: str | None = None
    person: str | None = None  # member code for a personal item
    person_name: str = ""
    pdfs: tuple[bytes, ...] = ()  # rendered forms
    attachments: tuple[attach.Attachment, ...] = ()

    @property
    def number(self) -> str:
        return f"({self.item})"


@dataclass(frozen=True)
class PlacedPart:
    part: Part
    first_page: int  # 1-based physical page; 0 when the part has no pages
    last_page: int
    sha256: str = ""


@dataclass(frozen=True)
class BoundDossier:
    pdf: bytes
    manifest: dict[str, object]
    placed: tuple[PlacedPart, ...]
    pages: int
    missing: tuple[PlacedPart, ...] = field(default=())


Rendered = dict[tuple[str, str | None], bytes]  # (form id, person code) → PDF


def plan_parts(unit: Unit, profile: Profile, a: Assessment, rendered: Rendered) -> list[Part]:
    """Every checklist entry in binding order, each with its source or its reason."""
    parts = [_part(unit, item, a, rendered, None) for item in profile.organisation]
    for code in unit.leaders:
        parts.extend(_part(unit, item, a, rendered, code) for item in profile.personal)
    return parts


def _part(unit: Unit, item: ChecklistItem, a: Assessment, rendered: Rendered,
          person: str | None) -> Part:
    """Attachment first (a signed scan wins), then the generated form, else missing."""
    base = Part(item.section, item.item, item.title_for(unit.year), Status.PRESENT,
                form=item.form, person=person,
                person_name=unit.member(person).name if person else "")
    absent = item.absent_reason(unit.kind.value, a.someone_htxsnv, dict(unit.absent_items))
    if absent is not None:
        return replace(base, status=Status.NOT_APPLICABLE, reason=absent)
    files = unit.attachments_for(item.item, person) if "attachment" in item.sources else ()
    if files:
        return replace(base, attachments=files)
    key = (item.form or "", person)
    if "generated" in item.sources and key in rendered:
        return replace(base, pdfs=(rendered[key],))
    if item.if_any:
        return replace(base, status=Status.NOT_APPLICABLE, reason=item.not_applicable)
    folder = f"dinh-kem/{person}/{item.item}" if person else f"dinh-kem/{int(item.item):02d}"
    reason = item.missing_for(person) or f"chưa có tệp {folder}-….pdf (hoặc .jpg, .png)"
    return replace(base, status=Status.MISSING, reason=reason)


# --- binding ----------------------------------------------------------------------------


def bind(unit: Unit, profile: Profile, a: Assessment, parts: Sequence[Part],
         renderer: Renderer) -> BoundDossier:
    opened: dict[bytes, Opened] = {}
    before, renderer.bound_forms = renderer.bound_forms, {}  # a failed binding keeps none
    sources = [_PartSource(p, before, opened, renderer.cache) for p in parts]
    counts = [1 if p.status is Status.MISSING else s.page_count
              for p, s in zip(parts, sources, strict=True)]
    body_pages = sum(counts)

    @cache  # each asked for twice: laid out ahead, then taken
    def toc_html(toc_pages: int) -> str:
        rows = _toc_rows(_place(parts, counts, first=2 + toc_pages))
        return renderer.html("_toc.html", unit=unit, profile=profile, rows=rows)

    @cache
    def cover_html(toc_pages: int) -> str:
        return renderer.html("_cover.html", unit=unit, profile=profile,
                             pages=1 + toc_pages + body_pages)

    # The contents of one page and of two, and their covers, laid out at once by the
    # build's renderers when they are lent (dossier.lent): the one that fits is ready.
    # They need the page counts only; the pages (scans made pages, active content
    # removed) are taken meanwhile: 0.1 s less at the end of the đảng bộ sample's build.
    renderer.lay_out_ahead([make(n) for n in (1, 2) for make in (toc_html, cover_html)])
    bodies = [s.pages() for s in sources]
    placeholders = _placeholder_pages(unit, parts, renderer, before, opened)
    for index, part in enumerate(parts):
        if part.status is Status.MISSING:
            bodies[index] = [placeholders.pop(0)]
    toc_pages = 1
    for _ in range(4):  # the TOC's own length moves every page after it
        placed = _place(parts, counts, first=2 + toc_pages)
        toc = _opened(renderer.cached_pdf(toc_html(toc_pages)), before, opened)
        if _page_count(toc) == toc_pages:
            break
        toc_pages = _page_count(toc)
    total = 1 + toc_pages + body_pages
    cover = _opened(renderer.cached_pdf(cover_html(toc_pages)), before, opened)
    writer = PdfWriter()
    writer.add_metadata(_dossier_metadata(unit))
    in_order: list[Opened | PageObject] = [cover, toc]
    in_order.extend(pages for body in bodies for pages in body)
    for pages in in_order:
        _add(writer, pages)
    stamp_numbers(writer, renderer)
    writer.set_page_label(0, 0, prefix="Bìa")
    writer.set_page_label(1, total - 1, style=PageLabelStyle.DECIMAL, start=2)
    _outline(writer, placed, toc_first=2)
    placed = _with_digests(placed, writer.pages, renderer)
    manifest = build_manifest(unit, profile, a, placed, total)
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    writer.add_attachment(MANIFEST_NAME, data)
    pdf = write_identified(writer, data)
    missing = tuple(p for p in placed if p.part.status is Status.MISSING)
    renderer.bound_forms = opened
    return BoundDossier(pdf, manifest, tuple(placed), total, missing)


def _dossier_metadata(unit: Unit) -> dict[str, str]:
    """What a PDF reader shows as the file's title, author and subject."""
    return {"/Title": f"Hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng năm {unit.year}",
            "/Author": unit.name, "/Subject": f"{unit.name}, {unit.parent}",
            "/Creator": "hoso"}


Opened = FormObjects | PdfReader  # a form's PDF, ready to bind (pdfcopy.py) or as read


class _PartSource:
    """A part's PDFs and attachments, opened: their page count now, their pages later
    (a form's as its objects, placed by the binding; a scan's as pages)."""

    def __init__(self, part: Part, before: dict[bytes, Opened],
                 opened: dict[bytes, Opened], cache: FormCache | None) -> None:
        self.forms = [_opened(data, before, opened) for data in part.pdfs]
        self.attachments = [attach.OpenedAttachment(a, cache) for a in part.attachments]

    @property
    def page_count(self) -> int:
        return sum(_page_count(form) for form in self.forms) + \
            sum(opened.page_count for opened in self.attachments)

    def pages(self) -> list[FormObjects | PageObject]:
        pages: list[FormObjects | PageObject] = []
        for form in self.forms:
            if isinstance(form, FormObjects):
                pages.append(form)
            else:
                pages.extend(form.pages)
        for opened in self.attachments:
            pages.extend(opened.pages())
        return pages


def _page_count(form: Opened) -> int:
    return form.page_count if isinstance(form, FormObjects) else len(form.pages)


def _add(writer: PdfWriter, pages: Opened | PageObject) -> None:
    if isinstance(pages, FormObjects):
        pages.place(writer)
    else:
        for page in list(pages.pages) if isinstance(pages, PdfReader) else [pages]:
            writer.add_page(page)


def open_ahead(pdf: bytes, renderer: Renderer) -> None:
    """Read a form's PDF as the binding will (`_opened`) before the binding, while the
    renderers lay out other forms: the binding finds it in `renderer.bound_forms`."""
    if pdf not in renderer.bound_forms:
        renderer.bound_forms[pdf] = _opened(pdf, {}, {})


def _opened(pdf: bytes, before: dict[bytes, Opened], opened: dict[bytes, Opened]
            ) -> Opened:
    """The form's objects, those the binding `before` made when it had the same bytes
    (a rebuild in one process, pipeline/watch.py: only the changed forms are parsed and
    serialised), kept in `opened` for the next. A form pdfcopy does not take is read
    (pdfcopy.NotCopyable); bound twice, it gets a reader of its own the second time:
    the writer would take a reader's page added twice for the same page."""
    if pdf in opened:
        known = opened[pdf]
        return known if isinstance(known, FormObjects) else PdfReader(io.BytesIO(pdf))
    found = before.get(pdf)
    if found is None:
        reader = PdfReader(io.BytesIO(pdf))
        try:
            found = FormObjects(reader)
        except NotCopyable:
            found = reader
    opened[pdf] = found
    return found


def early_pages(unit: Unit, parts: Sequence[Part], renderer: Renderer) -> list[str]:
    """The HTML of the binding's own pages that do not wait for the forms: the sample
    the page numbers are drawn from and the pages standing for missing items. A build
    lays them out with the forms, in the renderers, rather than after them in the main
    process."""
    placeholders = _placeholder_html(unit, parts, renderer)
    return [_stamp_html(renderer, SAMPLE), *([placeholders] if placeholders else [])]


def _placeholder_pages(unit: Unit, parts: Sequence[Part], renderer: Renderer,
                       before: dict[bytes, Opened], opened: dict[bytes, Opened]
                       ) -> list[PageObject]:
    """The pages standing for missing items, each bound on its own: read, never made
    into objects (pdfcopy), and kept for the next binding as the forms are."""
    html = _placeholder_html(unit, parts, renderer)
    if not html:
        return []
    pdf = renderer.cached_pdf(html)
    known = opened.get(pdf) or before.get(pdf)
    reader = known.reader if isinstance(known, FormObjects) else known
    opened[pdf] = reader = reader or PdfReader(io.BytesIO(pdf))
    return list(reader.pages)


def _placeholder_html(unit: Unit, parts: Sequence[Part], renderer: Renderer) -> str | None:
    missing = [p for p in parts if p.status is Status.MISSING]
    if not missing:
        return None
    rows = [{"number": p.number, "person": p.person_name, "title": p.title,
             "reason": p.reason} for p in missing]
    return renderer.html("_placeholder.html", placeholders=rows, unit=unit)


def _place(parts: Sequence[Part], counts: Sequence[int], first: int) -> list[PlacedPart]:
    placed = []
    page = first
    for part, count in zip(parts, counts, strict=True):
        if count:
            placed.append(PlacedPart(part, page, page + count - 1))
            page += count
        else:
            placed.append(PlacedPart(part, 0, 0))
    return placed


def _toc_rows(placed: Sequence[PlacedPart]) -> list[dict[str, str | bool]]:
    rows: list[dict[str, str | bool]] = []
    person = None
    for p in placed:
        part = p.part
        if part.section == "personal" and part.person != person:
            person = part.person
            rows.append({"number": "", "title": f"Hồ sơ cá nhân: {part.person_name}",
                         "status": "", "page": "", "group": True})
        status = {Status.PRESENT: "", Status.MISSING: "Còn thiếu",
                  Status.NOT_APPLICABLE: f"Không áp dụng: {part.reason}"}[part.status]
        rows.append({"number": part.number, "title": part.title, "status": status,
                     "page": str(p.first_page) if p.first_page else "", "group": False})
    return rows


def stamp_numbers(writer: PdfWriter, renderer: Renderer) -> None:
    """Stamp the physical page number, top centre, on every page after the cover.

    Each number is drawn as a form XObject after the page's own content, which is wrapped
    in a saved graphics state and never parsed or rewritten (pypdf's
    merge_transformed_page rewrote every page: 90 ms for a three-page form)."""
    stamps = [stamp_page(renderer, n) for n in range(2, len(writer.pages) + 1)]
    save = writer._add_object(_stream(b"q\n"))
    for number, (page, stamp) in enumerate(zip(writer.pages[1:], stamps, strict=True), 2):
        if page.get("/Rotate", 0):
            page.transfer_rotation_to_content()  # scans saved rotated: stamp what is seen
        name, drawing = _placement(page, number)
        _xobjects(page)[name] = writer._add_object(
            _form_xobject(stamp, lambda resources: resources.clone(writer)))
        page[NameObject("/Contents")] = ArrayObject(
            [save, *_contents(page), writer._add_object(_stream(drawing))])


def numbered_alone(pdf: bytes, renderer: Renderer) -> bytes:
    """A form's PDF numbered from its second page on, as `stamp_numbers` numbers the
    dossier, its own pages appended with an incremental update (pipeline/pdfupdate.py):
    the form is neither parsed nor written again. A form's pages are never rotated;
    one that is, or a PDF the update cannot extend, is numbered as a copy."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = reader.pages
    if len(pages) < 2:
        return pdf
    try:
        if any(p.get("/Rotate", 0) or p.indirect_reference is None for p in pages):
            raise UpdateError("rotated pages")
        update = Update(pdf, reader)
    except UpdateError:
        return _numbered_copy(pdf, renderer)
    save = update.add(_stream(b"q\n"))
    for number, page in enumerate(pages[1:], 2):
        stamp = stamp_page(renderer, number)
        name, drawing = _placement(page, number)
        own = update.writable(cast(IndirectObject, page.indirect_reference))
        _writable_xobjects(update, own)[name] = update.add(_form_xobject(stamp, update.copy))
        own[NameObject("/Contents")] = ArrayObject(
            [save, *_contents(own), update.add(_stream(drawing))])
    return update.write()


def _numbered_copy(pdf: bytes, renderer: Renderer) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    stamp_numbers(writer, renderer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _placement(page: PageObject, number: int) -> tuple[NameObject, bytes]:
    """The name of the number's overlay on the page, and the drawing that places it, top
    centre, after the page's own content (wrapped in q … Q by a stream before it)."""
    box = page.cropbox
    x = float(box.left) + (float(box.width) - A4_WIDTH) / 2
    y = float(box.bottom) + float(box.height) - A4_HEIGHT
    name = NameObject(f"/HosoSoTrang{number}")
    return name, f"Q\nq 1 0 0 1 {x:.4f} {y:.4f} cm {name} Do Q\n".encode("ascii")


def _contents(page: DictionaryObject) -> list[PdfObject]:
    contents = page.raw_get("/Contents") if "/Contents" in page else ArrayObject()
    return list(contents) if isinstance(contents, ArrayObject) else [contents]


def _writable_xobjects(update: Update, page: DictionaryObject) -> DictionaryObject:
    """The XObject resources of a page being updated, as a dictionary written with it
    (pages share their resources: the shared dictionary's new version)."""
    holder = page
    for key in ("/Resources", "/XObject"):
        found = holder.raw_get(key) if key in holder else DictionaryObject()
        if isinstance(found, IndirectObject):
            found = update.writable(found)
        else:
            found = DictionaryObject(cast(DictionaryObject, found))
            holder[NameObject(key)] = found
        holder = found
    return holder


def _stream(data: bytes) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _form_xobject(stamp: Stamp, copy: Callable[[PdfObject], PdfObject]) -> StreamObject:
    """A stamp's drawing as a form XObject, its resources copied over by `copy`."""
    xobject = _stream(stamp.drawing).flate_encode()
    xobject[NameObject("/Type")] = NameObject("/XObject")
    xobject[NameObject("/Subtype")] = NameObject("/Form")
    xobject[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in stamp.page.mediabox)
    resources = stamp.page.get("/Resources")
    if resources is not None:
        xobject[NameObject("/Resources")] = copy(resources.get_object())
    return xobject


def _xobjects(page: PageObject) -> DictionaryObject:
    """The page's XObject resources, made when it has none."""
    if "/Resources" not in page:
        page[NameObject("/Resources")] = DictionaryObject()
    resources = cast(DictionaryObject, page["/Resources"].get_object())
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    return cast(DictionaryObject, resources["/XObject"].get_object())


def stamp_page(renderer: Renderer, number: int) -> Stamp:
    """The overlay that prints `number`, drawn from the sample laid out once per build
    and reused by the dossier and every form (pipeline/stamps.py)."""
    if renderer.stamps is None:
        renderer.stamps = Stamps(renderer.cached_pdf(_stamp_html(renderer, SAMPLE)),
                                 lambda n: renderer.cached_pdf(_stamp_html(renderer, [n])))
    return renderer.stamps.stamp(number)


def _stamp_html(renderer: Renderer, numbers: Sequence[int | str]) -> str:
    return renderer.html("_stamp.html", numbers=list(numbers), t=TYPOGRAPHY)


def stamp_source(renderer: Renderer) -> bytes:
    """What shapes the overlays besides the numbers: the sample they are drawn from
    (its template and typography) and how they are drawn from it."""
    return _stamp_html(renderer, SAMPLE).encode("utf-8") + STAMPS_VERSION


STAMPS_VERSION = b"stamps:sample-1"  # pipeline/stamps.py; change it when that changes


PERSONAL_SETS = "Hồ sơ cá nhân cán bộ lãnh đạo, quản lý (mục 14)"


def _outline(writer: PdfWriter, placed: Sequence[PlacedPart], toc_first: int) -> None:
    """One entry per item in the order of the pages: the organisation's items, then the
    personal sets, bound after them (Kế hoạch 41-KH/ĐUK §II.B.7.2), under one entry of
    their own, one per person with (1)–(4)."""
    personal = [p for p in placed if p.part.section != "organisation"]
    for p in placed:
        part = p.part
        if part.section == "organisation":
            suffix = " — không áp dụng" if part.status is Status.NOT_APPLICABLE else (
                " — còn thiếu" if part.status is Status.MISSING else "")
            writer.add_outline_item(title=f"{part.number} {part.title}{suffix}",
                                    page_number=(p.first_page or toc_first) - 1)
    if not personal:
        return
    sets = writer.add_outline_item(title=PERSONAL_SETS,
                                   page_number=(personal[0].first_page or toc_first) - 1)
    person_entry = None
    person = None
    for p in personal:
        part = p.part
        page = (p.first_page or toc_first) - 1
        if part.person != person:
            person = part.person
            person_entry = writer.add_outline_item(title=part.person_name, page_number=page,
                                                   parent=sets)
        suffix = " — còn thiếu" if part.status is Status.MISSING else ""
        writer.add_outline_item(title=f"{part.number} {part.title}{suffix}", page_number=page,
                                parent=person_entry)


def _with_digests(placed: Sequence[PlacedPart], pages: Sequence[PageObject],
                  renderer: Renderer) -> list[PlacedPart]:
    """Each part's digest, from the pages as they will be written: the same value
    `check` computes from the file (the digest ignores object numbers and compression;
    tests/test_check.py checks the build's against the file's).

    A form's pages are its PDF stamped with their numbers, so its digest follows from
    its PDF, its first page and the overlays: a rebuild by a kept renderer
    (pipeline/watch.py) takes the digest of a form bound at the same page before from
    the last binding (9 of the 13 ms of the đảng bộ sample's digests), and any other
    build from the cache (a one-off rebuild of 1,000 members: 45 of its 110 ms of
    binding)."""
    before: dict[tuple[int | bytes, ...], str] = renderer.bound_digests
    now: dict[tuple[int | bytes, ...], str] = {}
    stamps = stamp_source(renderer)
    out = []
    for p in placed:
        if not p.first_page:
            out.append(p)
            continue
        run = pages[p.first_page - 1:p.last_page]
        if p.part.pdfs and not p.part.attachments:
            key: tuple[int | bytes, ...] = (p.first_page, stamps, *p.part.pdfs)
            digest = before.get(key) or _form_digest(renderer.cache, key, run)
            now[key] = digest
        else:
            digest = pages_digest(run)
        out.append(replace(p, sha256=digest))
    renderer.bound_digests = now
    return out


def _form_digest(cache: FormCache | None, key: tuple[int | bytes, ...],
                 pages: Sequence[PageObject]) -> str:
    if cache is None:
        return pages_digest(pages)
    entry = cache.derived_key(DIGEST_VERSION, pypdf_version.encode(),
                              *(str(k).encode() if isinstance(k, int) else k for k in key))
    made = cache.get_or_make(entry, lambda: DIGEST_MAGIC + pages_digest(pages).encode(),
                             "digest")
    return made.removeprefix(DIGEST_MAGIC).decode("ascii")


# Part of a cached digest's key (pipeline/pdfdigest.py); change it when digests change.
DIGEST_VERSION = b"digest-1"


def build_manifest(unit: Unit, profile: Profile, a: Assessment,
                   placed: Sequence[PlacedPart], pages: int) -> dict[str, object]:
    items: list[dict[str, object]] = []
    for p in placed:
        part = p.part
        entry: dict[str, object] = {"section": part.section}
        if part.person:
            entry["person"] = part.person_name
        entry.update(item=part.item, title=part.title)
        if part.form:
            entry["form"] = part.form
        entry["status"] = part.status.value
        if part.status is Status.PRESENT:
            entry["source"] = "attachment" if part.attachments else "generated"
        if part.reason:
            entry["reason"] = part.reason
        if p.first_page:
            entry.update(first_page=p.first_page, last_page=p.last_page, sha256=p.sha256)
        items.append(entry)
    return {
        "format": MANIFEST_FORMAT,
        "profile": profile.id,
        "unit": {"name": unit.name, "type": unit.kind.value, "year": unit.year,
                 "parent": unit.parent},
        "pages": pages,
        "items": items,
        "findings": [{"rule": f.rule, "severity": f.severity.value, "subject": f.subject,
                      "message": f.message, "source": f.source} for f in a.findings],
        "ratings": ratings_summary(unit, a, profile),
    }


def ratings_summary(unit: Unit, a: Assessment, profile: Profile) -> dict[str, object]:
    """The counts `check` needs to recompute the group rules without the unit folder.

    `sub_units` and `sub_committees` are the organisations directly under the base;
    the chi bộ of a đảng bộ bộ phận form their own groups, `sub_units:<code>` …
    """

    def group(name: str, ratings: Sequence[Rating]) -> dict[str, object]:
        levels = {lv.name: sum(1 for r in ratings if r.level is lv) for lv in LEVELS}
        unrated = sum(1 for r in ratings if r.level is None)
        return {"group": name, "levels": levels, "not_rated": unrated}

    members = group("members", a.members)
    groups = [members, group("committee_members", a.committee_members)]
    by_role = member_cap_groups(unit, a.members, profile.rules)
    if len(by_role) > 1 or by_role[0][0]:
        # The cap is counted per group of similar role (Quy định 366); "members" stays for
        # the organisation's threshold but is not a cap group.
        members["cap"] = False
        groups += [group(f"members:{kind}", ratings) for kind, ratings in by_role]
    if a.sub_units:
        groups += [group("sub_units", ratings_under(unit, None, a.sub_units)),
                   group("sub_committees", ratings_under(unit, None, a.sub_committees)),
                   group("sub_committee_members", [r for _, r in a.cell_committee_members])]
        for section in unit.sections_with_cells:
            groups += [group(f"sub_units:{section.code}",
                             ratings_under(unit, section.code, a.sub_units)),
                       group(f"sub_committees:{section.code}",
                             ratings_under(unit, section.code, a.sub_committees))]
    return {
        "cap_ratio": unit.cap_ratio if unit.cap_ratio is not None else profile.rules.cap_ratio,
        "organisation": a.organisation.level.name if a.organisation.level else None,
        "committee": a.committee.level.name if a.committee and a.committee.level else None,
        "groups": groups,
    }
