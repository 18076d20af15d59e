"""First run (issue 15): the printed setup link, the setup itself, and that exactly one
administrator ever comes out of it."""

from __future__ import annotations

import dataclasses
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Location,
    OneTimeToken,
    OneTimeTokenPurpose,
    Role,
    User,
    staff_locations,
)
from services.accounts import auth
from services.accounts.second_factor import SecondStep
from services.accounts.setup_link import (
    ALREADY_SET_UP,
    SETUP_INVALID,
    issue_setup_link,
    portal_needs_setup,
    setup_link_valid,
)
from services.accounts.staff_accounts import bootstrap_admin
from services.backoffice.first_run import SetupInput, complete_setup
from services.families.contact_validation import AddressInput
from services.kernel import clock
from services.kernel.errors import ValidationError
from services.kernel.secrets_util import token_hash
from services.kernel.settings import get_settings, update_settings
from tests import factories as f

BASE = "https://portal.example.com"
PASSWORD = "a-long-owner-passphrase"
GOOD = SetupInput(
    business_name="Tumble Town",
    time_zone="Europe/Dublin",
    currency="EUR",
    owner_name="Pat Owner",
    owner_email="Pat@Example.com",
    password=PASSWORD,
    confirm=PASSWORD,
    location_name="Riverside",
    location_time_zone="",
    address=AddressInput("1 Quay St", city="Galway", postal_code="H91 X2Y3", country="IE"),
    phone="(022) 12345",
)


def _token(link: str | None) -> str:
    assert link is not None
    assert link.startswith(f"{BASE}/?setup=")
    return parse_qs(urlsplit(link).query)["setup"][0]


def _counts(db: Session) -> tuple[int, ...]:
    db.rollback()
    tables = (User, Location, staff_locations, AuditEntry)
    spent = db.scalar(select(func.count()).where(OneTimeToken.used_at.is_not(None)))
    return (*(db.scalar(select(func.count()).select_from(table)) for table in tables), spent)


def _admins(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).where(User.role == Role.ADMIN)) or 0


def test_setup_creates_the_business_owner_and_location_and_spends_the_link(db: Session) -> None:
    assert portal_needs_setup(db)
    token = _token(issue_setup_link(db, base_url=BASE))
    assert setup_link_valid(db, token)
    stored = db.scalars(select(OneTimeToken.token_hash)).all()
    assert token not in stored  # only the hash is kept

    owner_id = complete_setup(db, token, GOOD)

    owner = db.get(User, owner_id)
    assert owner is not None and owner.role is Role.ADMIN and owner.email == "pat@example.com"
    assert owner.display_name == "Pat Owner"
    location = db.scalars(select(Location)).one()
    assert (location.name, location.timezone, location.country) == (
        "Riverside",
        "Europe/Dublin",  # "same as the business" when left empty
        "IE",
    )
    assert location.phone == "+3532212345" and location.postal_code == "H91 X2Y3"
    assert db.scalar(select(staff_locations.c.location_id)) == location.id
    settings = get_settings(db)
    assert (settings.business_name, settings.time_zone, settings.currency) == (
        "Tumble Town",
        "Europe/Dublin",
        "eur",
    )
    assert settings.default_phone_region == "IE"
    assert db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all() == [
        "setup.link_issued",
        "setup.completed",
    ]
    assert not portal_needs_setup(db) and not setup_link_valid(db, token)
    # The owner signs in with the chosen password; two-factor sign-in is required for staff
    # on a new install, so the owner sets an authenticator up first.
    step = auth.sign_in(db, "pat@example.com", PASSWORD)
    assert isinstance(step, SecondStep) and step.enrol


def test_the_link_works_once(db: Session) -> None:
    token = _token(issue_setup_link(db, base_url=BASE))
    complete_setup(db, token, GOOD)
    before = _counts(db)
    again = dataclasses.replace(GOOD, owner_email="someone@example.com")
    with pytest.raises(ValidationError, match=SETUP_INVALID):
        complete_setup(db, token, again)
    assert _counts(db) == before and _admins(db) == 1


@pytest.mark.parametrize("token", [None, "", "forged-token", "x" * 500, 12345])
def test_forged_or_malformed_links_are_refused(db: Session, token: object) -> None:
    issue_setup_link(db, base_url=BASE)
    before = _counts(db)
    assert not setup_link_valid(db, token)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=SETUP_INVALID):
        complete_setup(db, token, GOOD)  # type: ignore[arg-type]
    assert _counts(db) == before


def test_a_restart_replaces_the_link(db: Session) -> None:
    first = _token(issue_setup_link(db, base_url=BASE))
    second = _token(issue_setup_link(db, base_url=BASE))
    assert first != second
    assert not setup_link_valid(db, first) and setup_link_valid(db, second)
    with pytest.raises(ValidationError, match=SETUP_INVALID):
        complete_setup(db, first, GOOD)
    assert complete_setup(db, second, GOOD)


def test_no_link_and_no_setup_once_an_admin_exists(db: Session) -> None:
    token = _token(issue_setup_link(db, base_url=BASE))
    bootstrap_admin(db, "owner@example.com", "Owner", PASSWORD)  # the headless way
    assert issue_setup_link(db, base_url=BASE) is None
    assert not portal_needs_setup(db) and not setup_link_valid(db, token)
    with pytest.raises(ValidationError, match=SETUP_INVALID):
        complete_setup(db, token, GOOD)  # the script revoked it
    assert _admins(db) == 1


def test_an_admin_made_while_the_link_is_open_refuses_the_setup(db: Session) -> None:
    token = _token(issue_setup_link(db, base_url=BASE))
    f.user(db, "other-admin@example.com", Role.ADMIN)  # e.g. restored from a backup
    db.commit()
    with pytest.raises(ValidationError, match=ALREADY_SET_UP):
        complete_setup(db, token, GOOD)
    assert _admins(db) == 1


def test_the_demo_database_gets_no_link(db: Session) -> None:
    f.user(db, "admin@example.com", Role.ADMIN)
    db.commit()
    assert issue_setup_link(db, base_url=BASE) is None
    assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 0


def test_a_bad_public_address_issues_nothing(db: Session) -> None:
    with pytest.raises(ValidationError, match="CARTWHEEL_BASE_URL"):
        issue_setup_link(db, base_url="javascript:alert(1)")
    assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 0


BAD_INPUT = [
    ({"business_name": ""}, "Enter the business name"),
    ({"business_name": "   "}, "Enter the business name"),
    ({"business_name": "x" * 121}, "too long"),
    ({"business_name": "Gym\x00"}, "cannot be saved"),
    ({"time_zone": ""}, "Choose the business time zone"),
    ({"time_zone": "Mars/Olympus"}, "Choose a business time zone from the list"),
    ({"time_zone": "../../etc/passwd"}, "from the list"),
    ({"time_zone": 5}, "must be text"),
    ({"currency": ""}, "three-letter code"),
    ({"currency": "€"}, "three-letter code"),
    ({"currency": "EURO"}, "three-letter code"),
    ({"currency": None}, "three-letter code"),
    ({"owner_name": ""}, "Enter the owner's name"),
    ({"owner_email": ""}, "Enter an e-mail address"),
    ({"owner_email": "not-an-address"}, "valid e-mail address"),
    ({"password": "", "confirm": ""}, "Enter a password"),
    ({"confirm": "something-else-entirely"}, "do not match"),
    ({"password": "short", "confirm": "short"}, "at least 8"),
    ({"password": "password123", "confirm": "password123"}, "too common"),
    ({"location_name": ""}, "Enter the location name"),
    ({"location_time_zone": "Nowhere/Land"}, "location's time zone from the list"),
    ({"address": AddressInput("", city="Galway", country="IE")}, "street address"),
    ({"address": AddressInput("1 Quay St", city="", country="IE")}, "city"),
    ({"address": "1 Quay St"}, "mailing address is not valid"),
    ({"phone": ""}, "Enter a phone number"),
    ({"phone": "12"}, "phone"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_is_written(
    db: Session, changes: dict[str, object], message: str
) -> None:
    token = _token(issue_setup_link(db, base_url=BASE))
    before = _counts(db)
    with pytest.raises(ValidationError, match=message):
        complete_setup(db, token, dataclasses.replace(GOOD, **changes))
    assert _counts(db) == before and portal_needs_setup(db)
    assert setup_link_valid(db, token)  # a mistake does not spend the link


def test_a_form_that_is_not_the_setup_form_is_refused(db: Session) -> None:
    token = _token(issue_setup_link(db, base_url=BASE))
    with pytest.raises(ValidationError, match="setup form is not valid"):
        complete_setup(db, token, {"business_name": "Gym"})  # type: ignore[arg-type]


def test_an_owner_email_that_already_has_an_account_is_refused(db: Session) -> None:
    f.user(db, "pat@example.com", Role.STAFF)
    db.commit()
    token = _token(issue_setup_link(db, base_url=BASE))
    before = _counts(db)
    with pytest.raises(ValidationError, match="already has an account"):
        complete_setup(db, token, GOOD)
    assert _counts(db) == before and setup_link_valid(db, token)


def test_settings_keep_the_time_zone_and_currency_well_formed(db: Session) -> None:
    admin = f.staff(db, "admin@example.com", [], Role.ADMIN)
    db.commit()
    with pytest.raises(ValidationError, match="from the list"):
        update_settings(db, admin, {"time_zone": "Europe/Atlantis"})
    with pytest.raises(ValidationError, match="three-letter code"):
        update_settings(db, admin, {"currency": "dollars"})
    updated = update_settings(db, admin, {"time_zone": "Europe/London", "currency": "GBP"})
    assert (updated.time_zone, updated.currency) == ("Europe/London", "gbp")


@pytest.fixture
def slow_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pause between the "no administrator yet" check and the insert, in the setup and in the
    script, so racing calls really overlap (without the locks, both would pass the check)."""
    from services.accounts import staff_accounts
    from services.backoffice import first_run

    def slowly(real):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            time.sleep(0.3)
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(first_run, "_create", slowly(first_run._create))
    monkeypatch.setattr(staff_accounts, "hash_password", slowly(staff_accounts.hash_password))


def _race(engine: Engine, calls: list) -> list[object]:  # type: ignore[type-arg]
    start = threading.Barrier(len(calls))
    outcomes: list[object] = []

    def run(call) -> None:  # type: ignore[no-untyped-def]
        with Session(engine, expire_on_commit=False) as session:
            start.wait()
            try:
                outcomes.append(call(session))
            except ValidationError as refused:
                outcomes.append(refused.message)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(calls)
    return outcomes


@pytest.mark.usefixtures("slow_writes")
def test_two_setups_at_once_make_one_admin(db: Session, engine: Engine) -> None:
    token = _token(issue_setup_link(db, base_url=BASE))
    db.close()
    outcomes = _race(
        engine,
        [
            lambda s, n=n: complete_setup(
                s, token, dataclasses.replace(GOOD, owner_email=f"owner{n}@example.com")
            )
            for n in range(2)
        ],
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["int", "str"]
    assert SETUP_INVALID in outcomes
    assert _admins(db) == 1
    assert db.scalar(select(func.count()).select_from(Location)) == 1


@pytest.mark.usefixtures("slow_writes")
def test_two_links_from_two_processes_starting_at_once_still_make_one_admin(
    db: Session, engine: Engine
) -> None:
    """Two app processes that start together may each print a link before either sees the
    other's; the setups from both links still make one administrator."""
    first = _token(issue_setup_link(db, base_url=BASE))
    db.add(
        OneTimeToken(
            purpose=OneTimeTokenPurpose.SETUP,
            token_hash=token_hash("second-link"),
            created_at=clock.now(),
            expires_at=clock.now().replace(year=2036),
        )
    )
    db.commit()
    db.close()
    outcomes = _race(
        engine,
        [
            lambda s: complete_setup(s, first, GOOD),
            lambda s: complete_setup(
                s,
                "second-link",
                dataclasses.replace(
                    GOOD, owner_email="other@example.com", location_name="Hillside"
                ),
            ),
        ],
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["int", "str"]
    assert _admins(db) == 1


@pytest.mark.usefixtures("slow_writes")
def test_a_setup_and_the_create_admin_script_at_once_make_one_admin(
    db: Session, engine: Engine
) -> None:
    token = _token(issue_setup_link(db, base_url=BASE))
    db.close()

    def script(session: Session) -> int:
        return bootstrap_admin(session, "script@example.com", "Script Owner", PASSWORD)

    outcomes = _race(engine, [lambda s: complete_setup(s, token, GOOD), script])
    assert sorted(type(o).__name__ for o in outcomes) == ["int", "str"]
    assert _admins(db) == 1
