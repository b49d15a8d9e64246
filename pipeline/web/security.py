"""Turn a request into the person making it, and refuse what they may not do.

Bound to a loopback address the app has one user, the person at this machine, and no
login. Bound to any other address it needs accounts: argon2 password hashes, the roles
clerk (their own units) and receiver (the receipt desk), a signed session cookie that is
HttpOnly, SameSite=Lax and Secure. Every state-changing request carries the session's
CSRF token, in a form field or the X-CSRF-Token header, whatever the mode: a page on
another site must not be able to drive a clerk's browser against the local app.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline.web.store import Account, Store

ROLES = ("clerk", "receiver")
ROLE_NAMES = {"clerk": "văn phòng đơn vị", "receiver": "nơi nhận hồ sơ"}
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("không có tài khoản này")


@dataclass(frozen=True)
class User:
    """Who is asking: an account, or the one local user (account None) who may do all."""

    account: Account | None

    @property
    def name(self) -> str:
        return self.account.username if self.account else "người dùng máy này"

    def can(self, role: str) -> bool:
        return self.account is None or self.account.role == role

    def owns(self, owner_id: int | None) -> bool:
        return self.account is None or owner_id == self.account.id


LOCAL_USER = User(None)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("mật khẩu phải có ít nhất 8 ký tự")
    return _HASHER.hash(password)


def authenticate(store: Store, username: str, password: str) -> Account | None:
    """The account, if the password is right; the same work is done for an unknown name,
    so the answer's timing does not tell which names exist."""
    account = store.account(username=username)
    try:
        _HASHER.verify(account.password_hash if account else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is not None and _HASHER.check_needs_rehash(account.password_hash):
        store.set_password(username, _HASHER.hash(password))
    return account


class Throttle:
    """Failed logins per name: after `limit` failures in `window` seconds, that name is
    refused until the window passes, whatever the password (guessing stays slow)."""

    def __init__(self, limit: int = 5, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        with self.lock:
            recent = [t for t in self.failures.pop(name, []) if self.clock() - t < self.window]
            if recent:
                self.failures[name] = recent
            return len(recent) >= self.limit

    def failed(self, name: str) -> None:
        with self.lock:
            self.failures.setdefault(name, []).append(self.clock())

    def succeeded(self, name: str) -> None:
        with self.lock:
            self.failures.pop(name, None)


def session_secret(folder: Path) -> str:
    """The key that signs session cookies, made once per data folder, readable only by
    its owner."""
    path = folder / "khoa-phien"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="ascii")
    return path.read_text(encoding="ascii").strip()


def csrf_token(session: dict[str, object]) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict[str, object], sent: str | None) -> bool:
    token = session.get("csrf")
    return isinstance(token, str) and sent is not None and hmac.compare_digest(token, sent)
