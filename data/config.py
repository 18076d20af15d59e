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
