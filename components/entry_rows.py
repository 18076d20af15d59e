"""Phone-friendly rows: a list of entries, each with its date and description on the left and
its amount (or state) right-aligned, the rest of its facts one tap away (a native
<details>). A 390 px screen shows every key fact without scrolling sideways, which a wide
st.dataframe cannot (docs/decisions-18-phonerows.md).

The rows are plain HTML through st.html (inline styles are allowed by the CSP, see
routes/security_headers.py); every value is escaped here. Long lists are paged,
`PER_PAGE` entries at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape

import streamlit as st

PER_PAGE = 20
PHONE_WIDTH = 640  # Streamlit's own phone breakpoint (the sidebar becomes an overlay below it)

# Sizes, never a lighter grey: a smaller line keeps the theme's text colour and its contrast.
ROWS_CSS = """<style>
.cw-rows{list-style:none;margin:0 0 .5rem 0!important;padding:0!important}
.cw-rows>li{border-bottom:1px solid rgba(128,128,128,.35);margin:0!important;padding:0!important}
.cw-row{display:flex;justify-content:space-between;align-items:center;gap:.75rem;
min-height:44px;padding:.4rem .25rem;cursor:default}
details>.cw-row{cursor:pointer;list-style:none}
details>.cw-row::-webkit-details-marker{display:none}
.cw-left{display:flex;flex-direction:column;min-width:0;overflow-wrap:anywhere}
.cw-right{display:flex;flex-direction:column;align-items:flex-end;text-align:right;
white-space:nowrap;font-variant-numeric:tabular-nums}
.cw-small{font-size:.85rem}
.cw-facts{display:grid;grid-template-columns:auto 1fr;gap:.1rem .75rem;margin:0 .25rem .5rem}
.cw-facts dt{font-weight:600}.cw-facts dd{margin:0;overflow-wrap:anywhere}
</style>"""
RESPONSIVE_CSS = f"""<style>
@media (max-width:{PHONE_WIDTH}px){{[class*="st-key-cw-wide-"]{{display:none}}}}
@media (min-width:{PHONE_WIDTH + 1}px){{[class*="st-key-cw-phone-"]{{display:none}}}}
</style>"""


@dataclass(frozen=True)
class Entry:
    """One row: `title` and `subtitle` on the left, `value` and `value_note` on the right,
    `details` (label, text) behind a tap."""

    title: str
    subtitle: str = ""
    value: str = ""
    value_note: str = ""
    details: tuple[tuple[str, str], ...] = ()


def entry_html(entry: Entry) -> str:
    left = f"<span>{escape(entry.title)}</span>"
    if entry.subtitle:
        left = f'<span class="cw-small">{escape(entry.subtitle)}</span>{left}'
    right = f"<strong>{escape(entry.value)}</strong>" if entry.value else ""
    if entry.value_note:
        right += f'<span class="cw-small">{escape(entry.value_note)}</span>'
    row = f'<span class="cw-left">{left}</span><span class="cw-right">{right}</span>'
    facts = [(label, text) for label, text in entry.details if text]
    if not facts:
        return f'<li><div class="cw-row">{row}</div></li>'
    listed = "".join(f"<dt>{escape(label)}</dt><dd>{escape(text)}</dd>" for label, text in facts)
    return (
        f'<li><details><summary class="cw-row">{row}</summary>'
        f'<dl class="cw-facts">{listed}</dl></details></li>'
    )


def rows_html(entries: Sequence[Entry], label: str) -> str:
    items = "".join(entry_html(entry) for entry in entries)
    return f'{ROWS_CSS}<ul class="cw-rows" aria-label="{escape(label)}">{items}</ul>'


def render_entries(entries: Sequence[Entry], *, label: str, key: str) -> None:
    """The entries as rows, `PER_PAGE` a page with Previous/Next under them."""
    pages = max(1, -(-len(entries) // PER_PAGE))
    page_key = f"{key}.page"
    page = min(st.session_state.get(page_key, 0), pages - 1)
    shown = entries[page * PER_PAGE : (page + 1) * PER_PAGE]
    st.html(rows_html(shown, label))
    if pages > 1:
        back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
        if back.button("Previous", key=f"{key}.previous", disabled=page == 0):
            st.session_state[page_key] = page - 1
            st.rerun()
        where.caption(f"Page {page + 1} of {pages} · {len(entries)} entries")
        if forward.button("Next", key=f"{key}.next", disabled=page + 1 >= pages):
            st.session_state[page_key] = page + 1
            st.rerun()


@contextmanager
def phone_only(key: str) -> Iterator[None]:
    """What only a narrow screen shows (hidden by a CSS media query above `PHONE_WIDTH`)."""
    st.html(RESPONSIVE_CSS)
    with st.container(key=f"cw-phone-{key}"):
        yield


@contextmanager
def wide_only(key: str) -> Iterator[None]:
    """What only a wide screen shows (hidden by a CSS media query up to `PHONE_WIDTH`)."""
    st.html(RESPONSIVE_CSS)
    with st.container(key=f"cw-wide-{key}"):
        yield
