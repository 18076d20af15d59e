"""Random tokens and their stored hashes (sessions, grants, invitations, resets)."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """256 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps instead of a token. SHA-256 suffices: tokens are random.
    `surrogatepass`: a forged token with a lone surrogate hashes like any unknown token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
