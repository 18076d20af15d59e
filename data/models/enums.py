"""Enumerations in the business's words. Stored by value (see data.types.value_enum)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    GUARDIAN = "guardian"
    STAFF = "staff"  # the front desk
    ADMIN = "admin"
    INSTRUCTOR = "instructor"  # sees their own classes' rosters; not front-desk staff


class GuardianAccess(enum.StrEnum):
    """A guardian's sign-in state as the Account page names it."""

    NO_LOGIN = "no_login"
    INVITE_SENT = "invite_sent"
    CAN_LOG_IN = "can_log_in"
    INVITE_REVOKED = "invite_revoked"


class OneTimeTokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a password)
    SETUP = "setup"  # the first-run link: no user exists yet


class EnrollmentType(enum.StrEnum):
    REGULAR = "regular"
    MAKEUP = "makeup"
    TRIAL = "trial"


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WAITLISTED = "waitlisted"
    DROPPED = "dropped"
    TRANSFERRED = "transferred"
    COMPLETED = "completed"


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"
    MAKEUP = "makeup"


class SkillStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    MASTERED = "mastered"


class TokenState(enum.StrEnum):
    AVAILABLE = "available"
    PENDING = "pending"
    SPENT = "spent"
    EXPIRED = "expired"


class RequestKind(enum.StrEnum):
    DROP = "drop"
    TRANSFER = "transfer"
    MAKEUP = "makeup"
    ABSENCE = "absence"
    CANCEL_WAITLIST = "cancel_waitlist"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    APPLIED = "applied"
    CANCELLED = "cancelled"


class LedgerKind(enum.StrEnum):
    """Charges and refunds are debits (the family owes more); payments and credits are credits.

    An adjustment can go either way; its direction is `LedgerEntry.is_debit`.
    """

    CHARGE = "charge"
    PAYMENT = "payment"
    REFUND = "refund"
    CREDIT = "credit"
    ADJUSTMENT = "adjustment"


class PaymentMethodType(enum.StrEnum):
    CARD = "card"
    BANK_ACCOUNT = "bank_account"


class PaymentAttemptStatus(enum.StrEnum):
    PENDING = "pending"  # row committed, gateway not yet called or outcome unknown
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REQUIRES_ACTION = "requires_action"


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class ContactChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class CardRefundStatus(enum.StrEnum):
    PENDING = "pending"  # row committed; Stripe not yet asked, outcome unknown, or not final
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # Stripe refused it: nothing was refunded


class JobRunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
