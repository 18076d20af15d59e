"""Checking and normalising a guardian's contact details: e-mail addresses, phone numbers and
mailing addresses. Pure functions (no database); each refusal is a ValidationError whose
message a parent can act on.

- E-mail: syntax only, through `email_validator` (no DNS lookups), stored lower-cased.
- Phone: `phonenumbers`, stored as E.164 (`+13125550123`), shown in national format.
- Address: line 1, city and country are required; the country is an ISO 3166-1 alpha-2 code
  (the regions `phonenumbers` knows, plus the common "UK" for GB); the postal code is required
  and checked for US, CA, GB, AU, DE, FR, MX, IE and NL (written the way the post office
  writes it), optional and loosely checked elsewhere; US, CA and AU need their state,
  province or territory code (a full name such as "Illinois" is accepted and turned into
  its code).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import email_validator
import phonenumbers

from services.kernel.errors import ValidationError

EMAIL_MAX = 254  # email_addresses.email, users.email
RAW_MAX = 1000  # refuse huge input before any work on it
PHONE_RAW_MAX = 40
PHONE_MAX = 20  # phone_numbers.e164
LINE_MAX = 200  # addresses.line1 / line2
CITY_MAX = 120
REGION_MAX = 120
POSTAL_MAX = 20
UNWRITABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})  # control, format, surrogate, unassigned
EMAIL_EXAMPLE = "Enter a valid e-mail address, such as name@example.com."


# E-mail


def clean_email(raw: str) -> str:
    """The address checked for syntax (no network lookups) and lower-cased; the sign-in
    address must be lower-case (users.email), so every stored address is."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("Enter an e-mail address.")
    text = raw.strip()
    if len(text) > RAW_MAX:
        raise ValidationError(f"An e-mail address can be at most {EMAIL_MAX} characters.")
    if any(unicodedata.category(c) in UNWRITABLE for c in text):
        raise ValidationError("The e-mail address contains a character that is not allowed.")
    try:
        valid = email_validator.validate_email(text, check_deliverability=False, strict=True)
    except email_validator.EmailNotValidError as error:
        raise ValidationError(f"{EMAIL_EXAMPLE} {_email_reason(str(error))}".strip()) from None
    address = valid.normalized.lower()
    if len(address) > EMAIL_MAX:
        raise ValidationError(f"An e-mail address can be at most {EMAIL_MAX} characters.")
    return address


def _email_reason(reason: str) -> str:
    """The library's reason (it says what is wrong), as a sentence."""
    reason = reason.strip()
    return reason if not reason or reason.endswith(".") else f"{reason}."


# Phone


def clean_phone(raw: str, default_region: str) -> str:
    """The number in E.164. A number without "+" and a country code is read as a number of
    `default_region` (the portal's default phone region)."""
    region = _phone_region(default_region)
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("Enter a phone number.")
    text = raw.strip()
    if len(text) > PHONE_RAW_MAX:
        raise ValidationError("That phone number is too long. Enter only the number.")
    if any(unicodedata.category(c) in UNWRITABLE for c in text):
        raise ValidationError("The phone number contains a character that is not allowed.")
    hint = _phone_hint(region)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise ValidationError(
                f"The country code of that phone number is not known. {hint}"
            ) from None
        raise ValidationError(f"Enter a valid phone number. {hint}") from None
    if number.extension:
        raise ValidationError("Enter the phone number without an extension.")
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (
        phonenumbers.ValidationResult.TOO_SHORT,
        phonenumbers.ValidationResult.INVALID_LENGTH,
    ):
        raise ValidationError(f"That phone number is too short. {hint}")
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        raise ValidationError(f"That phone number has too many digits. {hint}")
    if reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        raise ValidationError(f"The country code of that phone number is not known. {hint}")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"That is not a valid phone number. {hint}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > PHONE_MAX:  # E.164 has at most 15 digits; kept for the column's sake
        raise ValidationError("That phone number has too many digits.")
    return e164


def national_format(e164: str, home_region: str | None = None) -> str:
    """A stored number as people write it in its country, e.g. "(312) 555-0123". With
    `home_region`, a number of another country is shown in international format instead."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    foreign = (
        home_region is not None
        and phonenumbers.region_code_for_number(number) != home_region.strip().upper()
    )
    style = (
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
        if foreign
        else phonenumbers.PhoneNumberFormat.NATIONAL
    )
    return phonenumbers.format_number(number, style)


def _phone_region(default_region: object) -> str | None:
    """The default region as phonenumbers wants it; an unknown one means "+" is required."""
    if isinstance(default_region, str):
        code = default_region.strip().upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return None


def _phone_hint(region: str | None) -> str:
    if region is None:
        return "Start with + and the country code, such as +1 312 555 0123."
    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
    )
    if example is None:
        return "Start with + and the country code for a number in another country."
    shown = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    return (
        f"Write it like {shown}, or start with + and the country code for a number in "
        "another country."
    )


# Mailing address


@dataclass(frozen=True)
class AddressInput:
    """What the Add / Edit mailing address form sends (and what `clean_address` returns)."""

    line1: str
    line2: str = ""
    city: str = ""
    region: str = ""  # state, province or county
    postal_code: str = ""
    country: str = "US"  # ISO 3166-1 alpha-2


COUNTRY_ALIASES = {"UK": "GB"}
KNOWN_COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS)

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "UM": "U.S. Minor Outlying Islands",
    "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}  # fmt: skip
CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
AU_STATES = {
    "ACT": "Australian Capital Territory", "NSW": "New South Wales", "NT": "Northern Territory",
    "QLD": "Queensland", "SA": "South Australia", "TAS": "Tasmania", "VIC": "Victoria",
    "WA": "Western Australia",
}  # fmt: skip
REGIONS = {
    "US": ("state", US_STATES, "IL"),
    "CA": ("province or territory", CA_PROVINCES, "ON"),
    "AU": ("state or territory", AU_STATES, "NSW"),
}

_CA_LETTER = "ABCEGHJKLMNPRSTVWXYZ"  # D, F, I, O, Q and U are never used


@dataclass(frozen=True)
class PostalRule:
    name: str  # what the country calls it
    example: str
    pattern: re.Pattern[str]  # matched against the code with spaces and hyphens removed
    shape: Callable[[re.Match[str]], str]  # the code as the post office writes it


def _joined(*groups: int, sep: str = " ") -> Callable[[re.Match[str]], str]:
    return lambda m: sep.join(m.group(g) for g in groups if m.group(g))


POSTAL_RULES = {
    "US": PostalRule(
        "ZIP code", "62704 or 62704-1234", re.compile(r"(\d{5})(\d{4})?"), _joined(1, 2, sep="-")
    ),
    "CA": PostalRule(
        "postal code",
        "K1A 0B1",
        re.compile(rf"([ABCEGHJ-NPRSTVXY]\d[{_CA_LETTER}])(\d[{_CA_LETTER}]\d)"),
        _joined(1, 2),
    ),
    "GB": PostalRule(
        "postcode",
        "SW1A 1AA",
        re.compile(r"(GIR|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)(\d[ABD-HJLNP-UW-Z]{2})"),
        _joined(1, 2),
    ),
    "AU": PostalRule("postcode", "2000", re.compile(r"(\d{4})"), _joined(1)),
    "DE": PostalRule("postal code (PLZ)", "10115", re.compile(r"(\d{5})"), _joined(1)),
    "FR": PostalRule("postal code", "75001", re.compile(r"(\d{5})"), _joined(1)),
    "MX": PostalRule("postal code", "06600", re.compile(r"(\d{5})"), _joined(1)),
    "IE": PostalRule(
        "Eircode",
        "D02 X285",
        re.compile(r"([AC-FHKNPRTV-Y]\d{2}|D6W)([0-9AC-FHKNPRTV-Y]{4})"),
        _joined(1, 2),
    ),
    "NL": PostalRule(
        "postcode", "1012 AB", re.compile(r"([1-9]\d{3})((?!SA|SD|SS)[A-Z]{2})"), _joined(1, 2)
    ),
}
OTHER_POSTAL = re.compile(r"[A-Z0-9][A-Z0-9 -]*")


def clean_address(a: AddressInput) -> AddressInput:
    """The address trimmed, checked and normalised (country and codes upper-case, postal
    code spaced as the post office writes it); raises ValidationError naming what to fix."""
    if not isinstance(a, AddressInput):
        raise ValidationError("The mailing address is not valid.")
    country = _clean_country(a.country)
    line1 = _clean_line(a.line1, "street address (line 1)", LINE_MAX, required=True)
    line2 = _clean_line(a.line2, "second address line", LINE_MAX, required=False)
    city = _clean_line(a.city, "city", CITY_MAX, required=True)
    region = _clean_region(a.region, country)
    postal_code = _clean_postal_code(a.postal_code, country)
    return AddressInput(line1, line2, city, region, postal_code, country)


def one_line(a: AddressInput) -> str:
    """ "12 Main St, Apt 4, Springfield, IL 62704, US"."""
    place = " ".join(part for part in (a.region, a.postal_code) if part)
    return ", ".join(part for part in (a.line1, a.line2, a.city, place, a.country) if part)


def _clean_country(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Choose the country.")
    code = value.strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    if code not in KNOWN_COUNTRIES:
        raise ValidationError("Choose the country by its two-letter code, such as US, CA or GB.")
    return code


def _clean_line(value: object, label: str, limit: int, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"The {label} must be text.")
    if len(value) > RAW_MAX:
        raise ValidationError(f"The {label} can be at most {limit} characters.")
    if any(unicodedata.category(c) in UNWRITABLE for c in value):
        raise ValidationError(f"The {label} contains a character that is not allowed.")
    # Any run of spaces (including no-break and ideographic spaces) becomes one space.
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        if required:
            raise ValidationError(f"Enter the {label}.")
        return ""
    if len(text) > limit:
        raise ValidationError(f"The {label} can be at most {limit} characters.")
    if not any(c.isalnum() for c in text):
        raise ValidationError(f"The {label} needs at least one letter or digit.")
    return text


def _clean_region(value: object, country: str) -> str:
    rule = REGIONS.get(country)
    if rule is None:
        return _clean_line(value, "state, province or county", REGION_MAX, required=False)
    label, known, example = rule
    text = _clean_line(value, label, REGION_MAX, required=False)
    if not text:
        raise ValidationError(f"Enter the {label}, such as {example}.")
    code = text.upper().replace(".", "")
    if code in known:
        return code
    by_name = {name.casefold(): key for key, name in known.items()}
    if text.casefold() in by_name:
        return by_name[text.casefold()]
    raise ValidationError(f"Enter the {label} as its code, such as {example}.")


def _clean_postal_code(value: object, country: str) -> str:
    rule = POSTAL_RULES.get(country)
    label = rule.name if rule else "postal code"
    text = _clean_line(value, label, POSTAL_MAX, required=False).upper()
    if rule is None:
        if text and not OTHER_POSTAL.fullmatch(text):
            raise ValidationError(
                "The postal code can only contain letters, digits, spaces and hyphens."
            )
        return text
    if not text:
        raise ValidationError(f"Enter the {label}, such as {rule.example}.")
    compact = re.sub(r"[\s-]", "", text)
    match = rule.pattern.fullmatch(compact)
    if match is None:
        raise ValidationError(
            f"That {label} does not look right for {country}. Write it like {rule.example}."
        )
    return rule.shape(match)
