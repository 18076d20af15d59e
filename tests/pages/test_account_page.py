"""The Account page through AppTest, as the primary and as a secondary guardian: what each
sees and may do; adding, changing and deleting each kind of contact detail (bad input shows
the service's message, writes nothing and keeps what was typed); "Unsubscribed"; moving an
unassigned value; Add Guardian with an invitation; Send, Re-send, Revoke and Reset Password;
the payment permission; Change Password; the password box for sensitive changes; activity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import (
    Address,
    AuditEntry,
    EmailAddress,
    Guardian,
    GuardianAccess,
    OneTimeToken,
    OutboxMessage,
    PhoneNumber,
    Role,
    SignInSession,
    User,
)
from services.accounts import auth
from services.accounts.reauth import REAUTH_REFUSED, RECENT_SIGN_IN
from services.families.contact_changes import EMAIL_TAKEN
from services.kernel import clock
from services.kernel.errors import ReauthenticationRequired
from services.kernel.outbox import LINK_PLACEHOLDER
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts
from tests.services import contact_helpers as ch
from tests.support.links import sent_link

PAGE = "../pages/account.py"
NEW_PASSWORD = "balance-beam-before-breakfast"
REAUTH_ASKED = ReauthenticationRequired().message


@pytest.fixture
def family(app_db: Session) -> ch.Account:
    return ch.account(app_db)


def _login(db: Session, guardian: Guardian) -> str:
    account = db.get(User, guardian.user_id)
    assert account is not None
    return account.email


def _open(db: Session, guardian: Guardian, tab: str = "Guardians") -> AppTest:
    at = signed_in_app(db, _login(db, guardian), f.PASSWORD).run()
    at.switch_page(PAGE).run()
    at.session_state["account.tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def _type(at: AppTest, values: dict[str, str]) -> None:
    for key, value in values.items():
        at.text_input(key=key).input(value)


def _markdown(at: AppTest) -> list[str]:
    return [str(m.value) for m in at.markdown]


def _buttons(at: AppTest) -> set[str]:
    return {str(b.key) for b in at.button}


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def _fresh(db: Session) -> Session:
    db.rollback()
    db.expire_all()
    return db


def _stale_sign_in() -> None:
    """The password was entered longer ago than a sensitive change allows (the session is
    still alive: each run refreshes its idle timer)."""
    clock.advance(RECENT_SIGN_IN + timedelta(minutes=1))


# Who sees what


def test_the_primary_guardian_sees_every_guardian_and_the_unassigned_values(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, family.alex)
    lines = _markdown(at)
    assert "**Alex Rivera** :blue-badge[Primary] :violet-badge[You]" in lines
    assert "**Jamie Rivera** :gray-badge[No login]" in lines
    assert "**Robin Rivera** :orange-badge[Invite Sent]" in lines
    assert "**Sam Rivera** :green-badge[Can Log In]" in lines
    page = texts(at)
    for shown in ("alex.work@example.com", "1 Alex St", "(312) 555-0101", "jamie@example.com"):
        assert shown in page
    assert f"{family.alex_login.email} :blue-badge[Sign-in e-mail]" in page
    assert "**Unassigned**" in lines and "old.family@example.com" in page
    # Sam signs in: only the name, access and controls; never another family's values.
    assert "Sam Rivera signs in and keeps their own contact details." in page
    for hidden in ("sam.home@example.com", "2 Sam St", "555-0102", "okafor", "Okafor Ave"):
        assert hidden not in page
    keys = _buttons(at)
    jamie, robin, sam = family.jamie.id, family.robin.id, family.sam.id
    assert {f"account.invite.{jamie}", f"account.resend.{robin}", f"account.revoke.{robin}"} <= keys
    assert {f"account.reset.{sam}", f"account.revoke.{sam}"} <= keys
    assert f"account.invite.{sam}" not in keys and f"account.reset.{jamie}" not in keys
    assert not any(k.endswith(f".{family.alex.id}") and "invite" in k for k in keys)
    assert {"account.open.add_guardian", f"account.move.email.{family.unassigned.email.id}"} <= keys
    assert {t.key for t in at.toggle} == {f"account.may_pay.{g}" for g in (jamie, robin, sam)}
    assert at.segmented_control(key="account.tab").options == [
        "Guardians",
        "Change Password",
        "Two-factor sign-in",
        "Account activity",
    ]


def test_a_secondary_guardian_sees_their_own_details_and_the_others_names(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, family.sam)
    lines, page = _markdown(at), texts(at)
    assert "**Sam Rivera** :violet-badge[You] :green-badge[Can Log In]" in lines
    assert "**Alex Rivera** :blue-badge[Primary]" in lines
    assert "**Jamie Rivera** :gray-badge[No login]" in lines
    for shown in ("sam.home@example.com", "2 Sam St", "(312) 555-0102", "second@example.com"):
        assert shown in page
    for hidden in ("alex.work@example.com", "1 Alex St", "jamie@example.com", "old.family"):
        assert hidden not in page
    assert "**Unassigned**" not in lines
    keys = _buttons(at)
    assert f"account.open.add_email.{family.sam.id}" in keys
    assert f"account.open.add_email.{family.jamie.id}" not in keys
    assert "account.open.add_guardian" not in keys
    assert not any(
        k.startswith(("account.invite", "account.revoke", "account.reset")) for k in keys
    )
    assert len(at.toggle) == 0


def test_a_secondary_guardian_changes_their_own_details(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, family.sam)
    _click(at, f"account.open.add_phone.{family.sam.id}")
    _type(at, {f"account.add_phone.{family.sam.id}.number": "312-555-0177"})
    _click(at, f"account.save.add_phone.{family.sam.id}")
    assert "Phone number added." in texts(at)
    assert "(312) 555-0177" in texts(at)
    row = _fresh(app_db).scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+13125550177"))
    assert row is not None and row.guardian_id == family.sam.id


def test_staff_have_no_account_page(app_db: Session, family: ch.Account) -> None:
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    assert family.gym.desk.role is Role.STAFF


def test_opted_out_values_read_unsubscribed_in_red_italics(
    app_db: Session, family: ch.Account
) -> None:
    lines = _markdown(_open(app_db, family.alex))
    assert r"old\.family@example\.com :red[*Unsubscribed*]" in lines
    assert r"\(312\) 555\-0104 :gray[other] :red[*Unsubscribed*]" in lines
    assert r"alex\.work@example\.com" in lines  # subscribed: no mark
    assert sum(":red[*Unsubscribed*]" in line for line in lines) == 2


# E-mail addresses


def test_add_an_e_mail_address(app_db: Session, family: ch.Account) -> None:
    at = _open(app_db, family.alex)
    target = f"add_email.{family.jamie.id}"
    _click(at, f"account.open.{target}")
    _type(at, {f"account.{target}.email": "  Jamie.Work@Example.com "})
    _click(at, f"account.save.{target}")
    assert "E-mail address added." in texts(at)
    row = _fresh(app_db).scalar(
        select(EmailAddress).where(EmailAddress.email == "jamie.work@example.com")
    )
    assert row is not None and row.guardian_id == family.jamie.id and row.blasts_opt_in
    assert f"account.save.{target}" not in _buttons(at)  # the form closed


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an e-mail address."),
        ("jamie at example.com", "Enter a valid e-mail address"),
        ("jamie@", "Enter a valid e-mail address"),
        ("alex.work@example.com", EMAIL_TAKEN),
        ("jamie@home@example.com", "Enter a valid e-mail address"),
    ],
)
def test_bad_e_mail_addresses_write_nothing_and_keep_the_input(
    app_db: Session, family: ch.Account, typed: str, message: str
) -> None:
    at = _open(app_db, family.alex)
    before = ch.written(app_db)
    target = f"add_email.{family.jamie.id}"
    _click(at, f"account.open.{target}")
    _type(at, {f"account.{target}.email": typed})
    _click(at, f"account.save.{target}")
    assert len(at.error) == 1 and message in at.error[0].value
    assert at.text_input(key=f"account.{target}.email").value == typed[:254]
    assert ch.written(app_db) == before


def test_edit_and_delete_an_e_mail_address(app_db: Session, family: ch.Account) -> None:
    email_id = family.mine.email.id
    at = _open(app_db, family.alex)
    _click(at, f"account.open.email.{email_id}")
    assert at.text_input(key=f"account.email.{email_id}.email").value == "alex.work@example.com"
    _type(at, {f"account.email.{email_id}.email": "alex.office@example.com"})
    _click(at, f"account.save.email.{email_id}")
    assert "E-mail address saved." in texts(at)
    assert _fresh(app_db).get(EmailAddress, email_id).email == "alex.office@example.com"  # type: ignore[union-attr]
    _click(at, f"account.open.email.{email_id}")
    _click(at, f"account.delete.email.{email_id}")
    assert "Delete alex.office@example.com?" in texts(at)
    _click(at, f"account.no.email.{email_id}")  # Keep it
    assert _fresh(app_db).get(EmailAddress, email_id) is not None
    _click(at, f"account.delete.email.{email_id}")
    _click(at, f"account.yes.email.{email_id}")
    assert "E-mail address deleted." in texts(at)
    assert _fresh(app_db).get(EmailAddress, email_id) is None
    assert "alex.office@example.com" not in texts(at)


def test_the_sign_in_address_cannot_be_deleted(app_db: Session, family: ch.Account) -> None:
    login_id = family.alex_login.id
    at = _open(app_db, family.alex)
    _click(at, f"account.open.email.{login_id}")
    assert "This is the address you sign in with." in texts(at)
    assert f"account.delete.email.{login_id}" not in _buttons(at)
    assert f"account.consent.email.{login_id}" in _buttons(at)


def test_unsubscribe_and_subscribe_again(app_db: Session, family: ch.Account) -> None:
    email_id = family.mine.email.id
    at = _open(app_db, family.alex)
    _click(at, f"account.open.email.{email_id}")
    assert at.button(key=f"account.consent.email.{email_id}").label == "Unsubscribe"
    _click(at, f"account.consent.email.{email_id}")
    assert "Unsubscribed." in texts(at)
    assert r"alex\.work@example\.com :red[*Unsubscribed*]" in _markdown(at)
    assert _fresh(app_db).get(EmailAddress, email_id).blasts_opt_in is False  # type: ignore[union-attr]
    assert at.button(key=f"account.consent.email.{email_id}").label == "Subscribe to e-mail news"
    _click(at, f"account.consent.email.{email_id}")
    assert _fresh(app_db).get(EmailAddress, email_id).blasts_opt_in is True  # type: ignore[union-attr]
    assert ch.audit_actions(app_db)[-2:] == ["consent.email_opt_out", "consent.email_opt_in"]


# Phone numbers


def test_add_edit_and_delete_a_phone_number(app_db: Session, family: ch.Account) -> None:
    at = _open(app_db, family.alex)
    target = f"add_phone.{family.alex.id}"
    _click(at, f"account.open.{target}")
    _type(at, {f"account.{target}.number": "(312) 555-0188"})
    at.selectbox(key=f"account.{target}.label").set_value("work")
    _click(at, f"account.save.{target}")
    assert "Phone number added." in texts(at)
    row = _fresh(app_db).scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+13125550188"))
    assert row is not None and row.label == "work" and row.guardian_id == family.alex.id
    assert r"\(312\) 555\-0188 :gray[work]" in _markdown(at)  # national format
    phone_id = row.id

    _click(at, f"account.open.phone.{phone_id}")
    assert at.text_input(key=f"account.phone.{phone_id}.number").value == "(312) 555-0188"
    _type(at, {f"account.phone.{phone_id}.number": "+44 20 7946 0958"})
    at.selectbox(key=f"account.phone.{phone_id}.label").set_value("home")
    _click(at, f"account.save.phone.{phone_id}")
    assert "Phone number saved." in texts(at)
    changed = _fresh(app_db).get(PhoneNumber, phone_id)
    assert changed is not None and (changed.e164, changed.label) == ("+442079460958", "home")
    assert "+44 20 7946 0958" in texts(at)  # another country: international format

    _click(at, f"account.open.phone.{phone_id}")
    _click(at, f"account.delete.phone.{phone_id}")
    _click(at, f"account.yes.phone.{phone_id}")
    assert "Phone number deleted." in texts(at)
    assert _fresh(app_db).get(PhoneNumber, phone_id) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a phone number."),
        ("555", "That phone number is too short."),
        ("call me maybe", "Enter a valid phone number."),
        ("312 555 0101", "is already on your family's account"),
        ("+999 1234 5678", "country code of that phone number is not known"),
        ("312 555 0199 ext 4", "without an extension"),
    ],
)
def test_bad_phone_numbers_write_nothing_and_keep_the_input(
    app_db: Session, family: ch.Account, typed: str, message: str
) -> None:
    at = _open(app_db, family.alex)
    before = ch.written(app_db)
    target = f"add_phone.{family.jamie.id}"
    _click(at, f"account.open.{target}")
    _type(at, {f"account.{target}.number": typed})
    _click(at, f"account.save.{target}")
    assert len(at.error) == 1 and message in at.error[0].value, _errors(at)
    assert at.text_input(key=f"account.{target}.number").value == typed
    assert ch.written(app_db) == before


def test_stop_and_allow_text_messages(app_db: Session, family: ch.Account) -> None:
    phone_id = family.mine.phone.id
    at = _open(app_db, family.alex)
    _click(at, f"account.open.phone.{phone_id}")
    _click(at, f"account.consent.phone.{phone_id}")
    assert "Text messages stopped." in texts(at)
    assert r"\(312\) 555\-0101 :gray[mobile] :red[*Unsubscribed*]" in _markdown(at)
    assert _fresh(app_db).get(PhoneNumber, phone_id).sms_opt_in is False  # type: ignore[union-attr]
    _click(at, f"account.consent.phone.{phone_id}")
    assert _fresh(app_db).get(PhoneNumber, phone_id).sms_opt_in is True  # type: ignore[union-attr]


# Mailing addresses

ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


def _address_form(at: AppTest, target: str, values: tuple[str, ...]) -> None:
    _type(at, {f"account.{target}.{n}": v for n, v in zip(ADDRESS_FIELDS, values, strict=True)})


def test_add_edit_and_delete_a_mailing_address(app_db: Session, family: ch.Account) -> None:
    at = _open(app_db, family.alex)
    target = f"add_address.{family.jamie.id}"
    _click(at, f"account.open.{target}")
    assert at.text_input(key=f"account.{target}.country").value == "US"  # the portal's region
    _address_form(
        at, target, ("10  Main St", "Apt 2", "Springfield", "illinois", "627041234", "us")
    )
    _click(at, f"account.save.{target}")
    assert "Mailing address added." in texts(at)
    assert "10 Main St, Apt 2, Springfield, IL 62704-1234, US" in texts(at)
    row = _fresh(app_db).scalar(select(Address).where(Address.line1 == "10 Main St"))
    assert row is not None and row.guardian_id == family.jamie.id
    address_id = row.id

    _click(at, f"account.open.address.{address_id}")
    edit = f"address.{address_id}"
    assert at.text_input(key=f"account.{edit}.postal_code").value == "62704-1234"
    _address_form(at, edit, ("1 Rideau St", "", "Ottawa", "ON", "k1n5y3", "CA"))
    _click(at, f"account.save.{edit}")
    assert "1 Rideau St, Ottawa, ON K1N 5Y3, CA" in texts(at)

    _click(at, f"account.open.{edit}")
    _click(at, f"account.delete.{edit}")
    assert "Delete 1 Rideau St, Ottawa, ON K1N 5Y3, CA?" in texts(at)
    _click(at, f"account.yes.{edit}")
    assert "Mailing address deleted." in texts(at)
    assert _fresh(app_db).get(Address, address_id) is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (("", "", "Springfield", "IL", "62704", "US"), "Enter the street address (line 1)."),
        (("10 Main St", "", "", "IL", "62704", "US"), "Enter the city."),
        (("10 Main St", "", "Springfield", "", "62704", "US"), "Enter the state, such as IL."),
        (("10 Main St", "", "Springfield", "Narnia", "62704", "US"), "Enter the state as its code"),
        (
            ("10 Main St", "", "Springfield", "IL", "6270", "US"),
            "That ZIP code does not look right",
        ),
        (("10 Main St", "", "Springfield", "IL", "", "US"), "Enter the ZIP code"),
        (("10 Main St", "", "London", "", "12345", "GB"), "That postcode does not look right"),
        (("10 Main St", "", "Springfield", "IL", "62704", "United States"), "two-letter code"),
        (("4 old rd", "", "springfield", "il", "62704", "us"), "already on your family's account"),
    ],
)
def test_bad_mailing_addresses_write_nothing_and_keep_the_input(
    app_db: Session, family: ch.Account, values: tuple[str, ...], message: str
) -> None:
    at = _open(app_db, family.alex)
    before = ch.written(app_db)
    target = f"add_address.{family.alex.id}"
    _click(at, f"account.open.{target}")
    _address_form(at, target, values)
    _click(at, f"account.save.{target}")
    assert len(at.error) == 1 and message in at.error[0].value, _errors(at)
    typed = tuple(at.text_input(key=f"account.{target}.{n}").value for n in ADDRESS_FIELDS)
    assert typed == values
    assert ch.written(app_db) == before


# Unassigned values


def test_move_an_unassigned_value_to_a_guardian(app_db: Session, family: ch.Account) -> None:
    email_id = family.unassigned.email.id
    at = _open(app_db, family.alex)
    chooser = at.selectbox(key=f"account.move_to.email.{email_id}")
    assert chooser.options == ["Alex Rivera", "Jamie Rivera", "Robin Rivera"]  # not Sam
    _click(at, f"account.move.email.{email_id}")
    assert _errors(at) == ["Choose the guardian this belongs to."]
    assert _fresh(app_db).get(EmailAddress, email_id).guardian_id is None  # type: ignore[union-attr]
    at.selectbox(key=f"account.move_to.email.{email_id}").set_value(family.jamie.id)
    _click(at, f"account.move.email.{email_id}")
    assert "Moved to Jamie Rivera." in texts(at)
    assert _fresh(app_db).get(EmailAddress, email_id).guardian_id == family.jamie.id  # type: ignore[union-attr]
    assert f"account.move.email.{email_id}" not in _buttons(at)
    assert "contact.email_reassigned" in ch.audit_actions(app_db)


# Guardians: add, invite, re-send, revoke, reset, payment permission


def _add_guardian_form(at: AppTest, first: str, last: str, email: str, phone: str) -> None:
    _click(at, "account.open.add_guardian")
    _type(
        at,
        {
            "account.new_guardian.first": first,
            "account.new_guardian.last": last,
            "account.new_guardian.email": email,
            "account.new_guardian.phone": phone,
        },
    )


def test_add_a_guardian_and_invite_them(app_db: Session, family: ch.Account) -> None:
    at = _open(app_db, family.alex)
    _add_guardian_form(at, "Casey", "Rivera", "Casey@Example.com", "312 555 0166")
    assert at.checkbox(key="account.new_guardian.invite").value is True
    _click(at, "account.save.add_guardian")
    assert "Added Casey Rivera and e-mailed an invitation to casey@example.com." in texts(at)
    assert "**Casey Rivera** :orange-badge[Invite Sent]" in _markdown(at)
    db = _fresh(app_db)
    casey = db.scalar(select(Guardian).where(Guardian.first_name == "Casey"))
    assert casey is not None and casey.access is GuardianAccess.INVITE_SENT
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "casey@example.com"))
    assert mail is not None and LINK_PLACEHOLDER in mail.body_text  # the link: when sent
    assert sent_link(db, "casey@example.com", "invitation", "http://localhost:8501").startswith(
        "http://localhost:8501/?invitation="
    )


def test_add_a_guardian_without_an_invitation(app_db: Session, family: ch.Account) -> None:
    at = _open(app_db, family.alex)
    _add_guardian_form(at, "Casey", "Rivera", "casey@example.com", "")
    at.checkbox(key="account.new_guardian.invite").uncheck()
    _click(at, "account.save.add_guardian")
    assert "Added Casey Rivera." in texts(at)
    assert "**Casey Rivera** :gray-badge[No login]" in _markdown(at)
    assert _fresh(app_db).scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("first", "email", "phone", "message"),
    [
        ("", "casey@example.com", "", "first name"),
        ("Casey", "not-an-address", "", "Enter a valid e-mail address"),
        ("Casey", "second@example.com", "", "already belongs to another Cartwheel account"),
        ("Casey", "casey@example.com", "12", "That phone number is too short."),
        ("Casey", "jamie@example.com", "", "already listed for Jamie"),
    ],
)
def test_bad_guardian_details_write_nothing_and_keep_the_input(
    app_db: Session, family: ch.Account, first: str, email: str, phone: str, message: str
) -> None:
    at = _open(app_db, family.alex)
    before = ch.written(app_db)
    guardians = _fresh(app_db).scalar(select(func.count()).select_from(Guardian))
    _add_guardian_form(at, first, "Rivera", email, phone)
    _click(at, "account.save.add_guardian")
    assert len(at.error) == 1 and message in at.error[0].value, _errors(at)
    assert at.text_input(key="account.new_guardian.email").value == email
    assert at.text_input(key="account.new_guardian.last").value == "Rivera"
    assert ch.written(app_db) == before
    assert _fresh(app_db).scalar(select(func.count()).select_from(Guardian)) == guardians


def test_send_then_re_send_an_invitation(app_db: Session, family: ch.Account) -> None:
    jamie = family.jamie.id
    at = _open(app_db, family.alex)
    _click(at, f"account.invite.{jamie}")
    assert "Sent Jamie Rivera an invitation to sign in." in texts(at)
    assert "**Jamie Rivera** :orange-badge[Invite Sent]" in _markdown(at)
    _click(at, f"account.resend.{jamie}")
    assert "Sent Jamie Rivera a new invitation to sign in." in texts(at)
    db = _fresh(app_db)
    assert db.scalars(select(OneTimeToken)).all() == []  # links are made when sent
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["invitation.sent", "invitation.resent"]
    sent = db.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.to_address == "jamie@example.com")
    )
    assert sent == 2


def test_an_invitation_needs_an_e_mail_address(app_db: Session, family: ch.Account) -> None:
    robin = family.robin.id
    at = _open(app_db, family.alex)
    _click(at, f"account.resend.{robin}")
    assert _errors(at) == ["Add an e-mail address for Robin before sending an invitation."]


def test_revoke_a_guardian_who_signs_in(app_db: Session, family: ch.Account) -> None:
    sam = family.sam.id
    session = auth.sign_in(app_db, "second@example.com", f.PASSWORD).session_id
    at = _open(app_db, family.alex)
    _click(at, f"account.revoke.{sam}")
    assert "Revoke Sam Rivera's access?" in texts(at)
    _click(at, f"account.no.revoke.{sam}")
    assert _fresh(app_db).get(Guardian, sam).access is GuardianAccess.CAN_LOG_IN  # type: ignore[union-attr]
    _click(at, f"account.revoke.{sam}")
    _click(at, f"account.yes.revoke.{sam}")
    assert "Sam Rivera can no longer sign in." in texts(at)
    assert "**Sam Rivera** :red-badge[Invite Revoked]" in _markdown(at)
    assert f"account.invite.{sam}" in _buttons(at)  # may be invited again
    db = _fresh(app_db)
    assert db.get(Guardian, sam).access is GuardianAccess.INVITE_REVOKED  # type: ignore[union-attr]
    assert db.get(SignInSession, session).revoked_at is not None  # type: ignore[union-attr]


def test_send_a_guardian_a_password_reset_link(app_db: Session, family: ch.Account) -> None:
    at = _open(app_db, family.alex)
    _click(at, f"account.reset.{family.sam.id}")
    assert "Sent Sam Rivera a link to choose a new password." in texts(at)
    mail = _fresh(app_db).scalar(select(OutboxMessage))
    assert mail is not None and mail.to_address == "second@example.com"
    assert mail.kind == "password_reset"


def test_allow_and_stop_payments(app_db: Session, family: ch.Account) -> None:
    sam, key = family.sam.id, f"account.may_pay.{family.sam.id}"
    at = _open(app_db, family.alex)
    assert at.toggle(key=key).value is False
    at.toggle(key=key).set_value(True).run()
    assert not at.exception
    assert "Sam Rivera may now make payments." in texts(at)
    assert _fresh(app_db).get(Guardian, sam).may_pay is True  # type: ignore[union-attr]
    assert at.toggle(key=key).value is True
    at.toggle(key=key).set_value(False).run()
    assert "Sam Rivera can no longer make payments." in texts(at)
    assert _fresh(app_db).get(Guardian, sam).may_pay is False  # type: ignore[union-attr]


# Sensitive changes ask for the password again


def test_allowing_payments_after_a_while_asks_for_the_password(
    app_db: Session, family: ch.Account
) -> None:
    sam, key = family.sam.id, f"account.may_pay.{family.sam.id}"
    at = _open(app_db, family.alex)
    _stale_sign_in()
    at.toggle(key=key).set_value(True).run()
    assert not at.exception
    assert "Enter your password again" in texts(at)
    assert at.toggle(key=key).value is False  # the switch shows what is saved
    assert _fresh(app_db).get(Guardian, sam).may_pay is False  # type: ignore[union-attr]
    at.text_input(key=f"account.reauth_password.may_pay.{sam}").input(f.PASSWORD)
    _click(at, f"account.reauth_submit.may_pay.{sam}")
    assert "Password confirmed. Now make the change again." in texts(at)
    at.toggle(key=key).set_value(True).run()
    assert _fresh(app_db).get(Guardian, sam).may_pay is True  # type: ignore[union-attr]
    # Stopping payments never waits for a password.
    _stale_sign_in()
    at.toggle(key=key).set_value(False).run()
    assert _fresh(app_db).get(Guardian, sam).may_pay is False  # type: ignore[union-attr]


def test_changing_the_sign_in_address_after_a_while_asks_for_the_password(
    app_db: Session, family: ch.Account
) -> None:
    login, old_address = family.alex_login.id, family.alex_login.email
    field = f"account.email.{login}.email"
    at = _open(app_db, family.alex)
    _stale_sign_in()
    _click(at, f"account.open.email.{login}")
    _type(at, {field: "alex.new@example.com"})
    _click(at, f"account.save.email.{login}")
    assert _errors(at) == [REAUTH_ASKED]
    assert "Enter your password again" in texts(at)
    assert at.text_input(key=field).value == "alex.new@example.com"  # kept

    at.text_input(key=f"account.reauth_password.email.{login}").input("not-my-password")
    _click(at, f"account.reauth_submit.email.{login}")
    assert _errors(at) == [REAUTH_REFUSED]

    at.text_input(key=f"account.reauth_password.email.{login}").input(f.PASSWORD)
    _click(at, f"account.reauth_submit.email.{login}")
    assert "Password confirmed. Now make the change again." in texts(at)
    assert at.text_input(key=field).value == "alex.new@example.com"  # still kept
    _click(at, f"account.save.email.{login}")
    assert "E-mail address saved." in texts(at)
    db = _fresh(app_db)
    assert db.get(User, family.alex.user_id).email == "alex.new@example.com"  # type: ignore[union-attr]
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "login_email_changed"))
    assert notice is not None and notice.to_address == old_address


def test_inviting_after_a_while_asks_for_the_password_and_keeps_the_form(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, family.alex)
    _stale_sign_in()
    _add_guardian_form(at, "Casey", "Rivera", "casey@example.com", "")
    _click(at, "account.save.add_guardian")
    assert _errors(at) == [REAUTH_ASKED]
    assert _fresh(app_db).scalar(select(Guardian).where(Guardian.first_name == "Casey")) is None
    at.text_input(key="account.reauth_password.add_guardian").input(f.PASSWORD)
    _click(at, "account.reauth_submit.add_guardian")
    assert at.text_input(key="account.new_guardian.first").value == "Casey"
    _click(at, "account.save.add_guardian")
    assert "Added Casey Rivera and e-mailed an invitation" in texts(at)
    casey = _fresh(app_db).scalar(select(Guardian).where(Guardian.first_name == "Casey"))
    assert casey is not None and casey.access is GuardianAccess.INVITE_SENT


def test_sending_an_invitation_after_a_while_asks_for_the_password(
    app_db: Session, family: ch.Account
) -> None:
    jamie = family.jamie.id
    at = _open(app_db, family.alex)
    _stale_sign_in()
    _click(at, f"account.invite.{jamie}")
    assert _errors(at) == [REAUTH_ASKED]
    assert f"account.reauth_submit.invite.{jamie}" in _buttons(at)
    _click(at, f"account.reauth_cancel.invite.{jamie}")
    assert f"account.reauth_submit.invite.{jamie}" not in _buttons(at)
    assert _fresh(app_db).get(Guardian, jamie).access is GuardianAccess.NO_LOGIN  # type: ignore[union-attr]


# Change Password


def _change_password(at: AppTest, current: str, new: str, confirm: str) -> AppTest:
    _type(
        at,
        {
            "account.password.current": current,
            "account.password.new": new,
            "account.password.confirm": confirm,
        },
    )
    return _click(at, "account.password.submit")


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong-password", NEW_PASSWORD, NEW_PASSWORD, "The current password is not correct."),
        (f.PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "The new passwords do not match."),
        (f.PASSWORD, "password1", "password1", "That password is too common."),
        (f.PASSWORD, "short", "short", "Use at least 8 characters."),
    ],
)
def test_change_password_refusals_keep_the_input(
    app_db: Session, family: ch.Account, current: str, new: str, confirm: str, message: str
) -> None:
    at = _open(app_db, family.alex, "Change Password")
    assert "at least 8 characters" in texts(at)
    before = _fresh(app_db).get(User, family.alex.user_id).password_hash  # type: ignore[union-attr]
    at = _change_password(at, current, new, confirm)
    assert len(at.error) == 1 and message in at.error[0].value
    assert at.text_input(key="account.password.new").value == new
    assert _fresh(app_db).get(User, family.alex.user_id).password_hash == before  # type: ignore[union-attr]


def test_change_password_signs_out_the_other_sessions(app_db: Session, family: ch.Account) -> None:
    elsewhere = auth.sign_in(app_db, _login(app_db, family.alex), f.PASSWORD).session_id
    at = _open(app_db, family.alex, "Change Password")
    at = _change_password(at, f.PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert "Your password is changed. You were signed out on your other devices." in texts(at)
    assert at.text_input(key="account.password.current").value == ""  # nothing kept
    assert at.text_input(key="account.password.new").value == ""
    assert _fresh(app_db).get(SignInSession, elsewhere).revoked_at is not None  # type: ignore[union-attr]
    assert at.button(key="sign_out")  # this session goes on
    auth.sign_in(app_db, _login(app_db, family.alex), NEW_PASSWORD)


# Account activity


def test_account_activity_and_consent_history(app_db: Session, family: ch.Account) -> None:
    at = _open(app_db, family.alex)
    _click(at, f"account.open.phone.{family.mine.phone.id}")
    _click(at, f"account.consent.phone.{family.mine.phone.id}")
    at.session_state["account.tab"] = "Account activity"
    at.run()
    assert not at.exception
    activity, consent = (d.value for d in at.dataframe)
    assert list(activity.columns) == ["When", "Who", "What"]
    assert activity["What"].iloc[0] == (
        "Stopped text and voice messages to (312) 555-0101 of Alex Rivera"
    )
    assert activity["Who"].iloc[0] == "Alex Rivera"
    assert activity["When"].iloc[0] == "Tue 24 Nov 2026, 9:00 AM"  # Chicago time
    assert consent.to_dict("records") == [
        {
            "When": "Tue 24 Nov 2026, 9:00 AM",
            "Who": "Alex Rivera",
            "Address or number": "(312) 555-0101",
            "Change": "Stopped text messages",
        }
    ]


def test_a_quiet_account_says_so(app_db: Session) -> None:
    f.family(app_db, "Rivera", email="p@example.com")
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    at.session_state["account.tab"] = "Account activity"
    at.run()
    assert not at.exception
    assert "No changes yet." in texts(at) and "No changes to consent yet." in texts(at)
