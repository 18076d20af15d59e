"""Locations, programs with levels and skills, and the weekly class schedule."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import CheckConstraint, Date, Index, String, Time, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, name_str, text_str


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[intpk]
    name: Mapped[name_str]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. "America/Chicago"
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    phone: Mapped[str] = mapped_column(String(20), default="")
    is_active: Mapped[bool] = mapped_column(default=True)


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[text_str]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())


class Level(Base):
    __tablename__ = "levels"

    id: Mapped[intpk]
    program_id: Mapped[int] = fk("programs.id", ondelete="CASCADE")
    name: Mapped[name_str]
    position: Mapped[int]  # order within the program, 1 = first level
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

    __table_args__ = (UniqueConstraint("program_id", "position"),)


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[intpk]
    level_id: Mapped[int] = fk("levels.id", ondelete="CASCADE")
    name: Mapped[name_str]
    position: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

    __table_args__ = (UniqueConstraint("level_id", "position"),)


class Term(Base):
    """A named date range that classes run in (the class editor picks one)."""

    __tablename__ = "terms"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

    __table_args__ = (CheckConstraint("end_date > start_date", name="ends_after_start"),)


class GymClass(Base):
    """A class: one weekly slot of a program level at a location ("class" is a Python keyword).

    Times are wall-clock times in the location's time zone.
    """

    __tablename__ = "classes"

    id: Mapped[intpk]
    location_id: Mapped[int] = fk("locations.id")
    program_id: Mapped[int] = fk("programs.id")
    level_id: Mapped[int] = fk("levels.id")
    name: Mapped[name_str]
    weekday: Mapped[int]  # 0 = Monday … 6 = Sunday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int]
    instructor_name: Mapped[str] = mapped_column(String(120), default="")
    instructor_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    tuition_cents: Mapped[int] = mapped_column(default=0)  # per month
    min_age: Mapped[int | None]  # whole years; None: no limit (migration 0009)
    max_age: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("term_end >= term_start", name="term_order"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("tuition_cents >= 0", name="tuition_nonnegative"),
        Index("ix_classes_location_weekday", "location_id", "weekday", "start_time"),
    )
