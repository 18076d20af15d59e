"""Checks for values that arrive from widgets (a client can forge any of them)."""

from __future__ import annotations

from services.errors import ValidationError


def require_id(value: object, what: str) -> int:
    """A record id must be a real int (not a bool, str or float); else a readable refusal."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"That {what} is not valid.")
    return value
