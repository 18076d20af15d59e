"""The analytics page's risk lists stay short: the first 100 rows on screen, all in the CSV."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _list_page(rows: int) -> None:
    import pandas as pd

    from components.analytics_views import _render_list

    frame = pd.DataFrame({"student": [f"Kid {n}" for n in range(rows)]})
    _render_list("Students who missed their last 3 classes", frame, key="dropping")


def test_a_long_list_shows_its_first_100_rows_and_counts_them_all() -> None:
    at = AppTest.from_function(_list_page, args=(150,)).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 100
    assert "(150)" in at.markdown[0].value
    assert "the first 100 of 150" in at.caption[0].value


def test_a_short_list_is_shown_whole() -> None:
    at = AppTest.from_function(_list_page, args=(7,)).run()
    assert len(at.dataframe[0].value) == 7 and not at.caption
    assert "(7)" in at.markdown[0].value
