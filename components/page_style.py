"""The few accessibility rules the theme cannot express (docs/decisions-18-a11y.md), drawn once
per script run by the router. Plain CSS in a <style> element: the Content-Security-Policy allows
inline styles (Streamlit styles itself at run time), and no script is involved.

- A focus ring that shows on every control reached by keyboard.
- On phones and small tablets (below Streamlit's 768 px breakpoint) tap targets of at least
  44×44 px: buttons, links, tabs, segmented controls, toggles and checkboxes, select boxes and
  the help icons (WCAG 2.5.5 / Apple's and Google's guidance); headings' small section-link
  anchors are hidden there.
- A contact value on Account keeps its Edit button on its line on a phone.
"""

from __future__ import annotations

import streamlit as st

PHONE_MAX_WIDTH_PX = 767
TAP_TARGET_PX = 44

_CSS = f"""
<style>
:focus-visible {{
  outline: 3px solid #0B4F5C !important;
  outline-offset: 2px !important;
}}
/* A contact value and its Edit button (components/account/panels.py): the value wraps (a
   long e-mail address anywhere), the button stays beside it instead of dropping below. */
.stApp [class*="st-key-cw-line-"] {{
  flex-wrap: nowrap;
}}
.stApp [class*="st-key-cw-line-"] > :first-child {{
  min-width: 0;
  overflow-wrap: anywhere;
}}
.stApp [class*="st-key-cw-line-"] > :last-child {{
  flex-shrink: 0;
}}
@media (max-width: {PHONE_MAX_WIDTH_PX}px) {{
  .stApp button,
  .stApp [role="tab"],
  .stApp [data-testid="stSidebarNavLink"],
  .stApp [data-testid="stPageLink-NavLink"],
  .stApp [data-baseweb="select"] > div,
  .stApp [data-testid="stTooltipHoverTarget"] {{
    min-height: {TAP_TARGET_PX}px;
  }}
  .stApp button,
  .stApp [role="tab"],
  .stApp [data-testid="stTooltipHoverTarget"] {{
    min-width: {TAP_TARGET_PX}px;
  }}
  /* A heading's 16 px "link to this section" anchor: too small to tap, and of no use on a
     phone. */
  .stApp [data-testid="stHeaderActionElements"] {{
    display: none;
  }}
  .stApp [data-testid="stTooltipHoverTarget"] {{
    display: inline-flex;
    align-items: center;
    justify-content: center;
  }}
  .stApp [data-testid="stCheckbox"] label,
  .stApp [data-testid="stToggle"] label,
  .stApp [data-testid="stRadio"] label {{
    min-height: {TAP_TARGET_PX}px;
    align-items: center;
  }}
}}
</style>
"""


def render_page_style() -> None:
    """Add the style sheet to this run's page (it takes no space on the page)."""
    st.html(_CSS)
