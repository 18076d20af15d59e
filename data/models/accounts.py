"""Sign-in accounts, staff locations, sign-in sessions and one-time tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, utc_created
from data.models.enums import OneTimeTokenPurpose, Role
from data.types import value_enum

staff_locations = Table(
    "staff_locations",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A sign-in account. Guardians link to one through `Guardian.user_id`."""

    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until a password is set
    role: Mapped[Role] = mapped_column(value_enum(Role, "role"))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Failed attempts and lockouts are kept per e-mail address (and client) in SignInThrottle.
    # Sessions created before this instant are no longer valid (password change, revoke).
    sessions_valid_after: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    created_at: Mapped[utc_created]
    # Two-factor sign-in (services/accounts/two_factor.py): the TOTP secret, encrypted with a
    # key derived from the app's secret key; set while enrolling, in force once confirmed.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the last accepted code's time step (no reuse)

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)


class RecoveryCode(Base):
    """A one-time recovery code for two-factor sign-in, stored hashed; spent once."""

    __tablename__ = "recovery_codes"

    id: Mapped[intpk]
    user_id: Mapped[int] = fk("users.id", ondelete="CASCADE")
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[utc_created]
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)


class SignInSession(Base):
    """A server-side session. Only hashes of the cookie token and of the hand-off grant are kept.

    The grant is a short-lived single-use code the browser trades for the session cookie
    (see routes/auth.py); `token_hash` is set when that happens.
    """

    __tablename__ = "sign_in_sessions"

    id: Mapped[intpk]
    user_id: Mapped[int] = fk("users.id", ondelete="CASCADE")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    grant_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    grant_expires_at: Mapped[datetime | None]
    created_at: Mapped[utc_created]
    # When the password was last entered for this session (sign-in or services.accounts.reauth);
    # NULL on rows older than migration 0002, which count from created_at.
    authenticated_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class OneTimeToken(Base):
    """Invitation, password-reset and first-run setup tokens: single use, expiring, stored
    hashed. A setup token has no subject: it is issued before any account exists."""

    __tablename__ = "one_time_tokens"

    id: Mapped[intpk]
    purpose: Mapped[OneTimeTokenPurpose] = mapped_column(
        value_enum(OneTimeTokenPurpose, "one_time_token_purpose")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = fk("users.id", ondelete="CASCADE")
    guardian_id: Mapped[int | None] = fk("guardians.id", ondelete="CASCADE")
    created_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    created_at: Mapped[utc_created]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "user_id IS NOT NULL OR guardian_id IS NOT NULL OR purpose = 'setup'",
            name="has_subject",
        ),
        Index("ix_one_time_tokens_subject_purpose", "guardian_id", "purpose"),
    )


class SignInThrottle(Base):
    """Failed sign-ins per e-mail address, known or not, so unknown and real accounts behave
    alike (no account enumeration through the lockout message). Two kinds of row
    (services/accounts/sign_in_throttle.py): one per address and client, keyed by a hash of both,
    and
    one per address (`email_hash` = `account_hash`) counting failures in a window."""

    __tablename__ = "sign_in_throttles"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # the address's
    failed_attempts: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    window_started_at: Mapped[datetime | None]  # the per-address row's counting window

    __table_args__ = (CheckConstraint("failed_attempts >= 0", name="failed_nonnegative"),)
