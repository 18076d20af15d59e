"""The SMTP sender against a real local SMTP server (aiosmtpd on 127.0.0.1): delivery, the
settings, failures kept with their reason and retried, one send per message under
concurrency, the server's background thread and the command-line sender."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.db import engine_for
from data.models import OneTimeToken, OutboxMessage, OutboxStatus, ScheduledJobRun
from routes.lifespan import lifespan
from scripts import send_outbox
from services.accounts.invitations import invitation_details, revoke_invitation
from services.accounts.password_reset import (
    request_password_reset,
    reset_password,
    reset_token_valid,
)
from services.kernel import clock
from services.kernel.outbox import LINK_PLACEHOLDER, enqueue_email
from services.messages.mailer import (
    DEFAULT_MAIL_FROM,
    LEASE,
    MAX_ATTEMPTS,
    RETRY_AFTER,
    SendReport,
    SmtpConfig,
    parse_smtp_url,
    send_queued,
    smtp_config_from_env,
)
from services.operations import job_runner
from tests import factories as f
from tests.support.event_loops import run_in_own_loop
from tests.support.links import invite_sam

REFUSED = "refused@example.com"
SMTP_PASSWORD = "s3cret pa:ss@word"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """An aiosmtpd handler keeping what arrives; refuses one recipient with 550."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(
        b"gym", SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int
    controller: Controller | None = None

    def start(self, **options: object) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(self, **overrides: object) -> SmtpConfig:
        values: dict[str, object] = {"host": "127.0.0.1", "port": self.port, "security": "none"}
        return SmtpConfig(**{**values, "timeout": 5.0, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(Inbox(), _free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> SmtpServer:
    """A port where nothing listens yet; `start()` brings the server up on it."""
    return SmtpServer(Inbox(), _free_port())


def _queue(db: Session, to: str = "parent@example.com", subject: str = "Welcome") -> int:
    message = enqueue_email(
        db,
        to_address=to,
        subject=subject,
        body_text=f"Hello {to},\n\nThank you for your payment.\n",
        kind="receipt",
    )
    db.commit()
    return message.id


def _row(db: Session, message_id: int) -> OutboxMessage:
    db.commit()  # a fresh read: other threads may have written since
    return db.get(OutboxMessage, message_id, populate_existing=True)


# Settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.internal", ("mail.internal", 25, "none", "", "")),
        ("smtp://relay:2525", ("relay", 2525, "none", "", "")),
        (
            "smtp+starttls://gym:p%40ss@smtp.example.com",
            ("smtp.example.com", 587, "starttls", "gym", "p@ss"),
        ),
        (
            "smtps://apikey:xyz@smtp.example.com:2465",
            ("smtp.example.com", 2465, "tls", "apikey", "xyz"),
        ),
    ],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    config = parse_smtp_url(url)
    assert (config.host, config.port, config.security, config.username, config.password) == expected
    assert config.sender == DEFAULT_MAIL_FROM == "Cartwheel <no-reply@localhost>"
    assert "xyz" not in repr(config) and "p@ss" not in repr(config)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:hunter2@mail.example.com", "must start with smtp://"),
        ("mail.example.com:25", "must start with smtp://"),
        ("smtp://user:hunter2@:25", "needs the mail server's host name"),
        ("smtp://user:hunter2@mail.example.com:port", "port that is not a number"),
    ],
)
def test_malformed_smtp_urls_are_refused_without_echoing_the_password(
    url: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        parse_smtp_url(url)
    assert "hunter2" not in str(refused.value)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    assert smtp_config_from_env() is None
    monkeypatch.setenv("CARTWHEEL_SMTP_URL", "smtp+starttls://u:p@mail.example.com")
    monkeypatch.setenv("CARTWHEEL_MAIL_FROM", "Northside Gym <office@northside.example>")
    config = smtp_config_from_env()
    assert config is not None and config.sender == "Northside Gym <office@northside.example>"
    monkeypatch.setenv("CARTWHEEL_MAIL_FROM", "not an address")
    with pytest.raises(ValueError, match="CARTWHEEL_MAIL_FROM"):
        smtp_config_from_env()


# Delivery


def test_queued_messages_arrive_with_recipient_subject_and_body(
    db: Session, smtp: SmtpServer
) -> None:
    first = _queue(db, "sam@example.com", "Alex invited you")
    second = _queue(db, "jo@example.com", "Reset your password")
    report = send_queued(db, smtp.config(sender="Northside Gym <office@northside.example>"))
    assert report == SendReport(sent=2, failed=0)
    assert [(sender, to) for sender, to, _ in smtp.inbox.received] == [
        ("office@northside.example", ["sam@example.com"]),
        ("office@northside.example", ["jo@example.com"]),
    ]
    message = smtp.inbox.received[0][2]
    assert message["Subject"] == "Alex invited you"
    assert message["To"] == "sam@example.com"
    assert message["From"] == "Northside Gym <office@northside.example>"
    assert message["Message-ID"].endswith("@northside.example>")
    assert message.get_content().replace("\r\n", "\n") == (
        "Hello sam@example.com,\n\nThank you for your payment.\n"
    )
    for message_id in (first, second):
        row = _row(db, message_id)
        assert (row.status, row.sent_at, row.attempts, row.last_error) == (
            OutboxStatus.SENT,
            clock.now(),
            1,
            "",
        )
    assert send_queued(db, smtp.config()) == SendReport(0, 0)  # nothing is sent twice
    assert len(smtp.inbox.received) == 2


def test_a_pass_sends_at_most_limit_messages_oldest_first(db: Session, smtp: SmtpServer) -> None:
    for n in range(3):
        _queue(db, f"p{n}@example.com")
        clock.advance(timedelta(seconds=1))
    assert send_queued(db, smtp.config(), limit=2) == SendReport(2, 0)
    assert [to for _, [to], _ in smtp.inbox.received] == ["p0@example.com", "p1@example.com"]
    for bad in (0, -1, True, "5"):
        with pytest.raises(ValueError, match="limit"):
            send_queued(db, smtp.config(), limit=bad)  # type: ignore[arg-type]


def test_sign_in_to_the_mail_server(db: Session, smtp_down: SmtpServer) -> None:
    smtp_down.start(authenticator=_authenticator, auth_require_tls=False)
    try:
        wrong = _queue(db, "a@example.com")
        assert send_queued(db, smtp_down.config(username="gym", password="nope")) == SendReport(
            0, 1
        )
        row = _row(db, wrong)
        assert row.status is OutboxStatus.FAILED
        assert "refused the user name or password" in row.last_error
        assert "nope" not in row.last_error
        clock.advance(RETRY_AFTER[0])
        config = smtp_down.config(username="gym", password=SMTP_PASSWORD)
        assert send_queued(db, config) == SendReport(1, 0)
        assert [to for _, [to], _ in smtp_down.inbox.received] == ["a@example.com"]
    finally:
        smtp_down.stop()


# Failures


def test_smtp_down_keeps_messages_with_the_reason_and_retries_later(
    db: Session, smtp_down: SmtpServer
) -> None:
    first, second = _queue(db, "a@example.com"), _queue(db, "b@example.com")
    assert send_queued(db, smtp_down.config()) == SendReport(0, 1)  # the pass stops at once
    row = _row(db, first)
    assert (row.status, row.attempts, row.sent_at) == (OutboxStatus.FAILED, 1, None)
    assert row.last_error.startswith(f"Could not reach the mail server 127.0.0.1:{smtp_down.port}")
    assert row.next_attempt_at == clock.now() + RETRY_AFTER[0]
    assert (_row(db, second).status, _row(db, second).attempts) == (OutboxStatus.QUEUED, 0)
    # The failed one waits for its pause; the untried one is tried on the next pass.
    assert send_queued(db, smtp_down.config()) == SendReport(0, 1)
    assert (_row(db, first).attempts, _row(db, second).attempts) == (1, 1)
    smtp_down.start()
    try:
        assert send_queued(db, smtp_down.config()) == SendReport(0, 0)  # both still pausing
        clock.advance(RETRY_AFTER[0])
        assert send_queued(db, smtp_down.config()) == SendReport(2, 0)
    finally:
        smtp_down.stop()
    assert sorted(to for _, [to], _ in smtp_down.inbox.received) == [
        "a@example.com",
        "b@example.com",
    ]
    assert {_row(db, i).status for i in (first, second)} == {OutboxStatus.SENT}
    assert _row(db, first).last_error == ""


def test_a_refused_recipient_fails_alone_and_gives_up_after_five_attempts(
    db: Session, smtp: SmtpServer
) -> None:
    refused = _queue(db, REFUSED)
    good = _queue(db, "good@example.com")
    assert send_queued(db, smtp.config()) == SendReport(1, 1)
    row = _row(db, refused)
    assert "refused the recipient: 550 5.1.1 No such mailbox" in row.last_error
    for pause in RETRY_AFTER:
        assert send_queued(db, smtp.config()) == SendReport(0, 0)  # not yet
        clock.advance(pause)
        assert send_queued(db, smtp.config()) == SendReport(0, 1)
    row = _row(db, refused)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        OutboxStatus.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    clock.advance(timedelta(days=1))
    assert send_queued(db, smtp.config()) == SendReport(0, 0)  # stays failed for an admin
    assert _row(db, refused).attempts == MAX_ATTEMPTS
    assert _row(db, good).status is OutboxStatus.SENT


def test_a_message_with_a_line_break_in_a_header_is_never_sent(
    db: Session, smtp: SmtpServer
) -> None:
    broken = _queue(db, subject="Hello\nBcc: everyone@example.com")
    fine = _queue(db, "fine@example.com")
    assert send_queued(db, smtp.config()) == SendReport(1, 1)
    assert "cannot be sent as written" in _row(db, broken).last_error
    assert [to for _, [to], _ in smtp.inbox.received] == ["fine@example.com"]
    assert _row(db, fine).status is OutboxStatus.SENT


def test_a_message_held_by_a_sender_that_died_waits_for_the_lease(
    db: Session, smtp: SmtpServer
) -> None:
    message_id = _queue(db)
    row = _row(db, message_id)
    row.attempts, row.next_attempt_at = 1, clock.now() + LEASE  # claimed, then the worker died
    db.commit()
    assert send_queued(db, smtp.config()) == SendReport(0, 0)
    clock.advance(LEASE)
    assert send_queued(db, smtp.config()) == SendReport(1, 0)
    assert _row(db, message_id).attempts == 2


# Concurrency


def test_two_senders_at_once_send_each_message_exactly_once(
    db: Session, engine: Engine, smtp: SmtpServer
) -> None:
    ids = [_queue(db, f"parent{n}@example.com") for n in range(20)]
    db.close()
    start = threading.Barrier(2)
    reports: list[SendReport] = []

    def sender() -> None:
        with Session(engine, expire_on_commit=False) as session:
            start.wait()
            reports.append(send_queued(session, smtp.config()))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.sent for r in reports) == 20 and sum(r.failed for r in reports) == 0
    recipients = [to for _, [to], _ in smtp.inbox.received]
    assert sorted(recipients) == sorted(f"parent{n}@example.com" for n in range(20))
    assert {(_row(db, i).status, _row(db, i).attempts) for i in ids} == {(OutboxStatus.SENT, 1)}


# The server's sender thread and the command line


def _wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_server_lifespan_sends_the_outbox_only_when_smtp_is_configured(
    db: Session, db_url: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox is a scheduled job (services/operations), run by the server's job thread."""
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    monkeypatch.delenv("CARTWHEEL_JOBS_IN_APP", raising=False)
    message_id = _queue(db)

    async def serve_once() -> bool:
        async with lifespan(None):
            await asyncio.sleep(0.5)
            return job_runner._running is not None and job_runner._running.alive

    assert run_in_own_loop(serve_once, timeout=60)  # the job thread ran, without the outbox
    assert _row(db, message_id).status is OutboxStatus.QUEUED
    assert (
        db.scalar(
            select(func.count())
            .select_from(ScheduledJobRun)
            .where(ScheduledJobRun.job_name == "outbox")
        )
        == 0
    )

    monkeypatch.setenv("CARTWHEEL_SMTP_URL", f"smtp://127.0.0.1:{smtp.port}")

    async def serve_until_sent() -> bool:
        async with lifespan(None):
            return await asyncio.to_thread(lambda: _wait_until(lambda: smtp.inbox.received))

    try:
        assert run_in_own_loop(serve_until_sent, timeout=60)
    finally:
        engine_for(db_url).dispose()
    assert _row(db, message_id).status is OutboxStatus.SENT
    assert job_runner._running is not None and not job_runner._running.alive  # stopped


def test_send_outbox_script(
    db: Session,
    db_url: str,
    smtp_down: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    monkeypatch.setattr(send_outbox, "load_secrets_file", lambda: [])
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    assert send_outbox.main([]) == 2
    assert "CARTWHEEL_SMTP_URL is not set" in capsys.readouterr().err
    monkeypatch.setenv("CARTWHEEL_SMTP_URL", "imap://x")
    assert send_outbox.main([]) == 2
    monkeypatch.setenv("CARTWHEEL_SMTP_URL", f"smtp://127.0.0.1:{smtp_down.port}")
    _queue(db)
    try:
        assert send_outbox.main([]) == 1  # server down: reported, message kept
        assert "Sent 0, failed 1." in capsys.readouterr().out
        smtp_down.start()
        clock.advance(RETRY_AFTER[0])
        assert send_outbox.main(["--limit", "10"]) == 0
        assert "Sent 1, failed 0." in capsys.readouterr().out
    finally:
        smtp_down.stop()
        engine_for(db_url).dispose()
    assert len(smtp_down.inbox.received) == 1


# Reset and invitation links are made when sent (issue 13, items 8 and 11)

PORTAL = "https://portal.example.com"


def _received_link(smtp: SmtpServer, index: int = -1) -> str:
    body = smtp.inbox.received[index][2].get_content()
    match = re.search(re.escape(PORTAL) + r"/\?(?:reset|invitation)=[A-Za-z0-9_-]+", body)
    assert match, body
    return match.group(0)


def _token_of(link: str) -> str:
    return link.rpartition("=")[2]


def _usable_tokens(db: Session) -> int:
    db.commit()
    return db.scalar(
        select(func.count())
        .select_from(OneTimeToken)
        .where(
            OneTimeToken.used_at.is_(None),
            OneTimeToken.revoked_at.is_(None),
            OneTimeToken.expires_at > clock.now(),
        )
    )


def test_a_reset_e_mail_arrives_with_a_working_link_that_is_stored_nowhere(
    db: Session, smtp: SmtpServer
) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=PORTAL)
    assert _usable_tokens(db) == 0  # nothing to steal before it is sent
    assert send_queued(db, smtp.config(), base_url=PORTAL) == SendReport(sent=1, failed=0)
    link = _received_link(smtp)
    row = db.scalars(select(OutboxMessage)).one()
    assert row.status is OutboxStatus.SENT and LINK_PLACEHOLDER in row.body_text
    assert _token_of(link) not in row.body_text
    assert reset_token_valid(db, _token_of(link))
    reset_password(db, _token_of(link), "cartwheels-on-the-beam", "cartwheels-on-the-beam")


def test_an_invitation_e_mail_arrives_with_a_working_link(db: Session, smtp: SmtpServer) -> None:
    invite_sam(db, PORTAL)
    send_queued(db, smtp.config(), base_url=PORTAL)
    details = invitation_details(db, _token_of(_received_link(smtp)))
    assert details is not None and details.email == "sam@example.com"


def test_a_reset_for_an_address_without_an_account_sends_nothing(
    db: Session, smtp: SmtpServer
) -> None:
    request_password_reset(db, "nobody@example.com", base_url=PORTAL)
    report = send_queued(db, smtp.config(), base_url=PORTAL)
    assert report == SendReport(sent=0, failed=0, given_up=1)
    assert smtp.inbox.received == []
    row = db.scalars(select(OutboxMessage)).one()
    assert (row.status, row.attempts, row.next_attempt_at) == (
        OutboxStatus.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert "No account signs in with this address" in row.last_error
    assert _usable_tokens(db) == 0
    assert send_queued(db, smtp.config(), base_url=PORTAL) == SendReport(0, 0)  # not retried


def test_a_failed_send_revokes_its_link_and_the_retry_makes_a_new_one(
    db: Session, smtp_down: SmtpServer
) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=PORTAL)
    assert send_queued(db, smtp_down.config(), base_url=PORTAL) == SendReport(sent=0, failed=1)
    assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 1
    assert _usable_tokens(db) == 0  # minted for the send that failed, revoked with it
    smtp_down.start()
    try:
        clock.advance(RETRY_AFTER[0])
        assert send_queued(db, smtp_down.config(), base_url=PORTAL).sent == 1
        assert reset_token_valid(db, _token_of(_received_link(smtp_down)))
        assert _usable_tokens(db) == 1
    finally:
        smtp_down.stop()


def test_a_revoked_invitation_is_not_sent(db: Session, smtp: SmtpServer) -> None:
    primary, sam_id = invite_sam(db, PORTAL)
    revoke_invitation(db, primary, sam_id)
    assert send_queued(db, smtp.config(), base_url=PORTAL).given_up == 1
    assert smtp.inbox.received == [] and _usable_tokens(db) == 0


def test_a_bad_portal_address_fails_the_link_e_mails_without_making_a_token(
    db: Session, smtp: SmtpServer
) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=PORTAL)
    report = send_queued(db, smtp.config(), base_url="javascript:alert(1)")
    assert report == SendReport(sent=0, failed=1)
    row = db.scalars(select(OutboxMessage)).one()
    assert row.status is OutboxStatus.FAILED and "CARTWHEEL_BASE_URL" in row.last_error
    assert smtp.inbox.received == []
    assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 0
