"""HMAC-SHA256 signatures with the app secret, for codes that leave the server (check-in QR
codes, private calendar links) and must come back unforged.

The secret is `CARTWHEEL_SECRET_KEY` from the environment (at least 32 characters). When it
is unset, a random key is generated once and kept in `data/secret_key` (mode 0600, never
committed), so every app process on the machine signs alike. Several processes on several
machines must share `CARTWHEEL_SECRET_KEY`. Changing the key invalidates every code and link
signed with the old one: that is how they are all revoked at once. One student's code or link
is revoked by its version instead (services.families.code_resets).

A token is `<payload>.<signature>`; the signature is the first 128 bits of
HMAC-SHA256(key, purpose, payload) in upper-case base32 without padding, so tokens fit URL
paths and QR alphanumeric mode, and survive a scanner that changes letter case.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from data.db import DATA_DIR

SECRET_ENV = "CARTWHEEL_SECRET_KEY"  # noqa: S105 (the variable's name, not a secret)
SECRET_FILE = DATA_DIR / "secret_key"  # data/secret_key, git-ignored
MIN_SECRET_LENGTH = 32
MAX_TOKEN_LENGTH = 512
SIGNATURE_BYTES = 16  # 128 bits: forging one still takes ~2**128 guesses
SIGNATURE_LENGTH = 26  # base32 characters for 16 bytes, padding removed


@functools.cache
def secret_key() -> bytes:
    """The signing key, read once per process (tests call `secret_key.cache_clear()`)."""
    configured = os.environ.get(SECRET_ENV, "").strip()
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise RuntimeError(f"{SECRET_ENV} must be at least {MIN_SECRET_LENGTH} characters.")
        return configured.encode("utf-8")
    return _key_from_file(SECRET_FILE)


def _key_from_file(path: Path) -> bytes:
    """Read the stored key, creating it first if there is none. Safe when several processes
    start at once: the key is written to a private temporary file and linked into place,
    which fails for all but the first writer; the others read the winner's key."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):  # another process won the race
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"{path} holds no usable key; delete it to make a new one.")
    return key.encode("ascii")


def _signature(purpose: str, payload: str) -> str:
    # Length-prefixed, so no (purpose, payload) pair can pose as another.
    message = f"{len(purpose)}:{purpose}:{payload}".encode()
    digest = hmac.new(secret_key(), message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=")


def sign(purpose: str, payload: str) -> str:
    """`payload` with its signature for `purpose` appended after a dot."""
    if not purpose:
        raise ValueError("a signing purpose is required")
    return f"{payload}.{_signature(purpose, payload)}"


def verify(purpose: str, token: str) -> str | None:
    """The payload of a token signed for `purpose`; None for anything forged or malformed."""
    if not isinstance(token, str) or not purpose or len(token) > MAX_TOKEN_LENGTH:
        return None
    payload, dot, given = token.rpartition(".")
    if not dot or len(given) != SIGNATURE_LENGTH or not given.isascii():
        return None
    expected = _signature(purpose, payload)
    if not hmac.compare_digest(expected.encode("ascii"), given.upper().encode("ascii")):
        return None
    return payload
