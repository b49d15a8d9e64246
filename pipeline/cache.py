"""Turn a form's HTML into its PDF (and Word file) without rendering, when the same HTML
was rendered before.

The key of a form is a digest of everything that shapes its pages: the HTML (the template
filled with the form's context, so the data and the profile are in it), the stylesheet,
the bytes of every bundled font, and the versions of hoso, WeasyPrint and pydyf, and
whether HarfBuzz subsets the fonts. A rebuild after one member's row changed renders
again only the forms whose HTML changed: those that show that member.

Entries live in the user's cache folder (platformdirs; HOSO_CACHE_DIR overrides it),
one file per key, written atomically, bounded in total size (oldest used dropped first;
the size is kept in a ledger of its folders, `kich-thuoc`, so that a build need not list
every entry).
Each entry carries an HMAC of its key and content under a secret kept in the cache
folder: a corrupt entry, or one copied in from elsewhere, fails the check and is
discarded, never used. The cache is an optimisation: any error reading or writing it is
a miss, never a failed build.

The same folder keeps Jinja's compiled templates (`CompiledTemplates`), as Python keeps
its bytecode: compiling the HTML and Word templates took 0.19 s of every build. They are
keyed by the template's source and the compiler's options and versions, so they are never
stale, and are kept even with `--no-cache`, which is about rendered forms.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import hashlib
import hmac
import importlib.util
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from types import CodeType

import platformdirs
from jinja2 import Environment, bccache

from pipeline import __version__, chunks
from pipeline.paths import FONTS

DEFAULT_LIMIT = 512 * 1024 * 1024
TAG_SIZE = 32
# Where the next window of a long list starts and its rows (render.py); the 2 keeps out
# the cuts of fixed windows, which said only where.
CUT_MAGIC = b"hoso-cut-2:"
BUILT_MAGIC = b"hoso-built"  # this unit folder was built with this cache (dossier.py)
INSPECTED_MAGIC = b"hoso-inspected:"  # an attachment's pages (attachments.py)
DIGEST_MAGIC = b"hoso-digest:"  # a bound form's digest (assemble._form_digest)
# Each kind's first bytes; "numbered" is a form's PDF numbered on its own (mau/*.pdf),
# "image" an attached image on its page (attachments.image_pdf).
MAGIC = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "cut": CUT_MAGIC, "numbered": b"%PDF-",
         "built": BUILT_MAGIC, "code": bccache.bc_magic, "inspected": INSPECTED_MAGIC,
         "image": b"%PDF-", "digest": DIGEST_MAGIC}


def cache_folder() -> Path:
    override = os.environ.get("HOSO_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("hoso")) / "mau"


def engine_salt(stylesheet: str) -> bytes:
    """What every key shares: the stylesheet, the fonts, the engines' versions and how
    long lists are cut into windows and joined (a form laid out in other windows, or
    joined otherwise, is the same pages in other bytes, and a cached window says how
    many rows the next one takes)."""
    digest = hashlib.sha256()
    # The installed versions, read without importing WeasyPrint (0.4 s): a rebuild
    # whose forms are all cached never loads it.
    for part in (__version__, metadata.version("weasyprint"), metadata.version("pydyf"),
                 metadata.version("pikepdf"),
                 str(ctypes.util.find_library("harfbuzz-subset")),
                 f"windows of {chunks.WINDOW_PAGES} pages", chunks.SHORT_LISTS, chunks.JOINED,
                 stylesheet):
        digest.update(part.encode("utf-8") + b"\0")
    for font in sorted(FONTS.glob("*.ttf")):
        digest.update(font.name.encode("utf-8") + hashlib.sha256(font.read_bytes()).digest())
    return digest.digest()


WORD_FILE_VERSION = b"hoso word file 2\0"  # raised when pipeline/word.py writes differently


class FormCache:
    """Rendered PDFs of forms, keyed by their HTML and the engine salt."""

    def __init__(self, folder: Path, salt: bytes, limit: int = DEFAULT_LIMIT) -> None:
        self.folder = folder
        self.salt = salt
        self.limit = limit
        self.secret: bytes | None = None

    def key(self, html: str) -> str:
        return hashlib.sha256(self.salt + html.encode("utf-8")).hexdigest()

    @staticmethod
    def word_key(key: str, template: bytes) -> str:
        """The Word file's key: its form's HTML key and its docxtpl template. Both are
        filled from one context, and every value of the Word layout is in the HTML too
        (tests/test_forms.py compares their text), so equal HTML means equal Word, as
        long as pipeline/word.py writes as it did (`WORD_FILE_VERSION`)."""
        return hashlib.sha256(WORD_FILE_VERSION + key.encode("ascii") + template).hexdigest()

    def derived_key(self, *parts: bytes) -> str:
        """The key of what is made from `parts` alone (a form's PDF numbered on its own:
        the PDF and the overlays' template)."""
        digest = hashlib.sha256(self.salt)
        for part in parts:
            digest.update(hashlib.sha256(part).digest())
        return digest.hexdigest()

    def get_or_make(self, key: str, make: Callable[[], bytes], kind: str = "pdf") -> bytes:
        """The entry, or `make`'s bytes, kept for next time."""
        data = self.get(key, kind)
        if data is None:
            data = make()
            self.put(key, data, kind)
        return data

    def has(self, key: str, kind: str = "pdf") -> bool:
        """Whether an entry is there, unchecked: a hint, never a reason to trust it."""
        return self._path(key, kind).is_file()

    def get(self, key: str, kind: str = "pdf") -> bytes | None:
        path = self._path(key, kind)
        try:
            data = path.read_bytes()
            secret = self._secret()
        except OSError:
            return None
        tag, payload = data[:TAG_SIZE], data[TAG_SIZE:]
        if not hmac.compare_digest(tag, _tag(secret, key, payload)) \
                or not payload.startswith(MAGIC[kind]):
            path.unlink(missing_ok=True)  # corrupt or foreign: never trusted
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return payload

    def put(self, key: str, payload: bytes, kind: str = "pdf") -> None:
        path = self._path(key, kind)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = _tag(self._secret(), key, payload) + payload
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
                temporary.write(data)
            os.replace(temporary.name, path)
        except OSError:
            return

    def prune(self) -> None:
        """Drop the least recently used entries once the cache is over its limit, down
        to nine tenths of it (so that the next builds find room). Its size is taken
        from the ledger of its folders (`folder_sizes`): listing every entry after each
        build took 40 ms at 3,000 entries, and grows with the cache."""
        try:
            total = sum(size for _, size in self.folder_sizes().values())
            if total <= self.limit:
                return
            entries = [(p, p.stat()) for p in self._entries(self.folder.glob("*"))]
            (self.folder / SIZES_LEDGER).unlink(missing_ok=True)  # folders change now
        except OSError:
            return
        total = sum(stat.st_size for _, stat in entries)
        for path, stat in sorted(entries, key=lambda entry: entry[1].st_mtime):
            if total <= self.limit * 9 // 10:
                break
            path.unlink(missing_ok=True)
            total -= stat.st_size

    def folder_sizes(self) -> dict[str, tuple[int, int]]:
        """Each folder's time and the size of its entries (folder → (mtime ns, bytes)),
        from the ledger kept in the cache folder. A folder is listed again only when its
        time moved: an entry was added, replaced or removed in it, by any process. An
        entry used again (its time touched) leaves its folder's time alone."""
        before = _read_ledger(self.folder / SIZES_LEDGER)
        now: dict[str, tuple[int, int]] = {}
        recent = time.time_ns() - RECENT_NS
        with os.scandir(self.folder) as folders:
            for folder in folders:
                if not folder.is_dir(follow_symlinks=False):
                    continue
                mtime = folder.stat(follow_symlinks=False).st_mtime_ns
                known = before.get(folder.name)
                if known is not None and known[0] == mtime:
                    now[folder.name] = known
                    continue
                size = sum(p.stat().st_size for p in self._entries([Path(folder.path)]))
                # A folder changed lately may change again within its time's resolution
                # (a few ms; 2 s on FAT), unseen: its time is not trusted ("racy git").
                now[folder.name] = (mtime if mtime < recent else 0, size)
        if now != before:
            _write_ledger(self.folder / SIZES_LEDGER, now)
        return now

    @staticmethod
    def _entries(folders: Iterable[Path]) -> list[Path]:
        return [path for folder in folders if folder.is_dir() for path in folder.iterdir()
                if path.suffix[1:] in MAGIC]

    def ready(self) -> None:
        """Make the cache's secret now (rendering processes only read it); an error is
        left for get and put, where it is a miss."""
        with contextlib.suppress(OSError):
            self._secret()

    def _path(self, key: str, kind: str = "pdf") -> Path:
        return self.folder / key[:2] / f"{key}.{kind}"

    def _secret(self) -> bytes:
        if self.secret is None:
            path = self.folder / "khoa-bi-mat"
            self.folder.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "wb") as f:
                    f.write(secrets.token_bytes(32))
            secret = path.read_bytes()
            if len(secret) != 32:
                raise OSError(f"{path}: khóa bộ nhớ đệm hỏng")
            self.secret = secret
        return self.secret


SIZES_LEDGER = "kich-thuoc"  # FormCache.folder_sizes, a line per folder
RECENT_NS = 2_000_000_000


def _read_ledger(path: Path) -> dict[str, tuple[int, int]]:
    """The ledger's folders; an unreadable or damaged one is empty (all listed again)."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
        return {name: (int(mtime), int(size))
                for name, mtime, size in (line.split(" ") for line in lines)}
    except (OSError, ValueError):
        return {}


def _write_ledger(path: Path, folders: dict[str, tuple[int, int]]) -> None:
    text = "".join(f"{name} {mtime} {size}\n" for name, (mtime, size) in sorted(folders.items()))
    try:
        with tempfile.NamedTemporaryFile("w", encoding="ascii", dir=path.parent,
                                         delete=False) as temporary:
            temporary.write(text)
        os.replace(temporary.name, path)
    except OSError:
        return  # listed again next time


def _tag(secret: bytes, key: str, payload: bytes) -> bytes:
    return hmac.new(secret, key.encode("ascii") + b"\0" + payload, hashlib.sha256).digest()


class CompiledTemplates(bccache.BytecodeCache):
    """Jinja's compiled templates, kept in the cache folder between runs (HMAC-checked
    like every entry: compiled code is run, so a foreign entry must never be).

    The code depends on the template's source (Jinja's checksum, in the key), on the
    versions of hoso, Jinja and Python, and on the environment's options; `options`
    names those that are not plain values (the autoescape policy)."""

    def __init__(self, options: str, folder: Path | None = None) -> None:
        digest = hashlib.sha256()
        for part in (__version__, metadata.version("jinja2"), importlib.util.MAGIC_NUMBER.hex(),
                     options):
            digest.update(part.encode("utf-8") + b"\0")
        self.store = FormCache(folder or cache_folder(), digest.digest())

    def load_bytecode(self, bucket: bccache.Bucket) -> None:
        code = self.store.get(self._key(bucket), "code")
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: bccache.Bucket) -> None:
        self.store.put(self._key(bucket), bucket.bytecode_to_string(), "code")

    def _key(self, bucket: bccache.Bucket) -> str:
        environment = bucket.environment
        options = (environment.trim_blocks, environment.lstrip_blocks,
                   environment.keep_trailing_newline, environment.newline_sequence,
                   environment.optimized, sorted(environment.extensions))
        return self.store.key(f"{options}\0{bucket.key}\0{bucket.checksum}")


def compiled(environment: Environment, source: str) -> CodeType:
    """The code of a template given as a string (docxtpl's XML parts), from the
    environment's `CompiledTemplates` when it has them."""
    cache = environment.bytecode_cache
    if cache is None:
        return environment.compile(source)
    bucket = cache.get_bucket(environment, "<string>", None, source)
    if bucket.code is None:
        bucket.code = environment.compile(source)
        cache.set_bucket(bucket)
    return bucket.code
