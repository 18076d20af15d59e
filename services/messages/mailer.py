"""Delivering the outbox through SMTP.

When `CARTWHEEL_SMTP_URL` is set, the scheduled job "outbox" (services/operations, every 30
seconds, in the app server or `python -m scripts.run_jobs`) or `python -m scripts.send_outbox`
hands queued messages to the mail server; otherwise they stay queued and admins read them on
the Outbox page.

Each message is claimed by one conditional UPDATE before it is sent (attempts + 1 and a
lease in `next_attempt_at`), so two senders, in one process or several, never send the same
message twice; a sender that dies mid-send leaves the message to be retried when its lease
ends. A failure records the reason and the message is retried with growing pauses, up to
`MAX_ATTEMPTS` attempts; after that it stays failed on the Outbox page. Nothing is lost
while the mail server is down. System code: no actor; never logs addresses, bodies or tokens.

Password reset and invitation e-mails get their link here (services.messages.link_mail): it is
created
inside the claim and put only into the copy handed to the mail server; a failed send revokes
it in the same transaction that records the failure, and a message nobody may receive a link
for any more is given up with the reason.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from data.config import public_base_url
from data.db import begin_write
from data.models import OutboxMessage, OutboxStatus
from services.kernel import clock
from services.kernel.errors import ValidationError
from services.kernel.outbox import LINK_KINDS, MAX_ATTEMPTS, give_up
from services.messages import link_mail

SMTP_URL_ENV = "CARTWHEEL_SMTP_URL"
MAIL_FROM_ENV = "CARTWHEEL_MAIL_FROM"
DEFAULT_MAIL_FROM = "Cartwheel <no-reply@localhost>"
# scheme: (how the connection is protected, default port)
SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
SMTP_TIMEOUT_SECONDS = 30.0
# A sender's hold on a message while it sends: longer than any SMTP timeout, so a slow send
# is never picked up twice; a sender that died releases it when the lease ends.
LEASE = timedelta(minutes=5)
RETRY_AFTER = (  # pause after the 1st, 2nd, 3rd and 4th failed attempt
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
SENDER_INTERVAL_SECONDS = 30.0  # scripts.send_outbox --loop; the job's cadence is the same


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = DEFAULT_MAIL_FROM
    timeout: float = SMTP_TIMEOUT_SECONDS


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    given_up: int = 0  # reset or invitation messages nobody may receive a link for any more


def smtp_config_from_env() -> SmtpConfig | None:
    """The SMTP settings from CARTWHEEL_SMTP_URL and CARTWHEEL_MAIL_FROM; None when no SMTP
    server is configured. Raises ValueError (without echoing the URL) when it is malformed."""
    url = os.environ.get(SMTP_URL_ENV, "").strip()
    if not url:
        return None
    return parse_smtp_url(url, sender=os.environ.get(MAIL_FROM_ENV, "").strip() or None)


def parse_smtp_url(url: str, *, sender: str | None = None) -> SmtpConfig:
    """`smtp://[user:password@]host[:port]`, `smtp+starttls://…` or `smtps://…`; user and
    password percent-encoded."""
    example = "e.g. smtp+starttls://user:password@mail.example.com:587"
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"{SMTP_URL_ENV} must start with smtp://, smtp+starttls:// or smtps:// ({example})."
        )
    security, default_port = SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError(f"{SMTP_URL_ENV} has a port that is not a number ({example}).") from None
    if not parts.hostname:
        raise ValueError(f"{SMTP_URL_ENV} needs the mail server's host name ({example}).")
    sender = sender or DEFAULT_MAIL_FROM
    if "@" not in parseaddr(sender)[1] or "\n" in sender or "\r" in sender:
        raise ValueError(f"{MAIL_FROM_ENV} must be an address, e.g. Gym <no-reply@gym.example>.")
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        sender=sender,
    )


def send_queued(
    db: Session, config: SmtpConfig, *, limit: int = 50, base_url: str | None = None
) -> SendReport:
    """One pass: send up to `limit` messages that are due, oldest first. Links in resets and
    invitations point at `base_url` (default: the portal's configured public address).

    A message the server refuses fails alone; when the server cannot be reached (or drops the
    connection) the pass stops and the rest wait for the next pass."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError("limit must be a positive whole number")
    base_url = base_url or public_base_url()
    due = db.scalars(
        select(OutboxMessage.id)
        .where(_due(clock.now()))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    db.commit()
    sent = failed = given_up = 0
    connection: smtplib.SMTP | None = None
    try:
        for message_id in due:
            claimed = _claim(db, message_id, base_url)
            if claimed is None:
                continue  # another sender took it first
            if claimed.outcome == "given_up":
                given_up += 1
                continue
            if claimed.outcome == "failed":
                failed += 1
                continue
            try:
                message = _email(claimed, config)
            except (ValueError, TypeError) as broken:
                _failed(db, claimed, f"The message cannot be sent as written: {broken}")
                failed += 1
                continue
            try:
                if connection is None:
                    connection = _connect(config)
                connection.send_message(message)
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError,
            ) as refused:
                _failed(db, claimed, _reason(refused, config))
                failed += 1
                continue
            except (smtplib.SMTPException, OSError) as unreachable:
                _failed(db, claimed, _reason(unreachable, config))
                failed += 1
                break
            _sent(db, message_id)
            sent += 1
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
    return SendReport(sent=sent, failed=failed, given_up=given_up)


@dataclass(frozen=True)
class _Claimed:
    id: int
    to_address: str
    subject: str
    body_text: str  # as sent: a reset's or invitation's link already in it
    token_id: int | None = None  # the link's token, revoked if the send fails
    outcome: str = "send"  # or "given_up" / "failed" already in the claim


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.channel == "email",
        OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.FAILED]),
        OutboxMessage.attempts < MAX_ATTEMPTS,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def _claim(db: Session, message_id: int, base_url: str) -> _Claimed | None:
    """Take the message for this sender, committed at once (attempts + 1, a lease, and for a
    reset or invitation its new link); None when another sender took it first."""
    now = clock.now()
    begin_write(db)
    taken = db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now))
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
    ).rowcount
    if taken != 1:
        db.commit()
        return None
    message = db.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None  # just updated
    claimed = _Claimed(message.id, message.to_address, message.subject, message.body_text)
    if message.kind in LINK_KINDS:
        try:
            minted = link_mail.mint_link(db, message, base_url=base_url)
        except link_mail.NothingToSend as nobody:
            give_up(db, message_id, nobody.message)
            claimed = _Claimed(message.id, "", "", "", outcome="given_up")
        except ValidationError as misconfigured:  # the portal's address: refused before writes
            _failed(db, claimed, misconfigured.message)
            return _Claimed(message.id, "", "", "", outcome="failed")
        else:
            body = link_mail.with_link(message.body_text, minted.link)
            claimed = _Claimed(
                message.id, message.to_address, message.subject, body, minted.token_id
            )
    db.commit()
    return claimed


def _email(claimed: _Claimed, config: SmtpConfig) -> EmailMessage:
    """The e-mail as sent. Header values with line breaks are refused (ValueError)."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = claimed.to_address
    message["Subject"] = claimed.subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(
        domain=parseaddr(config.sender)[1].rpartition("@")[2] or "localhost"
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(claimed.body_text)
    return message


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if config.security == "tls":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=context
        )
    else:
        connection = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            connection.starttls(context=context)
        if config.username:
            connection.login(config.username, config.password)
    except BaseException:
        connection.close()
        raise
    return connection


def _sent(db: Session, message_id: int) -> None:
    begin_write(db)
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.SENT, sent_at=clock.now(), last_error="", next_attempt_at=None)
    )
    db.commit()


def _failed(db: Session, claimed: _Claimed, reason: str) -> None:
    """Record the failure (retried later, up to MAX_ATTEMPTS); the link it carried stops
    working in the same transaction."""
    begin_write(db)
    attempts = db.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == claimed.id))
    retry_at = None
    if attempts is not None and attempts < MAX_ATTEMPTS:
        retry_at = clock.now() + RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id)
        .values(status=OutboxStatus.FAILED, last_error=reason[:500], next_attempt_at=retry_at)
    )
    if claimed.token_id is not None:
        link_mail.revoke(db, claimed.token_id)
    db.commit()


def _reason(error: BaseException, config: SmtpConfig) -> str:
    """What an admin reads on the Outbox page: the server's answer, never the password."""
    server = f"{config.host}:{config.port}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(f"{code} {_text(text)}" for code, text in error.recipients.values())
        return f"The mail server refused the recipient: {answers}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"The mail server {server} refused the user name or password: {error.smtp_code}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server answered {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"The mail server {server} closed the connection: {error}"
    if isinstance(error, smtplib.SMTPException):
        return f"Sending through {server} failed: {error}"
    if isinstance(error, ssl.SSLError):
        return f"Could not set up a secure connection to {server}: {error.reason or error}"
    detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return f"Could not reach the mail server {server}: {detail or type(error).__name__}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
