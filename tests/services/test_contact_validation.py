"""Contact details: what a careless or hostile parent types into the e-mail, phone and
mailing-address forms, and the normalised values the good ones become."""

from __future__ import annotations

import pytest

from services.families.contact_validation import (
    AddressInput,
    clean_address,
    clean_email,
    clean_phone,
    national_format,
    one_line,
)
from services.kernel.errors import ValidationError

VALID = "Enter a valid e-mail address, such as name@example.com."
PHONE_HINT = "Write it like (201) 555-0123, or start with + and the country code"

# E-mail


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("  jane@example.com\t", "jane@example.com"),
        ("jane+swim@example.co.uk", "jane+swim@example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("JOSÉ@EXAMPLE.COM", "josé@example.com"),
        ("kid@bücher.example", "kid@bücher.example"),
        ("a@example.c", "a@example.c"),
        ("x" * 64 + "@example.com", "x" * 64 + "@example.com"),
    ],
)
def test_good_e_mails_are_normalised(raw: str, expected: str) -> None:
    assert clean_email(raw) == expected


BAD_EMAILS = [
    ("", "Enter an e-mail address."),
    (" ", "Enter an e-mail address."),
    ("\t\n", "Enter an e-mail address."),
    (None, "Enter an e-mail address."),
    (42, "Enter an e-mail address."),
    ("plainaddress", "must have an @-sign"),
    ("no-at-sign.example.com", "must have an @-sign"),
    ("@example.com", "something before the @-sign"),
    ("@", "something before the @-sign"),
    ("a@", "something after the @-sign"),
    ("jane.doe@", "something after the @-sign"),
    ("a@b", "It should have a period"),
    ("a@localhost", "It should have a period"),
    ("a@test", "It should have a period"),
    ("a b@example.com", "invalid characters before the @-sign: SPACE"),
    ("a@@example.com", "invalid characters: '@'"),
    ("a@b.c@example.com", "invalid characters: '@'"),
    ("a..b@example.com", "two periods in a row"),
    ("a@example..com", "two periods in a row"),
    (".a@example.com", "cannot start with a period"),
    ("a.@example.com", "period immediately before the @-sign"),
    ("..@example.com", "period immediately before the @-sign"),
    ("a@.com", "period immediately after the @-sign"),
    ("a@-example.com", "hyphen immediately after the @-sign"),
    ("a@-.com", "hyphen immediately after the @-sign"),
    ("a@example.com-", "cannot end with a hyphen"),
    ("a@example.com.", "cannot end with a period"),
    ("a@example.-com", "a period and a hyphen next to each other"),
    ("a@ex--ample", "two dashes"),
    ("a@exa_mple.com", "invalid characters: '_'"),
    ("a@sub_domain.example.com", "invalid characters: '_'"),
    ('"a"b@example.com', "after close quote"),
    ('"unterminated@example.com', "must have an @-sign"),
    ("a@[127.0.0.1]", "bracketed IP address"),
    ("a@1.2.3.4", "not within a valid top-level domain"),
    ("a@example.123", "not within a valid top-level domain"),
    ("x" * 65 + "@example.com", "too long before the @-sign"),
    ("a@" + "b" * 64 + ".com", "periods cannot be separated by so many characters"),
    ("ab@" + "c" * 250 + ".com", "too long after the @-sign"),
    ("a@" + "x" * 2000, "at most 254 characters"),
    ("a<b>@example.com", "anything after the email address"),
    ("<a@example.com>", "angle brackets"),
    ("Name <a@example.com>", "angle brackets"),
    ("a,b@example.com", "invalid characters before the @-sign: ','"),
    ("a;b@example.com", "invalid characters before the @-sign: ';'"),
    ("a(b)@example.com", "invalid characters before the @-sign: '(', ')'"),
    ("a[b]@example.com", "invalid characters before the @-sign: '[', ']'"),
    ("a\\b@example.com", "invalid characters before the @-sign"),
    ("mailto:a@example.com", "invalid characters before the @-sign: ':'"),
    ("a@example,com", "invalid characters: ','"),
    ("a@ex ample.com", "invalid characters: SPACE"),
    ("a@example.com (comment)", "invalid characters: '(', ')', SPACE"),
    ("a@exam\u00a0ple.com", "unsafe characters: NO-BREAK SPACE"),
    ("a@example.invalid", "special-use or reserved name"),
    ("a@example.local", "special-use or reserved name"),
    ("a@example.onion", "special-use or reserved name"),
    ("a@example.arpa", "special-use or reserved name"),
    ("a\u200b@example.com", "The e-mail address contains a character that is not allowed."),
    ("a@example.com\x00", "The e-mail address contains a character that is not allowed."),
    ("a\nb@example.com", "The e-mail address contains a character that is not allowed."),
    ("a@example.com\u202e", "The e-mail address contains a character that is not allowed."),
]


@pytest.mark.parametrize(("raw", "expected"), BAD_EMAILS)
def test_bad_e_mails_are_refused_with_a_reason(raw: object, expected: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_email(raw)  # type: ignore[arg-type]
    message = refused.value.message
    assert expected in message
    # A syntax refusal says how an address looks, then the library's reason as a sentence.
    assert message.startswith((VALID, "Enter an e-mail", "The e-mail", "An e-mail"))
    assert message.endswith(".")


# Phone


@pytest.mark.parametrize(
    ("raw", "region", "e164", "national"),
    [
        ("(312) 555-0123", "US", "+13125550123", "(312) 555-0123"),
        ("312.555.0123", "US", "+13125550123", "(312) 555-0123"),
        ("1 312 555 0123", "US", "+13125550123", "(312) 555-0123"),
        ("+1 (312) 555-0123", "GB", "+13125550123", "(312) 555-0123"),
        ("  312 555 0123  ", "us", "+13125550123", "(312) 555-0123"),
        ("1-800-FLOWERS", "US", "+18003569377", "(800) 356-9377"),
        ("٣١٢٥٥٥٠١٢٣", "US", "+13125550123", "(312) 555-0123"),  # Arabic-Indic digits
        ("020 7946 0958", "GB", "+442079460958", "020 7946 0958"),
        ("+44 7911 123456", "US", "+447911123456", "07911 123456"),
        ("(416) 555-0199", "CA", "+14165550199", "(416) 555-0199"),
        ("030 123456", "DE", "+4930123456", "030 123456"),
        ("0412 345 678", "AU", "+61412345678", "0412 345 678"),
        ("+33 1 23 45 67 89", "US", "+33123456789", "01 23 45 67 89"),
    ],
)
def test_good_phones_become_e164(raw: str, region: str, e164: str, national: str) -> None:
    assert clean_phone(raw, region) == e164
    assert national_format(e164) == national


def test_national_format_shows_foreign_numbers_with_their_country_code() -> None:
    assert national_format("+13125550123", "US") == "(312) 555-0123"
    assert national_format("+442079460958", "US") == "+44 20 7946 0958"
    assert national_format("+442079460958", "gb") == "020 7946 0958"
    assert national_format("not a number") == "not a number"


BAD_PHONES = [
    ("", "US", "Enter a phone number."),
    ("   ", "US", "Enter a phone number."),
    (None, "US", "Enter a phone number."),
    (3125550123, "US", "Enter a phone number."),
    ("abc", "US", "Enter a valid phone number."),
    ("call me", "US", "Enter a valid phone number."),
    ("0", "US", "Enter a valid phone number."),
    ("+1", "US", "Enter a valid phone number."),
    ("+", "US", "Enter a valid phone number."),
    ("-", "US", "Enter a valid phone number."),
    ("()", "US", "Enter a valid phone number."),
    ("12", "US", "too short"),
    ("911", "US", "too short"),
    ("555-0123", "US", "not a valid phone number"),
    ("312 555 012", "US", "too short"),
    ("(000) 555-0123", "US", "not a valid phone number"),
    ("+1 999 555 0123", "US", "not a valid phone number"),
    ("(312) 155-0123", "US", "not a valid phone number"),
    ("3125550123456789", "US", "too many digits"),
    ("020 7946 0958", "US", "too many digits"),
    ("+44 20 7946 09", "US", "not a valid phone number"),
    ("+44 20 7946 095812345", "US", "too many digits"),
    ("+999 123 456", "US", "country code of that phone number is not known"),
    ("+0 312 555 0123", "US", "country code of that phone number is not known"),
    ("+1 312 555 0123 ext 5", "US", "without an extension"),
    ("312 555 0123 #2", "US", "without an extension"),
    ("312-555-0123 x12", "US", "without an extension"),
    ("312\x00555\x000123", "US", "character that is not allowed"),
    ("312\u200b5550123", "US", "character that is not allowed"),
    ("3" * 41, "US", "too long"),
    ("1" * 200, "US", "too long"),
    ("3125550123", "", "Start with + and the country code"),
    ("3125550123", "XX", "Start with + and the country code"),
    ("3125550123", None, "Start with + and the country code"),
    ("07911 123456", "US", "too many digits"),
    ("0412 345 678", "GB", "not a valid phone number"),
    ("12345", "DE", "not a valid phone number"),
    ("http://example.com", "US", "Enter a valid phone number."),
]


@pytest.mark.parametrize(("raw", "region", "expected"), BAD_PHONES)
def test_bad_phones_are_refused_with_a_reason(raw: object, region: object, expected: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_phone(raw, region)  # type: ignore[arg-type]
    assert expected in refused.value.message


def test_a_phone_refusal_shows_how_a_number_of_the_region_looks() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_phone("555-0123", "US")
    assert PHONE_HINT in refused.value.message
    with pytest.raises(ValidationError) as british:
        clean_phone("12", "GB")
    assert "Write it like 0121 234 5678" in british.value.message


# Mailing address


def addr(**changes: str) -> AddressInput:
    base = {
        "line1": "12 Main St",
        "line2": "",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62704",
        "country": "US",
    }
    return AddressInput(**(base | changes))


NZ = addr(country="NZ", region="", postal_code="")
MEXICO_CITY = addr(city="Ciudad de México", country="MX", region="", postal_code="06600")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (addr(), addr()),
        (
            addr(line1="  12   Main  St ", line2=" Apt\u00a04 ", city=" Springfield "),
            addr(line2="Apt 4"),
        ),
        (addr(region="il", postal_code="62704-1234"), addr(postal_code="62704-1234")),
        (addr(region="Illinois", postal_code="627041234"), addr(postal_code="62704-1234")),
        (addr(region="I.L.", country="us"), addr()),
        (addr(region="dc", postal_code="20500"), addr(region="DC", postal_code="20500")),
        (addr(region="PR", postal_code="00901"), addr(region="PR", postal_code="00901")),
        (
            addr(country="CA", region="ontario", postal_code="k1a0b1"),
            addr(country="CA", region="ON", postal_code="K1A 0B1"),
        ),
        (
            addr(country="CA", region="QC", postal_code="H2X-1Y4"),
            addr(country="CA", region="QC", postal_code="H2X 1Y4"),
        ),
        (
            addr(country="GB", region="", postal_code="sw1a1aa"),
            addr(country="GB", region="", postal_code="SW1A 1AA"),
        ),
        (
            addr(country="UK", region="Greater London", postal_code="EC1A 1BB"),
            addr(country="GB", region="Greater London", postal_code="EC1A 1BB"),
        ),
        (
            addr(country="GB", region="", postal_code="M1 1AE"),
            addr(country="GB", region="", postal_code="M1 1AE"),
        ),
        (
            addr(country="AU", region="new south wales", postal_code="2000"),
            addr(country="AU", region="NSW", postal_code="2000"),
        ),
        (
            addr(country="DE", region="", postal_code="10115"),
            addr(country="DE", region="", postal_code="10115"),
        ),
        (
            addr(country="FR", region="", postal_code="75 001"),
            addr(country="FR", region="", postal_code="75001"),
        ),
        (
            addr(country="MX", region="CDMX", postal_code="06600"),
            addr(country="MX", region="CDMX", postal_code="06600"),
        ),
        (
            addr(country="IE", region="Dublin", postal_code="d02x285"),
            addr(country="IE", region="Dublin", postal_code="D02 X285"),
        ),
        (
            addr(country="IE", region="", postal_code="D6W 1234"),
            addr(country="IE", region="", postal_code="D6W 1234"),
        ),
        (
            addr(country="NL", region="", postal_code="1012ab"),
            addr(country="NL", region="", postal_code="1012 AB"),
        ),
        (
            addr(country="JP", region="Tokyo", postal_code="100-0001"),
            addr(country="JP", region="Tokyo", postal_code="100-0001"),
        ),
        (NZ, NZ),
        (MEXICO_CITY, MEXICO_CITY),
    ],
)
def test_good_addresses_are_normalised(given: AddressInput, expected: AddressInput) -> None:
    assert clean_address(given) == expected


def test_one_line_joins_the_parts_that_are_there() -> None:
    assert one_line(addr(line2="Apt 4")) == "12 Main St, Apt 4, Springfield, IL 62704, US"
    assert one_line(addr(country="NZ", region="", postal_code="")) == "12 Main St, Springfield, NZ"


BAD_ADDRESSES = [
    (addr(line1=""), "Enter the street address (line 1)."),
    (addr(line1="   "), "Enter the street address (line 1)."),
    (addr(line1=None), "The street address (line 1) must be text."),  # type: ignore[arg-type]
    (addr(line1="---"), "street address (line 1) needs at least one letter or digit"),
    (addr(line1="x" * 201), "street address (line 1) can be at most 200 characters"),
    (addr(line1="x" * 5000), "street address (line 1) can be at most 200 characters"),
    (addr(line1="12 Main\nSt"), "street address (line 1) contains a character that is not allowed"),
    (addr(line1="12 Main\x00St"), "street address (line 1) contains a character"),
    (addr(line1="12 Main\u202eSt"), "street address (line 1) contains a character"),
    (addr(line2="y" * 201), "second address line can be at most 200 characters"),
    (addr(line2=5), "The second address line must be text."),  # type: ignore[arg-type]
    (addr(line2="Apt\t4"), "second address line contains a character"),
    (addr(city=""), "Enter the city."),
    (addr(city=" \u3000 "), "Enter the city."),
    (addr(city="c" * 121), "city can be at most 120 characters"),
    (addr(city="..."), "city needs at least one letter or digit"),
    (addr(city="Spring\rfield"), "city contains a character"),
    (addr(country=""), "Choose the country."),
    (addr(country=None), "Choose the country."),  # type: ignore[arg-type]
    (addr(country="USA"), "two-letter code"),
    (addr(country="United States"), "two-letter code"),
    (addr(country="XX"), "two-letter code"),
    (addr(country="ZZ"), "two-letter code"),
    (addr(country="U"), "two-letter code"),
    (addr(country="001"), "two-letter code"),
    (addr(region=""), "Enter the state, such as IL."),
    (addr(region="  "), "Enter the state, such as IL."),
    (addr(region="ZZ"), "Enter the state as its code, such as IL."),
    (addr(region="Ilinois"), "Enter the state as its code"),
    (addr(region="ON"), "Enter the state as its code"),
    (addr(region="r" * 121), "state can be at most 120 characters"),
    (addr(country="CA", region="", postal_code="K1A 0B1"), "Enter the province or territory"),
    (addr(country="CA", region="IL", postal_code="K1A 0B1"), "province or territory as its code"),
    (addr(country="CA", region="Quebec City", postal_code="G1R 4P5"), "as its code, such as ON"),
    (
        addr(country="AU", region="", postal_code="2000"),
        "Enter the state or territory, such as NSW",
    ),
    (addr(country="AU", region="Sydney", postal_code="2000"), "state or territory as its code"),
    (addr(postal_code=""), "Enter the ZIP code, such as 62704 or 62704-1234."),
    (addr(postal_code="6270"), "That ZIP code does not look right for US"),
    (addr(postal_code="627045"), "ZIP code does not look right"),
    (addr(postal_code="62704-12"), "ZIP code does not look right"),
    (addr(postal_code="62704-12345"), "ZIP code does not look right"),
    (addr(postal_code="ABCDE"), "ZIP code does not look right"),
    (addr(postal_code="62 704 +"), "ZIP code does not look right"),
    (addr(postal_code="6270\u200b4"), "ZIP code contains a character"),
    (addr(postal_code="1" * 21), "ZIP code can be at most 20 characters"),
    (addr(country="CA", region="ON", postal_code=""), "Enter the postal code, such as K1A 0B1."),
    (
        addr(country="CA", region="ON", postal_code="K1A 0B"),
        "postal code does not look right for CA",
    ),
    (addr(country="CA", region="ON", postal_code="D1A 0B1"), "postal code does not look right"),
    (addr(country="CA", region="ON", postal_code="K1O 0B1"), "postal code does not look right"),
    (addr(country="CA", region="ON", postal_code="W1A 0B1"), "postal code does not look right"),
    (addr(country="CA", region="ON", postal_code="12345"), "postal code does not look right"),
    (addr(country="GB", region="", postal_code=""), "Enter the postcode, such as SW1A 1AA."),
    (addr(country="GB", region="", postal_code="SW1A"), "postcode does not look right for GB"),
    (addr(country="GB", region="", postal_code="SW1A 1A"), "postcode does not look right"),
    (addr(country="GB", region="", postal_code="Q1 1AA"), "postcode does not look right"),
    (addr(country="GB", region="", postal_code="SW1A 1CA"), "postcode does not look right"),
    (addr(country="GB", region="", postal_code="12345"), "postcode does not look right"),
    (addr(country="AU", region="NSW", postal_code="200"), "postcode does not look right for AU"),
    (addr(country="AU", region="NSW", postal_code="20000"), "postcode does not look right"),
    (addr(country="DE", region="", postal_code=""), "Enter the postal code (PLZ), such as 10115."),
    (addr(country="DE", region="", postal_code="1011"), "postal code (PLZ) does not look right"),
    (addr(country="DE", region="", postal_code="D-10115"), "postal code (PLZ) does not look right"),
    (addr(country="FR", region="", postal_code="7500"), "postal code does not look right for FR"),
    (addr(country="FR", region="", postal_code="F75001"), "postal code does not look right"),
    (addr(country="MX", region="", postal_code="0660"), "postal code does not look right for MX"),
    (addr(country="IE", region="", postal_code=""), "Enter the Eircode, such as D02 X285."),
    (addr(country="IE", region="", postal_code="D02"), "That Eircode does not look right for IE"),
    (addr(country="IE", region="", postal_code="B02 X285"), "Eircode does not look right"),
    (addr(country="IE", region="", postal_code="D02 X28O"), "Eircode does not look right"),
    (addr(country="NL", region="", postal_code="0123 AB"), "postcode does not look right for NL"),
    (addr(country="NL", region="", postal_code="1012 SA"), "postcode does not look right"),
    (addr(country="NL", region="", postal_code="1012"), "postcode does not look right"),
    (addr(country="NL", region="", postal_code="1012 A1"), "postcode does not look right"),
    (addr(country="JP", region="", postal_code="100_0001"), "only contain letters, digits"),
    (addr(country="JP", region="", postal_code="#100"), "only contain letters, digits"),
    (addr(country="NZ", region="x" * 121, postal_code=""), "county can be at most 120 characters"),
]


@pytest.mark.parametrize(("given", "expected"), BAD_ADDRESSES)
def test_bad_addresses_are_refused_with_a_reason(given: AddressInput, expected: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_address(given)
    assert expected in refused.value.message


def test_an_address_must_be_an_address_input() -> None:
    with pytest.raises(ValidationError, match=r"The mailing address is not valid\."):
        clean_address({"line1": "12 Main St"})  # type: ignore[arg-type]


def test_more_than_a_hundred_bad_values_are_covered() -> None:
    assert len(BAD_EMAILS) + len(BAD_PHONES) + len(BAD_ADDRESSES) >= 150
