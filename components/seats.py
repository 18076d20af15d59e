"""How many seats a class meeting has left, in words. A meeting over capacity says so: an
overbooking must never read as "0 open"."""

from __future__ import annotations


def seats_label(open_seats: int) -> str:
    """'3 seats left', '1 seat left', 'full', or 'over capacity by 2'."""
    if open_seats < 0:
        return f"over capacity by {-open_seats}"
    if open_seats == 0:
        return "full"
    return f"{open_seats} seat{'s' if open_seats != 1 else ''} left"
