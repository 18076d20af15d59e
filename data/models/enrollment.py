"""Enrollments, attendance and skill evaluations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, text_str, utc_created
from data.models.enums import AttendanceStatus, EnrollmentStatus, EnrollmentType, SkillStatus
from data.types import value_enum


class Enrollment(Base):
    """A student's place in a class (regular or trial), or one makeup visit on `start_date`.

    Current = ACTIVE; waitlisted enrollments carry their `waitlist_position`; DROPPED,
    TRANSFERRED and COMPLETED are past enrollments and have an `end_date`.
    """

    __tablename__ = "enrollments"

    id: Mapped[intpk]
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE")
    class_id: Mapped[int] = fk("classes.id")
    type: Mapped[EnrollmentType] = mapped_column(value_enum(EnrollmentType, "enrollment_type"))
    status: Mapped[EnrollmentStatus] = mapped_column(
        value_enum(EnrollmentStatus, "enrollment_status")
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # last day in the class, inclusive
    waitlist_position: Mapped[int | None]
    transferred_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    created_at: Mapped[utc_created]

    __table_args__ = (
        # One current (active or waitlisted) regular/trial enrollment per student and class.
        Index(
            "uq_enrollments_one_current_per_student_class",
            "student_id",
            "class_id",
            unique=True,
            sqlite_where=text("status IN ('active', 'waitlisted') AND type <> 'makeup'"),
            postgresql_where=text("status IN ('active', 'waitlisted') AND type <> 'makeup'"),
        ),
        # One makeup visit per student, class and date.
        Index(
            "uq_enrollments_one_makeup_per_visit",
            "student_id",
            "class_id",
            "start_date",
            unique=True,
            sqlite_where=text("type = 'makeup' AND status = 'active'"),
            postgresql_where=text("type = 'makeup' AND status = 'active'"),
        ),
        Index("ix_enrollments_class_status", "class_id", "status"),
        CheckConstraint(
            "(status = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name="waitlist_position_iff_waitlisted",
        ),
        CheckConstraint("waitlist_position IS NULL OR waitlist_position > 0", name="wl_pos"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="date_order"),
        CheckConstraint(
            "status NOT IN ('dropped', 'transferred', 'completed') OR end_date IS NOT NULL",
            name="past_has_end_date",
        ),
    )


class Attendance(Base):
    """One student at one class meeting. `location_id` is copied from the class for analytics."""

    __tablename__ = "attendance"

    id: Mapped[intpk]
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE", index=False)
    class_id: Mapped[int] = fk("classes.id", index=False)
    location_id: Mapped[int] = fk("locations.id", index=False)
    enrollment_id: Mapped[int | None] = fk("enrollments.id", ondelete="SET NULL")
    class_date: Mapped[date] = mapped_column(Date)
    status: Mapped[AttendanceStatus] = mapped_column(
        value_enum(AttendanceStatus, "attendance_status")
    )
    marked_at: Mapped[datetime]
    marked_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)

    __table_args__ = (
        UniqueConstraint("student_id", "class_id", "class_date"),
        Index("ix_attendance_student_date", "student_id", "class_date"),
        Index("ix_attendance_class_date", "class_id", "class_date"),
        # Covers staff analytics: rates by location and period, per class and per student,
        # without touching the table (migration 0003).
        Index(
            "ix_attendance_location_date_status_class_student",
            "location_id",
            "class_date",
            "status",
            "class_id",
            "student_id",
        ),
    )


class Evaluation(Base):
    """A skill evaluation; the newest one per student and skill is the current status."""

    __tablename__ = "evaluations"

    id: Mapped[intpk]
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE", index=False)
    skill_id: Mapped[int] = fk("skills.id")
    status: Mapped[SkillStatus] = mapped_column(value_enum(SkillStatus, "skill_status"))
    evaluated_on: Mapped[date] = mapped_column(Date)
    instructor_name: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[text_str]

    __table_args__ = (Index("ix_evaluations_student_skill", "student_id", "skill_id"),)
