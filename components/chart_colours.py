"""The colours of every chart, in one place. The first is the theme's primary colour
(.streamlit/config.toml); each reaches 3:1 against the white page, the least WCAG 1.4.11 asks
of graphical objects (tests/components/test_chart_colours.py checks both)."""

from __future__ import annotations

PRIMARY = "#145F6E"  # the theme's primaryColor: the main series of every chart
SECONDARY = "#B45F06"  # amber: the second series beside PRIMARY
GREEN = "#2E7D32"
RED = "#C0392B"
GREY = "#6B7785"
# Continuous scales (the heatmap) run from a pale tint to PRIMARY; the numbers are in the
# table beside the chart, so the pale end need not stand out from the page.
SCALE = ((0.0, "#E3EEF0"), (1.0, PRIMARY))
