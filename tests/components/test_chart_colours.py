"""Chart colours come from components/chart_colours.py only: the theme's primary colour first,
and each at least 3:1 against the white page (WCAG 1.4.11, graphical objects)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from components import chart_colours

ROOT = Path(__file__).resolve().parents[2]
HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")
# The style sheet holds the focus ring's colour, not a chart's.
OWN_COLOURS = {"components/chart_colours.py", "components/page_style.py"}
MARKS = {
    name: value
    for name, value in vars(chart_colours).items()
    if name.isupper() and isinstance(value, str)
}


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_primary_is_the_themes() -> None:
    theme = tomllib.loads((ROOT / ".streamlit/config.toml").read_text("utf-8"))["theme"]
    assert chart_colours.PRIMARY.upper() == theme["primaryColor"].upper()
    assert chart_colours.SCALE[-1][1] == chart_colours.PRIMARY


@pytest.mark.parametrize("name", sorted(MARKS))
def test_each_mark_colour_stands_out_from_the_page(name: str) -> None:
    assert contrast(MARKS[name], "#FFFFFF") >= 3.0, name


def test_contrast_is_computed_as_wcag_says() -> None:
    assert round(contrast("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast("#767676", "#FFFFFF"), 1) == 4.5


def test_no_chart_colour_is_written_anywhere_else() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {colour}"
        for folder in ("components", "pages")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in OWN_COLOURS
        for colour in HEX.findall(path.read_text("utf-8"))
    ]
    assert not found, found
