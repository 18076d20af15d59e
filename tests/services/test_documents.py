"""PDF and CSV files: formula-safe cells, numeric amounts, names in many scripts, no markup."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from services.billing import pdf_fonts
from services.billing.csv_documents import csv_amount, ledger_csv, safe_cell, statement_csv
from services.billing.document_header import ALL_LOCATIONS, DocumentHeader
from services.billing.pdf_documents import ledger_pdf, receipt_pdf, statement_pdf, year_end_pdf
from services.billing.pdf_fonts import PLACEHOLDER, cjk_fallback_font, printable
from services.billing.receipt_document import payment_receipt
from services.billing.statements import (
    LedgerReport,
    Statement,
    combined_statement,
    location_ledger,
    location_statement,
)
from services.billing.transactions_history import DateRange
from services.billing.year_end import year_end_statement
from tests import factories as f
from tests.conftest import skip_or_fail

DAY = date(2026, 11, 24)


def header(family: str = "Rivera family", guardian: str = "Alex Rivera") -> DocumentHeader:
    return DocumentHeader(
        title="Statement",
        business_name="Cartwheel Gym",
        business_address="1 Main St\nSpringfield, IL 62701",
        business_tax_id="12-3456789",
        family_name=family,
        guardian_name=guardian,
        location_name="Northside",
        location_address="Springfield",
        issued_on=DAY,
        currency="usd",
    )


def statement(descriptions: list[str], students: list[str] | None = None) -> Statement:
    count = len(descriptions)
    lines = pd.DataFrame(
        {
            "entry_id": pd.Series(range(1, count + 1), dtype="int64"),
            "date": [date(2026, 11, 1)] * count,
            "service_date": [None] * count,
            "description": pd.Series(descriptions, dtype="str"),
            "student": pd.Series(students or [""] * count, dtype="str"),
            "type": pd.Series(["charge"] * count, dtype="str"),
            "amount_cents": pd.Series([1_250] * count, dtype="int64"),
            "paid_cents": pd.Series([0] * count, dtype="int64"),
            "due_cents": pd.Series([1_250] * count, dtype="int64"),
        }
    )
    return Statement(
        header=header(),
        family_id=1,
        location_id=1,
        lines=lines,
        total_due_cents=1_250 * count,
        credit_cents=0,
    )


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Text without white space: table cells wrap long names onto several lines."""
    return "".join(text.split())


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# -- CSV ---------------------------------------------------------------------------------------

INJECTIONS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","Click")',
    "+1-1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "＝1+1",  # full-width equals sign
    "=cmd|' /C calc'!A0",
    "-",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_text_cell_that_could_start_a_formula_is_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text
    row = csv_rows(statement_csv(statement([text])))[1]
    assert row[2] == "'" + text


@pytest.mark.parametrize("text", ["Tuition", "Maya's fee", "1+1=2", "a=b", "Zoë", "", "'quoted"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert safe_cell(text) == text


def test_student_names_are_neutralised_too() -> None:
    row = csv_rows(statement_csv(statement(["Tuition"], ["=Maya Rivera"])))[1]
    assert row[3] == "'=Maya Rivera"


def test_amounts_stay_numeric_with_a_minus_for_credits() -> None:
    assert csv_amount(1_250) == "12.50"
    assert csv_amount(-500) == "-5.00"
    assert csv_amount(5) == "0.05"
    assert csv_amount(-123_456_789) == "-1234567.89"
    assert csv_amount(0) == "0.00"
    for bad in (12.5, True, "1250"):
        with pytest.raises(TypeError):
            csv_amount(bad)  # type: ignore[arg-type]


def test_a_statement_csv_has_lines_and_the_total_due() -> None:
    rows = csv_rows(statement_csv(statement(["Tuition", "Zoë's leotard 王"])))
    assert rows[0] == [
        "Date",
        "Service date",
        "Description",
        "Student",
        "Type",
        "Amount (USD)",
        "Paid (USD)",
        "Due (USD)",
    ]
    assert rows[1] == ["2026-11-01", "", "Tuition", "", "charge", "12.50", "0.00", "12.50"]
    assert rows[2][2] == "Zoë's leotard 王"
    assert rows[3] == ["", "", "Total due", "", "", "", "", "25.00"]


def ledger_report(descriptions: list[str], *, every_location: bool = False) -> LedgerReport:
    amounts = [2_000, -500, -1_750][: len(descriptions)]
    balances = pd.Series(amounts, dtype="int64").cumsum() + 300
    count = len(descriptions)
    lines = pd.DataFrame(
        {
            "entry_id": pd.Series(range(1, count + 1), dtype="int64"),
            "date": [date(2026, 11, 2)] * count,
            "service_date": [date(2026, 11, 1)] + [None] * (count - 1),
            "description": pd.Series(descriptions, dtype="str"),
            "student": pd.Series(["Maya Rivera"] * count, dtype="str"),
            "student_id": pd.Series([1] * count, dtype="Int64"),
            "location": pd.Series(["Northside"] * count, dtype="str"),
            "location_id": pd.Series([1] * count, dtype="int64"),
            "type": pd.Series(["charge", "payment", "credit"][:count], dtype="str"),
            "amount_cents": pd.Series(amounts, dtype="int64"),
            "balance_cents": balances.astype("int64"),
        }
    )
    return LedgerReport(
        header=header(),
        family_id=1,
        location_id=None if every_location else 1,
        period=DateRange.inclusive(date(2026, 10, 26), DAY),
        full_history=every_location,
        lines=lines,
        opening_balance_cents=300,
        closing_balance_cents=int(balances.iloc[-1]),
        debits_cents=2_000,
        credits_cents=2_250,
    )


def test_a_ledger_csv_starts_with_the_opening_balance() -> None:
    rows = csv_rows(ledger_csv(ledger_report(["Tuition", "Payment", "-Credit"])))
    assert rows[0][-2:] == ["Amount (USD)", "Balance (USD)"]
    assert rows[1] == ["2026-10-26", "", "Opening balance", "", "", "", "", "3.00"]
    assert rows[2] == [
        "2026-11-02",
        "2026-11-01",
        "Tuition",
        "Maya Rivera",
        "Northside",
        "charge",
        "20.00",
        "23.00",
    ]
    assert rows[3][6:] == ["-5.00", "18.00"]
    assert rows[4][2] == "'-Credit"
    assert rows[4][6:] == ["-17.50", "0.50"]


# -- PDF text ----------------------------------------------------------------------------------

NAMES = [
    "Zoë Ångström-Müller",
    "Łukasz Żółć",
    "François O'Brien",
    "Ελένη Παπαδοπούλου",
    "Дмитрий Иванов",
    "<script>alert(1)</script>",
    "**bold** _x_ <b>tag</b> [link](http://x)",
    "Nguyễn Thị Minh Khai",
]
CJK = ["王小明", "さくら", "김민준"]


def test_names_in_several_scripts_come_back_out_of_the_pdf() -> None:
    data = statement_pdf(statement(NAMES, NAMES))
    text = pdf_text(data)
    for name in NAMES:
        assert squeezed(name) in squeezed(text), name
    assert "Rivera family" in text
    assert "Total due" in text
    assert "$12.50" in text


def test_latin_text_is_subset_from_the_common_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names in the common blocks (Latin) are cut from the small copy of DejaVu; a name with a
    glyph outside them (Greek, Armenian, Georgian) from the whole file. Both print what was
    written."""
    sources: list[str] = []
    lighten = pdf_fonts.lighten_output_fonts

    def recording(pdf: object) -> None:
        lighten(pdf)
        sources.extend(
            "cut" if font.ttfont.reader.file.__class__ is io.BytesIO else "file"
            for font in pdf.fonts.values()  # type: ignore[attr-defined]
        )

    monkeypatch.setattr("services.billing.pdf_page.lighten_output_fonts", recording)
    latin = [name for name in NAMES if all(ord(c) < 0x250 for c in name)]
    common = pdf_text(statement_pdf(statement(latin, latin)))
    assert sources == ["cut", "cut"]
    rare = ["Ελένη Παπαδοπούλου", "Արամ Պետրոսյան", "ნინო ბერიძე"]
    sources.clear()
    other = pdf_text(statement_pdf(statement(rare + NAMES[:2], rare)))
    assert sources == ["file", "cut"]  # regular: has the rare glyphs; bold: headings only
    assert len(latin) >= 5
    for name in latin:
        assert squeezed(name) in squeezed(common), name
    for name in rare + NAMES[:2]:
        assert squeezed(name) in squeezed(other), name


def test_chinese_japanese_and_korean_names_come_back_out_of_the_pdf() -> None:
    if cjk_fallback_font() is None:
        skip_or_fail("the CJK fallback font (Debian package fonts-droid-fallback) is missing")
    data = statement_pdf(statement([f"Tuition for {n}" for n in CJK], CJK))
    text = squeezed(pdf_text(data))
    for name in CJK:
        assert name in text, name


def test_documents_made_one_after_another_each_embed_their_own_characters() -> None:
    """The parsed fonts are shared across documents (services.billing.pdf_fonts._parsed_font); the
    glyphs each document uses are not: every file carries its own subset."""
    greek, cyrillic = ["Αθηνά Παπαδοπούλου"], ["Дмитрий Иванов"]
    first = pdf_text(statement_pdf(statement(greek, greek)))
    second = pdf_text(statement_pdf(statement(cyrillic, cyrillic)))
    again = pdf_text(statement_pdf(statement(greek, greek)))
    assert squeezed(greek[0]) in squeezed(first) and squeezed(greek[0]) in squeezed(again)
    assert squeezed(cyrillic[0]) in squeezed(second)
    assert squeezed(cyrillic[0]) not in squeezed(first + again)
    assert squeezed(greek[0]) not in squeezed(second)


def test_emoji_and_invisible_characters_print_as_a_placeholder_or_nothing() -> None:
    assert printable("Mia 🎉🦄 Lee") == (f"Mia {PLACEHOLDER} Lee", False)
    assert printable("Mia 😀") == ("Mia 😀", False)  # DejaVu has the emoticons block
    assert printable("Ava\u200d\ufe0f\u202e Kim") == ("Ava Kim", False)
    assert printable("line\nbreak\ttab") == ("line break tab", False)
    assert printable("Zoe\u0308") == ("Zoë", False)  # combining diaeresis, composed
    data = statement_pdf(statement(["Mia 🎉 birthday party"], ["Ava 👩‍👩‍👧"]))
    text = pdf_text(data)
    assert f"Mia {PLACEHOLDER} birthday party" in text
    assert f"Ava {PLACEHOLDER}" in text


def test_right_to_left_and_long_text_do_not_break_the_pdf() -> None:
    long_text = "Tuition " * 60
    data = statement_pdf(statement(["نور الهدى", "נועה כהן", long_text] * 30))
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2


def test_an_empty_statement_says_nothing_is_owed() -> None:
    text = pdf_text(statement_pdf(statement([])))
    assert "Nothing is owed at this location." in text


def test_the_ledger_pdf_shows_balances_and_the_combined_one_a_location_column() -> None:
    text = pdf_text(ledger_pdf(ledger_report(["Tuition", "Payment", "Credit"])))
    assert "Opening balance" in text
    assert "(the last 30 days)" in text
    assert "-$17.50" in text
    assert "Location" not in text.split("Opening balance")[-1].split("Tuition")[0]
    combined = pdf_text(ledger_pdf(ledger_report(["Tuition"], every_location=True)))
    assert "Location" in combined
    assert "(the last 30 days)" not in combined


# -- every document from the database ----------------------------------------------------------


def test_every_document_renders_from_the_ledger(db: Session) -> None:
    f.portal_settings(db, full_ledger_history=True, business_tax_id="12-3456789")
    books = f.hand_ledger(db)
    gym = books.gym
    north = location_statement(db, gym.guardian, gym.north.id)
    text = pdf_text(statement_pdf(north))
    assert "Statement — Northside" in text
    assert "$46.00" in text
    assert "Leotard" in text
    assert csv_rows(statement_csv(north))[-1][-1] == "46.00"
    report = location_ledger(db, gym.guardian, gym.north.id, date(2026, 9, 1), DAY)
    assert "Closing balance" in pdf_text(ledger_pdf(report))
    assert csv_rows(ledger_csv(report))[-1][-1] == "1.00"
    combined = combined_statement(db, gym.guardian, date(2026, 9, 1), DAY)
    assert combined.header.location_name == ALL_LOCATIONS
    text = pdf_text(ledger_pdf(combined))
    assert "Swim tuition" in text
    assert "Southside" in text
    text = pdf_text(year_end_pdf(year_end_statement(db, gym.guardian, 2026)))
    assert "12-3456789" in text
    assert "Maya Rivera" in text
    assert "$250.00" in text  # 120 + 50 + 80 paid
    text = pdf_text(receipt_pdf(payment_receipt(db, gym.guardian, books.p2.id)))
    assert f"R-{books.p2.id:08d}" in text
    assert "Credit on account" in text
    assert "$30.00" in text
