"""The fonts of the PDF documents and the text they can print.

- Fonts: DejaVu Sans (Debian package `fonts-dejavu-core`) covers Latin, Greek, Cyrillic,
  Hebrew, Arabic letters and many symbols. Chinese, Japanese and Korean come from Droid Sans
  Fallback (Debian package `fonts-droid-fallback`), loaded only when a document needs it;
  without that package those characters print as the placeholder. Any character neither
  font has (emoji, for instance) prints as one U+FFFD "�" per run of such characters;
  control characters become spaces, and invisible format characters (zero-width joiners,
  variation selectors, direction marks) are dropped. There is no text shaping (no
  HarfBuzz): Arabic and Indic names print as their letters in typed order, unjoined.
- A font file is parsed once per process and shared by every document
  (`_add_parsed_font`).
"""

from __future__ import annotations

import copy
import functools
import io
import unicodedata
from pathlib import Path

from fontTools import subset as font_subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_FAMILY = "dejavu"
FALLBACK_FAMILY = "droidfallback"
FONT_REGULAR = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# fonts-droid-fallback: this copy has every Hangul syllable, unlike DroidSansFallbackFull.
CJK_FALLBACK_CANDIDATES = (
    Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
PLACEHOLDER = "\ufffd"
_DROPPED = frozenset({"Cf"})  # format characters: ZWJ, bidi marks, soft hyphen
_VARIATION_SELECTORS = frozenset(range(0xFE00, 0xFE10)) | frozenset(range(0xE0100, 0xE01F0))
# What nearly every document prints: Latin (to Latin Extended-B), punctuation, currency and
# letter-like symbols (see `lighten_output_fonts`). A smaller cut is a faster subset: with
# Greek and Cyrillic too, a 3-page ledger took 54 ms instead of 48.
_COMMON_BLOCKS = ((0x20, 0x250), (0x2000, 0x2070), (0x20A0, 0x20D0), (0x2100, 0x2150))


@functools.cache
def _coverage(path: Path) -> frozenset[int]:
    """The code points a font file has glyphs for (read once per process)."""
    return frozenset(TTFont(path, lazy=True).getBestCmap())


@functools.cache
def _main_coverage() -> frozenset[int]:
    """What DejaVu prints in both weights (any text may be set in bold)."""
    return _coverage(FONT_REGULAR) & _coverage(FONT_BOLD)


@functools.cache
def cjk_fallback_font() -> Path | None:
    """The installed CJK fallback font file, if any."""
    return next((path for path in CJK_FALLBACK_CANDIDATES if path.is_file()), None)


def printable(text: str) -> tuple[str, bool]:
    """`text` as the PDF will print it (see the module notes) and whether it needs the
    CJK fallback font."""
    main = _main_coverage()
    fallback_path = cjk_fallback_font()
    fallback = _coverage(fallback_path) if fallback_path else frozenset()
    out: list[str] = []
    needs_fallback = False
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        category = unicodedata.category(char)
        if category in _DROPPED or code in _VARIATION_SELECTORS:
            continue
        if category == "Cc":
            char = " "
        elif code not in main:
            if code in fallback:
                needs_fallback = True
            else:
                char = PLACEHOLDER
        if char == PLACEHOLDER and out and out[-1] == PLACEHOLDER:
            continue
        out.append(char)
    return "".join(out), needs_fallback


@functools.cache
def _parsed_font(path: Path, style: str) -> TTFFont:
    """A font as fpdf2 parses it (its whole character map and widths: about 20 ms for DejaVu
    Sans), parsed once per process instead of once per document."""
    scratch = FPDF()
    scratch.add_font("parsed", style, str(path))
    return scratch.fonts[f"parsed{style}"]


def _add_parsed_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """`pdf.add_font` from the parsed copy. The widths and character map are shared (read
    only); what fpdf2 changes while writing one document is made fresh: the set of glyphs
    used (`subset`) and the fontTools font it subsets in place when it saves the file."""
    font = copy.copy(_parsed_font(path, style))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family}{style}"
    font.ttfont = TTFont(str(path), recalcTimestamp=False, lazy=True)
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


@functools.cache
def _common_cut(path: Path) -> tuple[bytes, frozenset[str]]:
    """`path` cut down, once per process, to the glyphs of `_COMMON_BLOCKS` (glyph names
    kept, layout tables dropped: fpdf2 drops them too), and the names of its glyphs."""
    font = TTFont(str(path), recalcTimestamp=False)
    options = font_subset.Options(
        notdef_outline=True, recommended_glyphs=True, glyph_names=True, layout_features=[]
    )
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB"]
    cutter = font_subset.Subsetter(options)
    cutter.populate(unicodes=[code for low, high in _COMMON_BLOCKS for code in range(low, high)])
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), frozenset(font.getGlyphOrder())


def lighten_output_fonts(pdf: FPDF) -> None:
    """Before saving: a DejaVu font whose used glyphs are all in the common cut is subset from
    that cut instead of the whole file. The glyphs written are the same; fpdf2's subsetting
    reads a fraction of the data (about 5 instead of 21 ms per font)."""
    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont) or Path(font.ttffile) not in (FONT_REGULAR, FONT_BOLD):
            continue
        data, names = _common_cut(Path(font.ttffile))
        if set(font.subset.get_all_glyph_names()) <= names:
            font.ttfont = TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
