"""The page every PDF document is drawn on (fpdf2): paper, fonts, footer, the business block
at the top, label / value facts and tables.

- Text is written as text with `cell`/`multi_cell` and `markdown=False`; nothing is
  ever interpreted as markup, so `<script>` or `**bold**` in a name prints as typed.
- Every value goes through `services.billing.pdf_fonts.printable` first.
- Paper: US Letter for USD and CAD businesses, A4 otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.billing.document_header import ALL_LOCATIONS, DocumentHeader
from services.billing.pdf_fonts import (
    FALLBACK_FAMILY,
    FONT_BOLD,
    FONT_FAMILY,
    FONT_REGULAR,
    _add_parsed_font,
    _main_coverage,
    cjk_fallback_font,
    lighten_output_fonts,
    printable,
)
from services.kernel import clock

_LETTER_CURRENCIES = frozenset({"usd", "cad"})
_FONT_SIZE = 9
_TABLE_FONT_SIZE = 8
_ROW_LINE = 3.8  # mm per line of table text
_CELL_PAD = 1.0  # mm around table text
_HEADING_FILL = (235, 235, 235)
_RULE = (200, 200, 200)
_MUTED = (90, 90, 90)


class Column(NamedTuple):
    heading: str
    width: float  # a proportion of the page width
    numeric: bool = False


class _Pdf(FPDF):
    """A document page with Cartwheel's fonts, a footer and text-only writing helpers."""

    def __init__(self, header: DocumentHeader) -> None:
        paper = "Letter" if header.currency.strip().lower() in _LETTER_CURRENCIES else "A4"
        super().__init__(format=paper)
        for path in (FONT_REGULAR, FONT_BOLD):
            if not path.is_file():
                raise RuntimeError(
                    f"The PDF font {path} is missing: install Debian's fonts-dejavu-core."
                )
        _add_parsed_font(self, FONT_FAMILY, "", FONT_REGULAR)
        _add_parsed_font(self, FONT_FAMILY, "B", FONT_BOLD)
        self._fallback_added = False
        self._doc_header = header
        self._footer_text = self.clean(
            f"{header.business_name} · {header.title} · {header.family_name}"
        )
        self.set_title(self.clean(f"{header.title} — {header.family_name}"))
        self.set_author(self.clean(header.business_name))
        self.set_creator("Cartwheel")
        self.set_creation_date(clock.now())
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.add_page()
        self.set_font(FONT_FAMILY, size=_FONT_SIZE)

    def clean(self, value: object) -> str:
        """A value made printable; registers the CJK fallback font the first time needed."""
        clean, needs_fallback = printable("" if value is None else str(value))
        if needs_fallback and not self._fallback_added:
            fallback = cjk_fallback_font()
            assert fallback is not None  # printable() only asks for it when present
            _add_parsed_font(self, FALLBACK_FAMILY, "", fallback)
            self.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)
            self._fallback_added = True
        return clean

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=7)
        self.set_text_color(*_MUTED)
        self.cell(self.epw * 0.75, 5, self._footer_text, markdown=False)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R", markdown=False)
        self.set_text_color(0, 0, 0)

    def line_of(self, value: object, *, size: float = _FONT_SIZE, bold: bool = False) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.multi_cell(
            0, size * 0.5, self.clean(value), markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font(FONT_FAMILY, "", _FONT_SIZE)

    def facts(self, pairs: Sequence[tuple[str, object]]) -> None:
        """Label / value lines ("Family:  Rivera family")."""
        for label, value in pairs:
            self.set_font(FONT_FAMILY, "B", _FONT_SIZE)
            self.cell(42, 5, self.clean(label), markdown=False)
            self.set_font(FONT_FAMILY, "", _FONT_SIZE)
            self.multi_cell(
                0, 5, self.clean(value), markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )

    def grid(self, spec: Sequence[Column], rows: Iterable[Sequence[object]]) -> None:
        """A table: column widths are proportions of the page width, numeric columns are
        right-aligned, long text wraps, and the headings repeat on every page.

        Drawn with plain cells: fpdf2's `table()` measures every cell twice and costs about
        7 ms a row, too slow for a three-year ledger.
        """
        columns = [c.width * self.epw / sum(c.width for c in spec) for c in spec]
        aligns = ["R" if c.numeric else "L" for c in spec]
        titles = [self.clean(c.heading) for c in spec]
        self.ln(2)
        self._grid_row(titles, columns, aligns, heading=True)
        for values in rows:
            self.set_font(FONT_FAMILY, "", _TABLE_FONT_SIZE)
            cells = [self.clean(v) for v in values]
            lines = [
                self._cell_lines(text, width) for text, width in zip(cells, columns, strict=True)
            ]
            if self.will_page_break(_row_height(lines)):
                self.add_page()
                self._grid_row(titles, columns, aligns, heading=True)
            self._draw_row(lines, columns, aligns)
        self.set_font(FONT_FAMILY, "", _FONT_SIZE)
        self.ln(2)

    def _cell_lines(self, text: str, width: float) -> list[str]:
        """Greedy word wrap (fpdf2's `multi_cell` dry run costs ~2 ms a cell); a word
        longer than the column is cut where it must be."""
        inner = width - 2 * _CELL_PAD
        if self.get_string_width(text) <= inner:
            return [text]
        space = self.get_string_width(" ")
        lines: list[str] = []
        current, used = "", 0.0
        for word in text.split(" "):
            size = self.get_string_width(word)
            if current and used + space + size <= inner:
                current, used = f"{current} {word}", used + space + size
                continue
            if current:
                lines.append(current)
            while size > inner and len(word) > 1:
                cut = self._fitting_prefix(word, inner)
                lines.append(word[:cut])
                word = word[cut:]
                size = self.get_string_width(word)
            current, used = word, size
        lines.append(current)
        return lines

    def _fitting_prefix(self, word: str, inner: float) -> int:
        """How many leading characters of `word` fit in `inner` (at least one)."""
        low, high = 1, len(word)
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(word[:middle]) <= inner:
                low = middle
            else:
                high = middle - 1
        return low

    def _grid_row(
        self,
        cells: Sequence[str],
        columns: Sequence[float],
        aligns: Sequence[str],
        *,
        heading: bool,
    ) -> None:
        self.set_font(FONT_FAMILY, "B" if heading else "", _TABLE_FONT_SIZE)
        lines = [self._cell_lines(text, width) for text, width in zip(cells, columns, strict=True)]
        if heading:
            self.set_fill_color(*_HEADING_FILL)
            self.rect(self.l_margin, self.get_y(), self.epw, _row_height(lines), style="F")
        self._draw_row(lines, columns, aligns)

    def _draw_row(
        self, lines: Sequence[Sequence[str]], columns: Sequence[float], aligns: Sequence[str]
    ) -> None:
        top, x, height = self.get_y(), self.l_margin, _row_height(lines)
        for chunk, width, align in zip(lines, columns, aligns, strict=True):
            for number, text in enumerate(chunk):
                line_top = top + _CELL_PAD + number * _ROW_LINE
                self._put(text, x + _CELL_PAD, line_top, width - 2 * _CELL_PAD, align)
            x += width
        self.set_xy(self.l_margin, top + height)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, top + height, self.l_margin + self.epw, top + height)

    def _put(self, text: str, left: float, top: float, width: float, align: str) -> None:
        """One line of a table cell. `FPDF.text` is ~30 times cheaper than `cell` but knows
        no fallback font, so text that needs the CJK font goes through `cell`."""
        if not text:
            return
        main = _main_coverage()
        if any(ord(char) not in main for char in text):
            self.set_xy(left - self.c_margin, top)  # `cell` pads by c_margin itself
            self.cell(width + 2 * self.c_margin, _ROW_LINE, text, align=align, markdown=False)
            return
        if align == "R":
            left += width - self.get_string_width(text)
        # `cell` puts the baseline here, vertically centring one line of text.
        self.text(left, top + _ROW_LINE / 2 + 0.3 * self.font_size, text)

    def top(self, facts: Sequence[tuple[str, object]]) -> None:
        """Business block, title and the document's facts."""
        header = self._doc_header
        self.line_of(header.business_name, size=14, bold=True)
        for address_line in header.business_address.splitlines():
            self.line_of(address_line)
        self.ln(3)
        title = header.title
        if header.location_name and header.location_name != ALL_LOCATIONS:
            title = f"{title} — {header.location_name}"
        self.line_of(title, size=12, bold=True)
        if header.location_address:
            self.line_of(header.location_address)
        self.ln(2)
        self.facts(facts)

    def finish(self) -> bytes:
        lighten_output_fonts(self)
        return bytes(self.output())


def _row_height(lines: Sequence[Sequence[str]]) -> float:
    return max(len(chunk) for chunk in lines) * _ROW_LINE + 2 * _CELL_PAD
