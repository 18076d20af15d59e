"""Configuration comes from environment variables; `.streamlit/secrets.toml` may supply them."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

SECRETS_FILE = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml"


def load_secrets_file(path: Path = SECRETS_FILE) -> list[str]:
    """Fill unset environment variables from the secrets file; returns the keys it set."""
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        values = tomllib.load(handle)
    applied = []
    for key, value in values.items():
        if key.isupper() and isinstance(value, str | int | bool) and key not in os.environ:
            os.environ[key] = str(value)
            applied.append(key)
    return applied


DEFAULT_BASE_URL = "http://localhost:8501"


def public_base_url() -> str:
    """The portal's public address, used in e-mailed links (invitations, password resets):
    CARTWHEEL_BASE_URL, else the local default. Never taken from a request's Host header,
    which whoever sends the request controls."""
    return (os.environ.get("CARTWHEEL_BASE_URL", "").strip() or DEFAULT_BASE_URL).rstrip("/")
