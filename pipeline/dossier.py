"""The orchestrator: turn a unit folder into the complete output folder of `hoso build`.

It reads like the table of contents of the pipeline; each step is one stage module.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import _process_worker
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pipeline.cache import BUILT_MAGIC, FormCache, cache_folder, engine_salt
from pipeline.chunks import join_pdfs
from pipeline.errors import HosoError, InputError, Problem, UsageError
from pipeline.forms import FormDoc, FormRequest, build_form, reviewed_members
from pipeline.load import UNIT_FILE, load_unit, regime_hint
from pipeline.memory import collect_less_from_now, fewer_collections, return_freed_memory
from pipeline.model import Unit
from pipeline.output import Staging, claim, staged_output, write_owned
from pipeline.profiles import (
    ChecklistItem,
    Profile,
    RuleParams,
    available_profiles,
    choose_profile,
)
from pipeline.progress import Monotonic, ProgressCallback, notify, silent
from pipeline.render import Renderer
from pipeline.rules import Assessment, Finding, Severity, assess
from pipeline.unfilled import Unfilled, unfilled_fields
from pipeline.vntext import fold
from pipeline.zygote import Zygote, ZygoteChild
from pipeline.zygote import available as zygote_available

if TYPE_CHECKING:
    from pipeline.assemble import BoundDossier, Rendered


@dataclass(frozen=True)
class RenderedForm:
    form: FormDoc
    pdf: bytes  # as laid out, for the dossier
    docx: bytes
    numbered: bytes  # the form on its own, numbered from its second page (standalone_pdf)


@dataclass(frozen=True)
class BuildResult:
    out: Path
    unit: Unit
    pages: int
    report: tuple[str, ...]
    complete: bool  # nothing missing and no rule violated

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1


@dataclass(frozen=True)
class SignWith:
    """The unit's certificate (PKCS#12) and its password, to sign the bound dossier."""

    p12: Path
    password: bytes | None


@dataclass(frozen=True)
class Kept:
    """What builds in one process share (pipeline/watch.py): this process's renderer
    (its compiled templates, page-number overlays and the forms it last bound, opened)
    and the rendering processes, if there are any."""

    renderer: Renderer
    renderers: RenderPool | None
    tidy: bool = False  # garbage collected since the last build (memory.fewer_collections)


def build(unit_dir: Path, out: Path | None = None, profile_name: str | None = None,
          jobs: int = 0, sign: SignWith | None = None,
          progress: ProgressCallback = silent, use_cache: bool = False,
          kept: Kept | None = None) -> BuildResult:
    """Build the dossier; `jobs` 0 picks the number of rendering processes itself.

    `profile_name` overrides the regime; by default the unit's quy_dinh, else its year,
    chooses it (profiles.choose_profile). `progress` hears of each rendered form, the
    binding and the writing. With `use_cache`, forms rendered before are taken from the
    user's cache (pipeline/cache.py). `kept`: what outlives this build (a
    `pipeline.watch.Workshop`'s), used instead of starting anew."""
    renderer = kept.renderer if kept is not None else Renderer(keep_compiled=True)
    renderer.early.clear()
    cache = form_cache(renderer, use_cache)
    started = lent(renderer, nullcontext(kept.renderers)) \
        if kept is not None and kept.renderers is not None else \
        first_renderers(renderer, cache, unit_dir, jobs)
    with started as pool, fewer_collections(collect=kept is None or not kept.tidy):
        # The binding's libraries (pypdf, PIL) load once the renderers have started:
        # 0.15 s less before the zygote forks (pipeline/zygote.py). Garbage is collected
        # less often from then on (pipeline/memory.py): 1,000 members' one-member
        # rebuild 1.41 -> 1.34 s.
        from pipeline import assemble

        profile = unit_profile(unit_dir, profile_name)
        unit = load_for(unit_dir, profile, cache=cache)
        target = claim(out or default_out(unit_dir, unit.slug), unit_dir)
        assessment = assess(unit, profile)
        plan = plan_forms(unit, profile, assessment)
        planned = assemble.plan_parts(unit, profile, assessment, rendered_keys(plan))
        ahead = assemble.early_pages(unit, planned, renderer)
        bound = {(p.form or "", p.person) for p in planned if p.pdfs}
        forms = render_forms(plan, renderer, jobs, progress, cache, ahead=ahead, pool=pool,
                             bound=bound)
        remember_built(cache, unit_dir, len(forms))
        notify(progress, "bind", 0, 1)
        parts = assemble.plan_parts(unit, profile, assessment, rendered_by_key(forms))
        dossier = assemble.bind(unit, profile, assessment, parts, renderer)
        notify(progress, "bind", 1, 1)
        unfilled = unfilled_fields(unit)
        report = report_lines(unit, dossier, assessment, profile, unfilled)
        files = output_files(dossier, forms, report, renderer)
    if sign is not None:
        from pipeline.signing import sign_pdf

        files["ho-so.pdf"] = sign_pdf(dossier.pdf, sign.p12, sign.password,
                                      f"Hồ sơ kiểm điểm, đánh giá, xếp loại năm {unit.year}")
        report.append("Đã ký số ho-so.pdf bằng chứng thư " + sign.p12.name + ".")
        files["bao-cao.txt"] = ("\n".join(report) + "\n").encode("utf-8")
    notify(progress, "write", 0, 1)
    write_owned(target, files, "build", forbidden=unit_dir,
                committed=lambda: notify(progress, "write", 1, 1))
    complete = not dossier.missing and not assessment.errors and not unfilled
    return BuildResult(target, unit, dossier.pages, tuple(report), complete)


@dataclass(frozen=True)
class Validation:
    """Everything wrong with a unit folder, before anything is rendered: the input
    problems (file, row, column, message) and the rule findings with their sources."""

    profile: Profile | None
    unit: Unit | None
    problems: tuple[Problem, ...]
    findings: tuple[Finding, ...]
    unfilled: tuple[Unfilled, ...] = ()  # printed fields still holding a placeholder


def validate(unit_dir: Path, profile_name: str | None = None,
             before_meetings: bool = False) -> Validation:
    """Load and assess the unit as `build` would (or `prepare`, `before_meetings`),
    collecting every problem instead of stopping at the first stage that fails."""
    try:
        profile = unit_profile(unit_dir, profile_name)
    except HosoError as error:
        return Validation(None, None, _problems(error), ())
    try:
        unit = load_for(unit_dir, profile, before_meetings)
    except HosoError as error:
        return Validation(profile, None, _problems(error), ())
    findings = () if before_meetings else assess(unit, profile).findings
    return Validation(profile, unit, (), findings, unfilled_fields(unit))


def _problems(error: HosoError) -> tuple[Problem, ...]:
    if isinstance(error, InputError):
        return error.problems
    return tuple(Problem("", "", line) for line in error.lines())


def default_out(unit_dir: Path, slug: str) -> Path:
    """out/<slug> in the working folder, or beside the unit folder when the working
    folder is the unit folder itself (hoso never writes inside a unit folder)."""
    target = Path("out").resolve() / slug
    unit = unit_dir.resolve()
    if unit == target or unit in target.parents:
        return unit.parent / "out" / slug
    return Path("out") / slug


def unit_profile(unit_dir: Path, override: str | None) -> Profile:
    """`--profile`, else don-vi.yaml's quy_dinh, else the regime of the review year."""
    named, year = regime_hint(unit_dir)
    if named not in available_profiles():
        named = None  # the full load reports it, with its key
    return choose_profile(override, named, year)


def load_for(unit_dir: Path, profile: Profile, before_meetings: bool = False,
             cache: FormCache | None = None) -> Unit:
    """The unit, loaded with what its regime requires: ballots, or (Quy định 366) scores.
    With a `cache`, PDF attachments inspected before are not parsed again."""
    rules = profile.rules
    inspections = None
    if cache is not None:
        from pipeline.attachments import CachedInspections

        inspections = CachedInspections(cache)
    unit = load_unit(unit_dir, ballots_required=not (before_meetings or rules.scored),
                     form_ids=profile.form_ids,
                     scores_required=rules.scored and not before_meetings,
                     cap_ratio_max=rules.cap_ratio_exception, inspections=inspections,
                     heading_sets=profile.headings())
    _check_absent_items(unit, profile)
    return unit


def _check_absent_items(unit: Unit, profile: Profile) -> None:
    """khong_ap_dung may name only a paper the unit would scan, never a form it makes."""
    declarable = {item.item: item for item in profile.organisation if item.declarable}
    problems = [Problem(UNIT_FILE, f"khong_ap_dung.{item}",
                        "mục này do chương trình lập hoặc không có trong danh mục; chỉ ghi "
                        "không áp dụng cho các mục bản quét: "
                        + ", ".join(f"({i})" for i in declarable))
                for item, _ in unit.absent_items if item not in declarable]
    if problems:
        raise InputError(problems)


def plan_forms(unit: Unit, profile: Profile, a: Assessment) -> list[FormDoc]:
    """Every generated form of this unit: checklist items, personal sets, then mau/ only."""
    forms: list[FormDoc | None] = []
    for item in profile.organisation:
        if item.form is None or "generated" not in item.sources or not _applies(item, unit, a):
            continue
        if item.personal_sets and not unit.leaders:
            continue
        forms.append(build_form(FormRequest(unit, a, profile, item.form), item.item,
                                item.title_for(unit.year)))
    for code in unit.leaders:
        for item in profile.personal:
            if item.form and "generated" in item.sources:
                forms.append(build_form(FormRequest(unit, a, profile, item.form, code),
                                        item.item, item.title_for(unit.year), "personal"))
    for spec in profile.other_forms:
        if spec.applies_to and unit.kind.value not in spec.applies_to:
            continue
        for subject in _subjects(unit, spec.per, profile.rules):
            forms.append(build_form(FormRequest(unit, a, profile, spec.form, subject)))
    return [f for f in forms if f is not None]


@dataclass(frozen=True)
class Handout:
    form: FormDoc
    joins: bool  # the members' own handouts of this form, bound one after another


def plan_handouts(unit: Unit, profile: Profile, a: Assessment,
                  quarter: int | None = None) -> list[Handout]:
    """The pre-filled forms handed out before the meetings (dossier.md §5); with a
    `quarter`, only that quarter's Mẫu 05 (Quy định 366, Điều 15.1)."""
    handouts = []
    for spec in profile.handouts:
        if spec.applies_to and unit.kind.value not in spec.applies_to:
            continue
        if quarter is not None and spec.form not in QUARTERLY_FORMS:
            continue
        for subject in _subjects(unit, spec.per, profile.rules):
            form = build_form(FormRequest(unit, a, profile, spec.form, subject, handout=True,
                                          quarter=quarter))
            if form is not None:
                handouts.append(Handout(form, spec.joins))
    if quarter is not None and not handouts:
        raise UsageError(f"{profile.title} không có mẫu tự đánh giá theo quý (Mẫu 05); "
                         "bỏ --quy để in các mẫu phát trước hội nghị cuối năm")
    return handouts


QUARTERLY_FORMS = frozenset({"tu-danh-gia-ca-nhan"})  # Mẫu 05: "Quý, Năm" (Hướng dẫn 43)


def _applies(item: ChecklistItem, unit: Unit, a: Assessment) -> bool:
    return item.absent_reason(unit.kind.value, a.someone_htxsnv,
                              dict(unit.absent_items)) is None


def _subjects(unit: Unit, per: str | None, params: RuleParams) -> list[str | None]:
    """One form, or one per member under review / organisation trực thuộc / voting body /
    committee / đảng bộ bộ phận with chi bộ of its own."""
    if per == "sub_unit":
        return [s.code for s in unit.sub_units]
    if per == "section":
        return [s.code for s in unit.sections_with_cells]
    if per == "member":
        return [m.code for m in reviewed_members(unit, None, params)]
    voting: list[str | None] = [s.code for s in unit.sub_units if unit.members_of(s.code)]
    if per == "cell":
        return voting or [None]
    if per == "committee":
        return [None, *voting]
    return [None]


def _key(form: FormDoc) -> tuple[str, str | None]:
    return form.form, form.subject if form.section == "personal" else None


def rendered_by_key(forms: list[RenderedForm]) -> Rendered:
    """The PDFs of the checklist forms, keyed as plan_parts looks them up."""
    return {_key(f.form): f.pdf for f in forms if f.form.item}


def rendered_keys(forms: list[FormDoc]) -> Rendered:
    """Which checklist forms would be generated, without rendering them (hoso check)."""
    return {_key(f): b"" for f in forms if f.item}


@dataclass(frozen=True)
class PrepareResult:
    out: Path
    files: tuple[str, ...]
    # Each handout written, by its file stem, with the member code of a member's own copy
    # of a file for all (mau-2a-…-DV01 of mau-2a-2b-…), else None.
    handouts: tuple[tuple[str, str | None], ...] = ()

    def summary(self) -> list[str]:
        """One line per handout form (each written as PDF and Word): the file for all, and
        how many personal copies (mau-2a-…-DV01.pdf …) there are."""
        shared: set[str] = set()
        copies: Counter[str] = Counter()
        for stem, member in self.handouts:
            if member:
                copies[stem.removesuffix(f"-{member}")] += 1
            else:
                shared.add(stem)
        lines = []
        for stem in sorted(shared | set(copies)):
            parts = (["bản chung"] if stem in shared else []) + \
                ([f"{copies[stem]} bản riêng từng người"] if copies[stem] else [])
            lines.append(f"{stem}: {' và '.join(parts)}")
        return lines


def prepare(unit_dir: Path, out: Path | None = None, profile_name: str | None = None,
            jobs: int = 0, progress: ProgressCallback = silent,
            use_cache: bool = False, quarter: int | None = None) -> PrepareResult:
    """Write the handouts: Mẫu 2 per member, ballots, 3-213 requests, blank grids; with a
    `quarter`, that quarter's Mẫu 05 only, into chuan-bi-quy-<n>/ by default.

    They are rendered PREPARE_BATCH forms at a time, and each is written to the staging
    folder as soon as it is made, so memory does not grow with the unit: for 1,000
    members, holding every handout before writing took the process tree to 1.1 GB."""
    profile = unit_profile(unit_dir, profile_name)
    unit = load_for(unit_dir, profile, before_meetings=True)
    folder = "chuan-bi" if quarter is None else f"chuan-bi-quy-{quarter}"
    assessment = assess(unit, profile)
    handouts = plan_handouts(unit, profile, assessment, quarter)
    target = claim(out or default_out(unit_dir, unit.slug) / folder, unit_dir)
    renderer = Renderer(keep_compiled=True)
    cache = form_cache(renderer, use_cache)
    own = [h.form for h in handouts if not h.joins]
    joined = [h.form for h in handouts if h.joins]
    parts: dict[str, list[Path]] = {form.form: [] for form in joined}
    heard = Monotonic(progress, len(handouts))
    written: list[tuple[str, str | None]] = []
    jobs = pool_size(jobs, len(own))
    with staged_output(target, "prepare", forbidden=unit_dir,
                       committed=lambda: notify(progress, "write", 1, 1)) as staging, \
            fewer_collections(), \
            renderers(renderer, jobs, cache) if jobs > 1 else nullcontext() as pool:
        for start in range(0, len(own), PREPARE_BATCH):
            batch = render_forms(own[start:start + PREPARE_BATCH], renderer, jobs,
                                 heard.after(start), cache, pool=pool)
            for f in batch:
                own_file = _put_handout(staging, f.form, f.numbered, f.docx)
                copy = f.form.form in parts and f.form.subject
                if copy:
                    parts[f.form.form].append(own_file)
                written.append((own_file.stem, f.form.subject if copy else None))
            del batch
        for index, form in enumerate(joined, start=len(own)):
            pdf, docx = joined_handout(form, parts[form.form], renderer, cache)
            written.append((_put_handout(staging, form, pdf, docx).stem, None))
            notify(heard, "render", index + 1, len(handouts))
        notify(progress, "write", 0, 1)
    return PrepareResult(target, tuple(sorted(staging.names)), tuple(written))


PREPARE_BATCH = 256  # forms rendered, then written, at a time


def _put_handout(staging: Staging, form: FormDoc, pdf: bytes | Writer,
                 docx: bytes | Writer) -> Path:
    """Write a handout's two files (as bytes, or by what writes them); the path of its
    PDF in the staging folder, its Word file beside it."""
    label = _handout_label(form)
    stem = (f"{label}-" if label else "") + form.file_stem
    for name, data in ((f"{stem}.docx", docx), (f"{stem}.pdf", pdf)):
        if isinstance(data, bytes):
            staging.put(name, data)
        else:
            staging.write(name, data)
    return staging.folder / f"{stem}.pdf"


def _handout_label(form: FormDoc) -> str:
    """The form's label as a file name, as printed on the handout: a member's Mẫu 2A or 2B
    is the one their page says (mau-2a-hd-kd-dg-2025); a file for all with both, both
    (mau-2a-2b-hd-kd-dg-2025)."""
    people = form.context.get("people") or ()
    labels = sorted({p["label"] for p in people if isinstance(p, dict) and p.get("label")}) \
        or [form.context["doc"].label or ""]
    names = [fold(label).replace(" ", "-") for label in labels if label]
    if len(names) <= 1:
        return names[0] if names else ""
    words = [name.split("-") for name in names]
    differ = [i for i in range(len(words[0])) if len({w[i] for w in words}) > 1]
    if any(len(w) != len(words[0]) for w in words) or len(differ) != 1:
        return ""  # labels too unlike to name one file after them
    merged = list(words[0])
    merged[differ[0]] = "-".join(dict.fromkeys(w[differ[0]] for w in words))
    return "-".join(merged)


Writer = Callable[[BinaryIO], None]  # writes a file into the open file it is given


def joined_handout(form: FormDoc, parts: list[Path], renderer: Renderer,
                   cache: FormCache | None) -> tuple[bytes | Writer, bytes | Writer]:
    """The files of every member's handout of a form, to print at once: its PDF and its
    Word file, or what writes them. They bind the members' own files (`parts`, their
    PDFs; the Word files beside them), part by part (pipeline/pdfjoin.py,
    docx_writer.join_word_files), each member numbered as their own document
    (typography.md "Page": from its second page on): printed and handed out, every
    member's pages are those of their own file. Each member's part starts on a page of
    its own, so the PDF's pages are those a layout of the whole file gives
    (tests/test_paper.py), laid out once instead of twice: `prepare` for 250 members
    took 85 s and 1.2 GB, the whole file alone holding 800 MiB in one process."""
    if not parts:
        rendered = render_forms([form], renderer, 1, silent, cache)[0]
        return rendered.numbered, rendered.docx
    from pipeline.docx_writer import join_word_files
    from pipeline.pdfjoin import join_files

    words = [part.with_suffix(".docx") for part in parts]
    return (lambda out: join_files(parts, out)), (lambda out: join_word_files(words, out))


def form_cache(renderer: Renderer, use: bool) -> FormCache | None:
    """The cache of rendered forms, also lent to the renderer for the binding's own pages
    (cover, contents, placeholders, page-number overlays)."""
    renderer.cache = FormCache(cache_folder(), engine_salt(renderer.css_text)) if use else None
    if renderer.cache:
        renderer.cache.ready()  # its secret made once, before the workers read it
    return renderer.cache


def render_forms(forms: list[FormDoc], renderer: Renderer, jobs: int,
                 progress: ProgressCallback = silent, cache: FormCache | None = None,
                 ahead: Sequence[str] = (),
                 pool: RenderPool | None = None,
                 bound: Collection[tuple[str, str | None]] = ()) -> list[RenderedForm]:
    """HTML and DOCX in this process; PDF in `jobs` processes (WeasyPrint is the slow
    part; `pool_size`), or in the caller's `pool` of `renderers`, while this process
    writes the Word files.

    With a `cache`, only the forms whose HTML is new are rendered. The HTML
    pages `ahead` (the binding's own, not forms) are laid out by the renderers first,
    when there are renderers, and left in `renderer.early` for the binding.

    Each form's standalone PDF (`standalone_pdf`) is numbered while the renderers
    finish the others: after the last form only the binding is left to do (the đảng bộ
    sample's cold build, median of 7: 2.93 → 2.83 s). The forms the dossier
    binds (by `_key`, in `bound`) are also read for the binding then (assemble.open_ahead).
    """
    def number(index: int, pdf: bytes) -> bytes:
        if _key(forms[index]) in bound:
            from pipeline import assemble

            assemble.open_ahead(pdf, renderer)
        return standalone_pdf(pdf, renderer)

    # With renderers enough for any number of new forms, each new form goes to them as
    # soon as its HTML is known, not after every form's (a rebuild: 20 ms sooner).
    started = pool if pool is not None and pool.size >= pool_size(jobs, len(forms)) else None
    early = {} if started is None else _lay_out_ahead(started, ahead, cache)
    htmls, keys, pdfs, pending = [], [], [], {}
    for index, form in enumerate(forms):
        htmls.append(renderer.html(form.template, **form.context))
        keys.append(cache.key(htmls[-1]) if cache else "")
        pdfs.append(cache.get(keys[-1]) if cache else None)
        if pdfs[-1] is None and started is not None:
            pending[started.submit(_render_pdf, htmls[-1])] = index
    missing = [index for index, pdf in enumerate(pdfs) if pdf is None]
    numbered: list[bytes | None] = [None] * len(forms)

    def number_known() -> None:
        for index, pdf in enumerate(pdfs):
            if pdf is not None and numbered[index] is None:
                numbered[index] = number(index, pdf)

    total = len(forms)
    notify(progress, "render", len(forms) - len(missing), total)
    jobs = pool_size(jobs, len(missing))
    if pool is not None and len(missing) >= AUTO_PARALLEL_FORMS and pool.size < jobs:
        pool = None  # a warm renderer for a few forms; these many want every core
    if missing and (pool is not None or (jobs > 1 and len(missing) > 1)):
        with nullcontext(pool) if pool is not None else renderers(renderer, jobs, cache) \
                as workers:
            # Submitted now; the Word files are written meanwhile, and the forms the
            # renderers finish are heard between two Word files, so that the progress
            # moves while they are written (1,000 members: 10 s of Word files).
            if started is None:
                early = _lay_out_ahead(workers, ahead, cache)
                pending = {workers.submit(_render_pdf, htmls[i]): i for i in missing}
            heard = len(forms) - len(missing)

            def hear_finished() -> None:
                nonlocal heard
                for future in [future for future in pending if future.done()]:
                    pdfs[pending.pop(future)] = future.result()
                    heard += 1
                    notify(progress, "render", heard, total)

            docxs = word_files(forms, renderer, cache, keys, hear_finished)
            for future, html in early.items():
                renderer.early[html] = future.result()
                if cache:
                    cache.put(cache.key(html), renderer.early[html])
            number_known()  # the cached forms and those in so far; the sample is in
            for future in as_completed(pending):
                index, pdf = pending[future], future.result()
                pdfs[index], numbered[index] = pdf, number(index, pdf)
                heard += 1
                notify(progress, "render", heard, total)
    else:
        for done, index in enumerate(missing, start=1):
            pdfs[index] = renderer.pdf(htmls[index])
            notify(progress, "render", len(forms) - len(missing) + done, total)
        docxs = word_files(forms, renderer, cache, keys)
    if cache and missing:  # nothing new, nothing to write or prune
        for index in missing:
            cache.put(keys[index], pdfs[index])  # type: ignore[arg-type]
        cache.prune()
    number_known()
    rendered = [pdf for pdf in pdfs if pdf is not None]
    standalone = [pdf for pdf in numbered if pdf is not None]
    assert len(rendered) == len(standalone) == len(forms)
    return [RenderedForm(*parts) for parts in zip(forms, rendered, docxs, standalone,
                                                  strict=True)]


def _lay_out_ahead(workers: RenderPool, ahead: Sequence[str], cache: FormCache | None
                   ) -> dict[Future[bytes], str]:
    """The binding's pages sent to the renderers before the forms: the page-number
    overlays are drawn from the first, and number each form as it comes in."""
    return {workers.submit(_render_pdf, html): html for html in ahead
            if not (cache and cache.has(cache.key(html)))}


def pool_size(jobs: int, forms: int) -> int:
    """`jobs`, or with 0 every core once there are enough forms to pay for the workers
    (benchmarks/bench_build.py: 8 forms render about 25 % faster on 2 cores, 5 barely)."""
    if jobs > 0:
        return jobs
    return (os.cpu_count() or 1) if forms >= AUTO_PARALLEL_FORMS else 1


def first_renderers(renderer: Renderer, cache: FormCache | None, unit_dir: Path,
                    jobs: int) -> AbstractContextManager[RenderPool | None]:
    """Renderers started before the unit is read: WeasyPrint is loaded (0.3 s) on the
    other core while this process reads the unit, and they then lay out the forms and,
    lent to `renderer`, the binding's pages, so this process never loads WeasyPrint.
    Every core for a first build. A rebuild (this cache built this unit folder before)
    usually lays out a few forms: two renderers, from a zygote, while the unit is small,
    one for a large unit, whose Word files and binding want the other core (one-member
    rebuild of the đảng bộ sample 1.09 -> 1.02 s with two, of 250 members 1.10 -> 1.04 s,
    but of 1,000 members 1.40 -> 1.47 s). None with one job: this process then lays out
    everything itself."""
    size = pool_size(jobs, AUTO_PARALLEL_FORMS)
    if size < 2:
        return nullcontext()
    built = built_forms(cache, unit_dir)
    if built is not None:
        size = 1 if built >= LARGE_UNIT_FORMS else min(size, 2)
    return lent(renderer, renderers(renderer, size, cache, warm=True))


# Forms of a unit whose rebuild keeps one renderer (first_renderers): 136 for 1,000
# members, 43 for 250.
LARGE_UNIT_FORMS = 100


@contextmanager
def lent(renderer: Renderer, pool_context: AbstractContextManager[RenderPool]
         ) -> Iterator[RenderPool]:
    """The pool, laying out for `renderer` too until it ends."""
    with pool_context as pool:
        renderer.elsewhere = lambda html: pool.submit(_render_pdf, html)
        try:
            yield pool
        finally:
            renderer.elsewhere = None
            wait(renderer.ahead.values())  # guesses never asked for: no result in flight
            renderer.ahead.clear()


def remember_built(cache: FormCache | None, unit_dir: Path, forms: int) -> None:
    """That this cache built the unit folder, and how many forms it has."""
    if cache is not None:
        cache.put(_built_key(cache, unit_dir), BUILT_MAGIC + b":%d" % forms, "built")


def built_forms(cache: FormCache | None, unit_dir: Path) -> int | None:
    """The forms of the unit folder when this cache built it (`remember_built`), None
    if it never did; a note that does not say (an older one) counts as a large unit."""
    built = cache.get(_built_key(cache, unit_dir), "built") if cache is not None else None
    if built is None:
        return None
    forms = built.removeprefix(BUILT_MAGIC).lstrip(b":")
    return int(forms) if forms.isdigit() else LARGE_UNIT_FORMS


def _built_key(cache: FormCache, unit_dir: Path) -> str:
    return cache.key(f"hoso-built:{unit_dir.resolve()}")


class RenderPool(ProcessPoolExecutor):
    """`size` rendering processes (`_start_worker`), WeasyPrint loaded in each if `warm`:
    with two or more, loaded once, in a zygote that forks them (pipeline/zygote.py)."""

    def __init__(self, size: int, cache: FormCache | None, warm: bool,
                 kept: bool = False) -> None:
        # Forked where a zygote can fork them, whatever the default start method: a
        # process started by a fork server (a web job, pipeline/web/jobs.py; Python 3.14's
        # default) would have its renderers forked by that server, whose orphans they
        # would take themselves for (`_end_when_orphaned`).
        super().__init__(max_workers=size, initializer=_start_worker,
                         initargs=(cache, warm, os.getpid(), kept),
                         mp_context=multiprocessing.get_context("fork")
                         if zygote_available() else None)
        self.size, self.cache, self.warm, self.kept = size, cache, warm, kept
        self.zygote: Zygote | None = None
        if warm and size > 1 and zygote_available() and \
                self._mp_context is not None and self._mp_context.get_start_method() == "fork":
            self.zygote = Zygote(lambda: _prepare_worker(cache, warm), self._run_worker)

    def _spawn_process(self) -> None:
        if self.zygote is None:
            super()._spawn_process()  # type: ignore[misc]
            return
        child = ZygoteChild(self.zygote)
        child.start()
        self._processes[-len(self._processes) - 1] = child  # its pid comes later

    def _run_worker(self, zygote: int) -> None:
        """A pool's worker, in a child of the zygote: the zygote is its parent."""
        _process_worker(self._call_queue, self._result_queue,  # type: ignore[attr-defined]
                        _start_worker, (self.cache, self.warm, zygote, self.kept),
                        self._max_tasks_per_child)  # type: ignore[attr-defined]

    def end_zygote(self) -> None:
        if self.zygote is not None:
            self.zygote.close()


@contextmanager
def renderers(renderer: Renderer, jobs: int, cache: FormCache | None, warm: bool = False,
              kept: bool = False) -> Iterator[RenderPool]:
    """`jobs` rendering processes, for one `render_forms` call or several (the batches
    of `prepare` share them: workers forked again for each batch started from a larger
    main process, and their copies of its pages took the tree from 410 to 490 MiB).

    WeasyPrint is loaded here once, before they fork; or, `warm`, they start at once
    and load it in parallel with what this process does meanwhile: a zygote loads it
    once and forks them (pipeline/zygote.py), or a lone renderer loads it itself."""
    if not warm:
        renderer.engine  # noqa: B018  loaded once here, not in every worker
    pool = RenderPool(jobs, cache, warm, kept)
    if warm:
        pool.submit(_ready)  # the first task starts every worker (fork)
    try:
        yield pool
    except BaseException:
        # Ctrl-C, SIGTERM or an error: queued forms are dropped and the running ones end
        # on their own (workers ignore Ctrl-C). A worker ended while writing its result
        # leaves the pool's result pipe half-written, and the pool's thread then waits
        # on it forever: the build printed "Đã dừng" and never exited, now and then.
        pool.shutdown(wait=True, cancel_futures=True)
        pool.end_zygote()
        raise
    else:
        # Done: every result was taken, so the workers are idle, or still starting (a
        # spawned renderer whose start outlasts a cached rebuild): end them now. Take
        # them and the pool's thread before shutdown, which forgets both, and wait for
        # the thread: left running, it closed its wake-up pipe while the interpreter's
        # exit wrote to it ("Exception ignored … Bad file descriptor" after "Đã dừng",
        # 1 Ctrl-C in 20, when the interrupted branch also shut down twice).
        workers = list((getattr(pool, "_processes", None) or {}).values())  # pid → Process
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        if manager is not None:
            manager.join()
        pool.end_zygote()


def word_files(forms: list[FormDoc], renderer: Renderer, cache: FormCache | None,
               keys: list[str], between: Callable[[], None] = lambda: None) -> list[bytes]:
    """Each form's Word file, from the cache where its HTML and template were seen;
    `between` is called after each."""
    files = []
    for index, form in enumerate(forms):
        if cache is None:
            files.append(renderer.docx(form.form, form.context))
        else:
            files.append(_cached_word_file(form, renderer, cache, keys[index]))
        if len(files[-1]) > LARGE_WORD_FILE or index % 16 == 15:
            return_freed_memory()  # lxml's freed trees, else kept by the process
        between()
    return_freed_memory()
    return files


def _cached_word_file(form: FormDoc, renderer: Renderer, cache: FormCache, key: str) -> bytes:
    word_key = cache.word_key(key, renderer.docx_template(form.form))
    return cache.get_or_make(word_key, lambda: renderer.docx(form.form, form.context), "docx")


LARGE_WORD_FILE = 100 * 1024  # compressed; a list of about 1,500 rows


AUTO_PARALLEL_FORMS = 6
_WORKER: Renderer | None = None


def _start_worker(cache: FormCache | None, load_engine: bool, parent: int,
                  kept: bool = False) -> None:
    """A rendering process: its own renderer, lent the cache for the windows of long
    lists (pipeline/chunks.py), with WeasyPrint loaded now if asked. Workers leave
    Ctrl-C and SIGTERM to the main process, which cleans up and stops them; a worker
    interrupted on its own would only print a traceback. A worker whose `parent` is
    gone (a web job killed with SIGKILL) ends itself: nothing else would, as it holds
    both ends of its own task pipe. A renderer `kept` between builds (pipeline/watch.py)
    rehearses once if it is given nothing to lay out at first (`_rehearse_when_idle`)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_end_when_orphaned, args=(parent,), daemon=True,
                     name="hoso-orphan-watch").start()
    if _WORKER is None:  # else made by the zygote this worker was forked from
        _prepare_worker(cache, load_engine)
    if kept:
        threading.Thread(target=_rehearse_when_idle, daemon=True,
                         name="hoso-rehearsal").start()


def _rehearse_when_idle() -> None:
    """Lay out and write a rehearsal page (templates/mau/_tap_duot.html), once, if no
    form comes within `REHEARSE_AFTER_SECONDS`. A watch started on a warm cache lays out
    nothing in its first build, and its renderers' first forms were slow: WeasyPrint's
    code, fonts and faces are made ready by the first pages a process lays out (the chi
    bộ sample's first two saves 0.17 and 0.16 s, the next ones 0.13 s). The pages are
    then joined as a list's windows are: a renderer's first join took 0.05 s more
    (loading pikepdf's code; only its module comes from the zygote, `_prepare_worker`).
    A form that comes meanwhile waits for the rehearsal's end: one renderer lays out one
    page at a time."""
    if _GIVEN_WORK.wait(REHEARSE_AFTER_SECONDS) or _WORKER is None:
        return  # laying out already: its own forms warm it
    with _LAYING_OUT, contextlib.suppress(Exception):  # a rehearsal, never an error
        if not _GIVEN_WORK.is_set():
            pdf = _WORKER.pdf(_WORKER.html("_tap_duot.html"))
            join_pdfs([pdf, pdf])


# A renderer given no form this long after it started is in a build that lays out
# nothing (from a warm cache): in a cold build the forms are waiting when the zygote
# forks it. After 1 s, a clerk who saved at once (the benchmark does) met renderers that
# had not rehearsed: the chi bộ sample's first three saves 0.15-0.16, 0.15-0.16 and
# 0.10 s, with 0.2 s 0.15-0.17, 0.10-0.11 and 0.09-0.10 s.
REHEARSE_AFTER_SECONDS = 0.2
# A renderer's own: only `_render_pdf` and the rehearsal, in renderers, take them.
_LAYING_OUT = threading.Lock()
_GIVEN_WORK = threading.Event()


def _prepare_worker(cache: FormCache | None, load_engine: bool) -> None:
    """The worker's renderer; in a zygote, made once for all the workers it forks (a
    failure is left for each worker to meet again, and report, as without a zygote)."""
    global _WORKER
    _WORKER = Renderer()
    _WORKER.cache = cache
    try:
        if load_engine:
            _WORKER.engine  # noqa: B018
            # Loaded once for every renderer: each loaded it for its first join of a
            # list's windows (chunks.join_pdfs), 0.05 s of CPU apiece. A cold build of
            # the đảng bộ sample: 2.11 -> 2.07 s; the chi bộ sample's 1.47 -> 1.44 s.
            import pikepdf  # noqa: F401
    except BaseException:
        _WORKER = None
        raise
    collect_less_from_now()  # pipeline/memory.py


def _end_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)


ORPHAN_CHECK_SECONDS = 0.5


def _ready() -> None:
    """A task that does nothing: submitted first, it starts the workers."""


def _render_pdf(html: str) -> bytes:
    assert _WORKER is not None
    _GIVEN_WORK.set()
    with _LAYING_OUT:
        return _WORKER.pdf(html)


def report_lines(unit: Unit, dossier: BoundDossier, a: Assessment,
                 profile: Profile, unfilled: tuple[Unfilled, ...] = ()) -> list[str]:
    lines = [f"Hồ sơ {unit.name} năm {unit.year}: {dossier.pages} trang. Áp dụng "
             f"{profile.title} (bộ quy định {profile.id})."]
    for p in dossier.missing:
        part = p.part
        who = f"Hồ sơ cá nhân {part.person_name}, " if part.person else ""
        lines.append(f"[THIẾU] {who}mục {part.number} {part.title}: {part.reason} "
                     f"(trang {p.first_page} là trang báo thiếu)")
    lines.extend(f"[LƯU Ý] {x.label}: đã gỡ nội dung chủ động, không đưa vào hồ sơ: "
                 f"{', '.join(x.active)}" for x in unit.attachments if x.active)
    lines.extend(f"[LƯU Ý] {note}" for note in unit.notes)
    lines.extend(u.line() for u in unfilled)
    lines.extend(f.line() for f in a.findings)
    errors = sum(1 for f in a.findings if f.severity is Severity.ERROR)
    if not dossier.missing and not errors and not unfilled:
        lines.append("Hồ sơ đầy đủ; các mức xếp loại phù hợp quy định.")
    else:
        blanks = f", {len(unfilled)} chỗ chưa điền" if unfilled else ""
        lines.append(f"Tổng cộng: {len(dossier.missing)} mục còn thiếu, {errors} lỗi xếp "
                     f"loại{blanks}.")
    return lines


def output_files(dossier: BoundDossier, forms: list[RenderedForm], report: list[str],
                 renderer: Renderer) -> dict[str, bytes]:
    files = {
        "ho-so.pdf": dossier.pdf,
        "ho-so.json": (json.dumps(dossier.manifest, ensure_ascii=False, indent=2) + "\n")
        .encode("utf-8"),
        "bao-cao.txt": ("\n".join(report) + "\n").encode("utf-8"),
    }
    for f in forms:
        files[f"mau/{f.form.file_stem}.pdf"] = f.numbered
        files[f"mau/{f.form.file_stem}.docx"] = f.docx
    return files


def standalone_pdf(pdf: bytes, renderer: Renderer) -> bytes:
    """A form on its own, numbered from its second page on (typography.md "Page"); taken
    from the cache when the same PDF was numbered with the same overlays before."""
    from pipeline import assemble

    cache = renderer.cache
    if cache is None:
        return assemble.numbered_alone(pdf, renderer)
    key = cache.derived_key(STANDALONE_VERSION, assemble.stamp_source(renderer), pdf)
    return cache.get_or_make(key, lambda: assemble.numbered_alone(pdf, renderer),
                             "numbered")


# Part of the cached standalone PDFs' key; change it when their bytes change
# (2: numbered by an incremental update, pipeline/pdfupdate.py).
STANDALONE_VERSION = b"standalone-2"



