"""Statements, ledgers, year-end statements and receipts as PDF (fpdf2) and CSV files.

PDF:
- Text is written as text with `cell`/`multi_cell` and `markdown=False`; nothing is
  ever interpreted as markup, so `<script>` or `**bold**` in a name prints as typed.
- Fonts: DejaVu Sans (Debian package `fonts-dejavu-core`) covers Latin, Greek, Cyrillic,
  Hebrew, Arabic letters and many symbols. Chinese, Japanese and Korean come from Droid Sans
  Fallback (Debian package `fonts-droid-fallback`), loaded only when a document needs it;
  without that package those characters print as the placeholder. Any character neither
  font has (emoji, for instance) prints as one U+FFFD "�" per run of such characters;
  control characters become spaces, and invisible format characters (zero-width joiners,
  variation selectors, direction marks) are dropped. There is no text shaping (no
  HarfBuzz): Arabic and Indic names print as their letters in typed order, unjoined.
- Paper: US Letter for USD and CAD businesses, A4 otherwise.

CSV (for spreadsheets):
- UTF-8 with a byte-order mark, so Excel opens accents and CJK correctly; `\\r\\n` rows.
- Formula-safe: a text cell whose first character, or first after leading white space, is
  `=`, `+`, `-`, `@` (or their full-width forms), a tab, CR or LF gets a leading `'`.
- Amounts stay numeric: dollars and cents as plain decimals without separators or symbol,
  "12.50", with a leading minus for credits ("-5.00"); the column heading names the
  currency. Dates are ISO (2026-11-24).
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from services.billing.statements import (
    ALL_LOCATIONS,
    DocumentHeader,
    LedgerReport,
    Receipt,
    Statement,
    YearEnd,
)
from services.kernel import clock
from services.kernel.money import format_cents

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
_FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_BOM = "\ufeff"
_LETTER_CURRENCIES = frozenset({"usd", "cad"})
_FONT_SIZE = 9
_TABLE_FONT_SIZE = 8
_ROW_LINE = 3.8  # mm per line of table text
_CELL_PAD = 1.0  # mm around table text
_HEADING_FILL = (235, 235, 235)
_RULE = (200, 200, 200)
_MUTED = (90, 90, 90)


# -- CSV -----------------------------------------------------------------------------------


class _Number(str):
    """A cell we formatted as a number ourselves; never neutralised."""

    __slots__ = ()


def csv_amount(cents: int) -> str:
    """1250 → "12.50", -500 → "-5.00": numeric for spreadsheets, exact (no float)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"csv_amount needs integer cents, got {type(cents).__name__}")
    whole, part = divmod(abs(cents), 100)
    return _Number(f"{'-' if cents < 0 else ''}{whole}.{part:02d}")


def safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading `'` when it could start one."""
    if text[:1] in _FORMULA_STARTS or text.lstrip()[:1] in _FORMULA_STARTS:
        return "'" + text
    return text


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return safe_cell(str(value))


def _csv(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return (_BOM + buffer.getvalue()).encode("utf-8")


def frame_csv(frame: pd.DataFrame) -> bytes:
    """Any table of figures as formula-safe CSV (the staff charts' "numbers" downloads)."""
    return _csv([list(frame.columns), *frame.itertuples(index=False, name=None)])


def _unit(currency: str) -> str:
    return currency.strip().upper()


def statement_csv(statement: Statement) -> bytes:
    """One row per open charge, then a "Total due" row."""
    unit = _unit(statement.header.currency)
    heading = ["Date", "Service date", "Description", "Student", "Type"]
    heading += [f"Amount ({unit})", f"Paid ({unit})", f"Due ({unit})"]
    rows: list[Sequence[object]] = [heading]
    for line in statement.lines.itertuples(index=False):
        rows.append(
            [
                line.date,
                line.service_date,
                line.description,
                line.student,
                line.type,
                csv_amount(int(line.amount_cents)),
                csv_amount(int(line.paid_cents)),
                csv_amount(int(line.due_cents)),
            ]
        )
    rows.append(["", "", "Total due", "", "", "", "", csv_amount(statement.total_due_cents)])
    return _csv(rows)


def ledger_csv(report: LedgerReport) -> bytes:
    """An "Opening balance" row, then one row per entry with the running balance. Serves
    the location ledger and the combined statement alike."""
    unit = _unit(report.header.currency)
    heading = ["Date", "Service date", "Description", "Student", "Location", "Type"]
    heading += [f"Amount ({unit})", f"Balance ({unit})"]
    rows: list[Sequence[object]] = [heading]
    opening = csv_amount(report.opening_balance_cents)
    rows.append([report.period.start, "", "Opening balance", "", "", "", "", opening])
    for line in report.lines.itertuples(index=False):
        rows.append(
            [
                line.date,
                line.service_date,
                line.description,
                line.student,
                line.location,
                line.type,
                csv_amount(int(line.amount_cents)),
                csv_amount(int(line.balance_cents)),
            ]
        )
    return _csv(rows)


combined_statement_csv = ledger_csv


# -- PDF text and fonts ----------------------------------------------------------------------


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


class Column(NamedTuple):
    heading: str
    width: float  # a proportion of the page width
    numeric: bool = False


_STATEMENT_COLUMNS = (
    Column("Date", 22),
    Column("Description", 64),
    Column("Student", 34),
    Column("Amount", 20, numeric=True),
    Column("Paid", 20, numeric=True),
    Column("Due", 20, numeric=True),
)
_LEDGER_COLUMNS = (
    Column("Date", 22),
    Column("Service date", 22),
    Column("Description", 48),
    Column("Student", 28),
    Column("Type", 20),
    Column("Amount", 20, numeric=True),
    Column("Balance", 20, numeric=True),
)
_COMBINED_COLUMNS = (
    Column("Date", 22),
    Column("Service date", 22),
    Column("Description", 36),
    Column("Student", 24),
    Column("Location", 20),
    Column("Type", 18),
    Column("Amount", 20, numeric=True),
    Column("Balance", 20, numeric=True),
)
_YEAR_END_STUDENT_COLUMNS = (
    Column("Student", 90),
    Column("Paid", 30, numeric=True),
    Column("Refunded", 30, numeric=True),
    Column("Net", 30, numeric=True),
)
_YEAR_END_ENTRY_COLUMNS = (
    Column("Date", 22),
    Column("Description", 62),
    Column("Student", 30),
    Column("Location", 26),
    Column("Type", 20),
    Column("Amount", 20, numeric=True),
)
_RECEIPT_COLUMNS = (
    Column("Charge", 90),
    Column("Student", 40),
    Column("Service date", 25),
    Column("Amount", 25, numeric=True),
)


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
        return bytes(self.output())


def _row_height(lines: Sequence[Sequence[str]]) -> float:
    return max(len(chunk) for chunk in lines) * _ROW_LINE + 2 * _CELL_PAD


def _day(value: object) -> str:
    if isinstance(value, date):
        return f"{value:%b} {value.day}, {value.year}"
    return ""


def _family_facts(header: DocumentHeader) -> list[tuple[str, object]]:
    facts: list[tuple[str, object]] = [("Family", header.family_name)]
    if header.guardian_name:
        facts.append(("Guardian", header.guardian_name))
    return facts


# -- PDF documents ---------------------------------------------------------------------------


def statement_pdf(statement: Statement) -> bytes:
    header = statement.header
    money = functools.partial(format_cents, currency=header.currency)
    pdf = _Pdf(header)
    facts = _family_facts(header)
    facts += [
        ("Statement date", _day(header.issued_on)),
        ("Total due", money(statement.total_due_cents)),
    ]
    if statement.credit_cents:
        facts.append(("Unapplied credit", money(statement.credit_cents)))
    pdf.top(facts)
    if statement.lines.empty:
        pdf.ln(3)
        pdf.line_of("Nothing is owed at this location.")
        return pdf.finish()
    rows = [
        (
            _day(line.date),
            line.description,
            line.student,
            money(int(line.amount_cents)),
            money(int(line.paid_cents)),
            money(int(line.due_cents)),
        )
        for line in statement.lines.itertuples(index=False)
    ]
    rows.append(("", "Total due", "", "", "", money(statement.total_due_cents)))
    pdf.grid(_STATEMENT_COLUMNS, rows)
    return pdf.finish()


def ledger_pdf(report: LedgerReport) -> bytes:
    """The location ledger, or the combined statement (with a Location column)."""
    header = report.header
    money = functools.partial(format_cents, currency=header.currency)
    every_location = report.location_id is None
    pdf = _Pdf(header)
    period = f"{_day(report.period.start)} – {_day(report.period.last)}"
    if not report.full_history:
        period += " (the last 30 days)"
    facts = _family_facts(header)
    facts += [
        ("Date", _day(header.issued_on)),
        ("Period", period),
        ("Opening balance", money(report.opening_balance_cents)),
        ("Charges and refunds", money(report.debits_cents)),
        ("Payments and credits", money(-report.credits_cents)),
        ("Closing balance", money(report.closing_balance_cents)),
    ]
    pdf.top(facts)
    where: list[object] = [""] if every_location else []
    opening = money(report.opening_balance_cents)
    rows: list[Sequence[object]] = [
        [_day(report.period.start), "", "Opening balance", "", *where, "", "", opening]
    ]
    for line in report.lines.itertuples(index=False):
        where = [line.location] if every_location else []
        rows.append(
            [
                _day(line.date),
                _day(line.service_date),
                line.description,
                line.student,
                *where,
                line.type,
                money(int(line.amount_cents)),
                money(int(line.balance_cents)),
            ]
        )
    pdf.grid(_COMBINED_COLUMNS if every_location else _LEDGER_COLUMNS, rows)
    return pdf.finish()


combined_statement_pdf = ledger_pdf


def year_end_pdf(year_end: YearEnd) -> bytes:
    header = year_end.header
    money = functools.partial(format_cents, currency=header.currency)
    pdf = _Pdf(header)
    facts = _family_facts(header)
    if header.business_tax_id:
        facts.append(("Tax id", header.business_tax_id))
    facts += [
        ("Year", str(year_end.year)),
        ("Date", _day(header.issued_on)),
        ("Paid", money(year_end.total_paid_cents)),
        ("Refunded", money(year_end.total_refunded_cents)),
        ("Net paid", money(year_end.total_net_cents)),
    ]
    pdf.top(facts)
    if year_end.entries.empty:
        pdf.ln(3)
        pdf.line_of(f"No payments or refunds in {year_end.year}.")
        return pdf.finish()
    per_student = [
        (
            row.student,
            money(int(row.paid_cents)),
            money(int(row.refunded_cents)),
            money(int(row.net_cents)),
        )
        for row in year_end.students.itertuples(index=False)
    ]
    per_student.append(
        (
            "Total",
            money(year_end.total_paid_cents),
            money(year_end.total_refunded_cents),
            money(year_end.total_net_cents),
        )
    )
    pdf.grid(_YEAR_END_STUDENT_COLUMNS, per_student)
    pdf.ln(2)
    pdf.line_of("Payments and refunds", bold=True)
    entries = [
        (
            _day(row.date),
            row.description,
            row.student,
            row.location,
            row.type,
            money(int(row.amount_cents)),
        )
        for row in year_end.entries.itertuples(index=False)
    ]
    pdf.grid(_YEAR_END_ENTRY_COLUMNS, entries)
    return pdf.finish()


def receipt_pdf(receipt: Receipt) -> bytes:
    header = receipt.header
    money = functools.partial(format_cents, currency=header.currency)
    pdf = _Pdf(header)
    facts = _family_facts(header)
    facts += [
        ("Receipt number", receipt.receipt_number),
        ("Date paid", _day(receipt.paid_on)),
        ("Amount paid", money(receipt.amount_cents)),
        ("Description", receipt.description),
    ]
    if receipt.student:
        facts.append(("Student", receipt.student))
    if receipt.reference:
        facts.append(("Reference", receipt.reference))
    if receipt.reversed:
        facts.append(("Note", "This payment was later reversed."))
    pdf.top(facts)
    if not receipt.applied.empty:
        pdf.ln(2)
        pdf.line_of("Applied to", bold=True)
        rows: list[Sequence[Any]] = [
            (row.description, row.student, _day(row.service_date), money(int(row.amount_cents)))
            for row in receipt.applied.itertuples(index=False)
        ]
        pdf.grid(_RECEIPT_COLUMNS, rows)
    if receipt.unapplied_cents:
        pdf.facts([("Credit on account", money(receipt.unapplied_cents))])
    return pdf.finish()
