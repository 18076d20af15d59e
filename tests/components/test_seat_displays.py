"""Seat counts as shown: an overbooked class is never shown as "0 open" or as negative open
seats (issue 13, item 20)."""

from __future__ import annotations

import pandas as pd
import pytest

from components.analytics_charts import fill_figure
from components.seats import seats_label


@pytest.mark.parametrize(
    ("count", "label"),
    [(3, "3 seats left"), (1, "1 seat left"), (0, "full"), (-1, "over capacity by 1")],
)
def test_seats_label(count: int, label: str) -> None:
    assert seats_label(count) == label


def test_the_fill_chart_shows_students_over_capacity_as_their_own_bar() -> None:
    frame = pd.DataFrame(
        {
            "class": ["Tumblers", "Flips"],
            "location": ["Northside", "Northside"],
            "capacity": [3, 8],
            "enrolled": [4, 5],
            "waitlist": [2, 0],
        }
    )
    bars = {bar.name: list(bar.y) for bar in fill_figure(frame).data}
    assert bars == {
        "Enrolled": [3, 5],
        "Over capacity": [1, 0],
        "Open seats": [0, 3],
        "Waitlist": [2, 0],
    }
