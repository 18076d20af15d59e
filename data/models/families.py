"""Families, their guardians, contact details and students."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, name_str, text_str, utc_created
from data.models.enums import GuardianAccess
from data.types import value_enum


class Family(Base):
    __tablename__ = "families"

    id: Mapped[intpk]
    name: Mapped[name_str]  # e.g. "Garcia family", shown to staff
    created_at: Mapped[utc_created]
    # Where the family was registered (created at the desk): staff of that location reach it
    # before it has any class, token, pass or ledger entry there (services.kernel.reach).
    home_location_id: Mapped[int | None] = fk("locations.id", ondelete="SET NULL")


class Guardian(Base):
    """A parent or responsible party. One primary per family; others are secondary."""

    __tablename__ = "guardians"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    first_name: Mapped[name_str]
    last_name: Mapped[name_str]
    is_primary: Mapped[bool] = mapped_column(default=False)
    may_pay: Mapped[bool] = mapped_column(default=False)  # granted by the primary guardian
    access: Mapped[GuardianAccess] = mapped_column(
        value_enum(GuardianAccess, "guardian_access"), default=GuardianAccess.NO_LOGIN
    )
    user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", unique=True, index=False)
    gateway_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[utc_created]

    __table_args__ = (
        Index(
            "uq_guardians_one_primary_per_family",
            "family_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )


class Address(Base):
    """A mailing address owned by the family, optionally assigned to one guardian."""

    __tablename__ = "addresses"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    guardian_id: Mapped[int | None] = fk("guardians.id", ondelete="SET NULL")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(120), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")  # ISO 3166-1 alpha-2
    created_at: Mapped[utc_created]


class EmailAddress(Base):
    __tablename__ = "email_addresses"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    guardian_id: Mapped[int | None] = fk("guardians.id", ondelete="SET NULL")
    email: Mapped[str] = mapped_column(String(254))
    is_login: Mapped[bool] = mapped_column(default=False)  # the guardian's sign-in address
    blasts_opt_in: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[utc_created]

    __table_args__ = (
        Index("uq_email_addresses_family_email", "family_id", "email", unique=True),
        Index(
            "uq_email_addresses_one_login_per_guardian",
            "guardian_id",
            unique=True,
            sqlite_where=text("is_login"),
            postgresql_where=text("is_login"),
        ),
        CheckConstraint("NOT is_login OR guardian_id IS NOT NULL", name="login_has_guardian"),
    )


class PhoneNumber(Base):
    __tablename__ = "phone_numbers"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    guardian_id: Mapped[int | None] = fk("guardians.id", ondelete="SET NULL")
    e164: Mapped[str] = mapped_column(String(20))  # "+15551234567"
    label: Mapped[str] = mapped_column(String(20), default="mobile")
    sms_opt_in: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[utc_created]

    __table_args__ = (Index("uq_phone_numbers_family_e164", "family_id", "e164", unique=True),)


class Student(Base):
    __tablename__ = "students"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    first_name: Mapped[name_str]
    last_name: Mapped[name_str]
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(40), default="")
    medical_notes: Mapped[text_str]  # allergies and medical flags shown on rosters
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[utc_created]
    # Signed into the student's check-in code and calendar link; "Reset" adds one, which
    # makes every older code or link invalid at once (services.families.code_resets).
    checkin_code_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    calendar_link_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))


class StaffNote(Base):
    """A note about a family that only staff see."""

    __tablename__ = "staff_notes"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    author_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[utc_created]
