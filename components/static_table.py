"""Small read-only tables drawn as plain HTML tables (`st.table`), not as Streamlit's data
grid: a screen reader reads them as real tables, and a page that shows one does not make the
browser load and start the grid (about half a second the first time a browser session meets
it: the owner's first page after sign-in drew three). For short lists only (a page of rows);
long, sortable lists stay `st.dataframe`. `st.table` reads Markdown in every cell, so every
cell is escaped: names and descriptions are data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from components.formatting import escape_markdown


def render_static_table(
    rows: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    alt: str,
    right: Sequence[str] = (),
) -> None:
    """`rows` as a table named `alt` for assistive technology; the `right` columns (amounts,
    counts) right-aligned."""
    frame = pd.DataFrame(rows)
    text = frame.map(lambda value: escape_markdown("" if value is None else str(value)))
    shown = text.style.set_properties(subset=list(right), **{"text-align": "right"})
    st.table(shown if right else text, hide_index=True, alt=alt)
