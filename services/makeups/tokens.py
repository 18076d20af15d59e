"""Makeup tokens: their states and a student's tokens in groups.

A token is AVAILABLE at one location until it expires; booking a makeup flips it to PENDING
(services.makeups.makeup_visits); it becomes SPENT once the makeup's date has passed, and
cancelling the makeup before the cutoff returns it. States are settled lazily when a student's
tokens are read, and for everyone by the daily scheduled job (services.makeups.token_expiry).

Settings: `makeup_tokens_enabled` refuses guardians only (staff acting at the desk are not
limited by it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import Row, ScalarSelect, Select, select, update
from sqlalchemy.orm import Session, aliased

from data.models import Enrollment, GymClass, Location, MakeupToken, Student, TokenState
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.reach import student_in_reach
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.class_records import reaches, seen_locations
from services.makeups.wording import long_date, short_day


@dataclass(frozen=True)
class TokenView:
    id: int
    student_id: int
    location_id: int
    location_name: str
    state: str  # available, pending, spent or expired
    issued_on: date
    expires_on: date  # the last day it can be used
    source_note: str  # what it came from
    makeup_enrollment_id: int | None  # pending: the booked makeup
    makeup_class_name: str | None
    makeup_date: date | None
    makeup_start_time: time | None
    spent_on: date | None


@dataclass(frozen=True)
class TokenGroups:
    available_here: tuple[TokenView, ...]  # at the selected location
    available_elsewhere: tuple[TokenView, ...]
    pending: tuple[TokenView, ...]
    expired: tuple[TokenView, ...]
    spent: tuple[TokenView, ...]


_booked = aliased(Enrollment, name="booked")
_booked_class = aliased(GymClass, name="booked_class")


def student_tokens(
    db: Session, actor: Actor, student_id: int, location_id: int | None = None
) -> TokenGroups:
    """The student's tokens in five groups; `location_id` is the location selected on the page."""
    require_id(student_id, "student")
    if location_id is not None:
        require_id(location_id, "location")
    _require_tokens(db, actor)
    student = student_in_reach(db, actor, student_id)
    query = (
        _token_query()
        .where(MakeupToken.family_id == student.family_id, MakeupToken.student_id == student.id)
        .order_by(MakeupToken.expires_on, MakeupToken.id)
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(MakeupToken.location_id.in_(places))
    rows = db.execute(query).all()
    if _settle(db, student.family_id, rows):
        rows = db.execute(query).all()
    views = [_view(row) for row in rows]

    def having(state: TokenState) -> list[TokenView]:
        return [v for v in views if v.state == state.value]

    available = having(TokenState.AVAILABLE)
    return TokenGroups(
        available_here=tuple(v for v in available if v.location_id == location_id),
        available_elsewhere=tuple(v for v in available if v.location_id != location_id),
        pending=tuple(having(TokenState.PENDING)),
        expired=tuple(having(TokenState.EXPIRED)),
        spent=tuple(having(TokenState.SPENT)),
    )


def _require_tokens(db: Session, actor: Actor) -> PortalSettings:
    settings = get_settings(db)
    if actor.is_guardian and not settings.makeup_tokens_enabled:
        raise FeatureDisabled("Makeup tokens are switched off.")
    return settings


def _token_query() -> Select[Any]:
    return (
        select(
            MakeupToken.id,
            MakeupToken.family_id,
            MakeupToken.student_id,
            MakeupToken.location_id,
            MakeupToken.state,
            MakeupToken.issued_on,
            MakeupToken.expires_on,
            MakeupToken.source_note,
            MakeupToken.source_absence_id,
            MakeupToken.makeup_enrollment_id,
            MakeupToken.spent_on,
            Location.name.label("location_name"),
            Location.timezone,
            Student.first_name,
            _booked.start_date.label("makeup_date"),
            _booked_class.name.label("makeup_class_name"),
            _booked_class.start_time.label("makeup_start_time"),
        )
        .join(Location, Location.id == MakeupToken.location_id)
        .join(Student, Student.id == MakeupToken.student_id)
        .outerjoin(_booked, _booked.id == MakeupToken.makeup_enrollment_id)
        .outerjoin(_booked_class, _booked_class.id == _booked.class_id)
    )


def _view(row: Row[Any]) -> TokenView:
    return TokenView(
        id=row.id,
        student_id=row.student_id,
        location_id=row.location_id,
        location_name=row.location_name,
        state=row.state.value,
        issued_on=row.issued_on,
        expires_on=row.expires_on,
        source_note=row.source_note,
        makeup_enrollment_id=row.makeup_enrollment_id,
        makeup_class_name=row.makeup_class_name,
        makeup_date=row.makeup_date,
        makeup_start_time=row.makeup_start_time,
        spent_on=row.spent_on,
    )


def _token_view(db: Session, token_id: int) -> TokenView:
    return _view(db.execute(_token_query().where(MakeupToken.id == token_id)).one())


def _effective_state(row: Row[Any], today: date) -> TokenState:
    """The state a token is in today, before `_settle` has written it."""
    if row.state is TokenState.AVAILABLE and row.expires_on < today:
        return TokenState.EXPIRED
    if row.state is TokenState.PENDING and row.makeup_date is not None and row.makeup_date < today:
        return TokenState.SPENT
    return row.state


def _settle(db: Session, family_id: int, rows: Sequence[Row[Any]]) -> bool:
    """Write the states that time has changed (pending → spent once the makeup's date has
    passed, available → expired after the expiry date), each "today" at the token's location.
    Conditional UPDATEs, so a token booked meanwhile is left alone. True if it wrote."""
    moved = [
        (row.id, state)
        for row in rows
        if (state := _effective_state(row, clock.today_in(row.timezone))) is not row.state
    ]
    spend = [token_id for token_id, state in moved if state is TokenState.SPENT]
    expire = [token_id for token_id, state in moved if state is TokenState.EXPIRED]
    if not spend and not expire:
        return False
    with write_transaction(db):
        for ids, before, values in (
            (spend, TokenState.PENDING, {"state": TokenState.SPENT, "spent_on": booked_date()}),
            (expire, TokenState.AVAILABLE, {"state": TokenState.EXPIRED}),
        ):
            if ids:
                db.execute(
                    update(MakeupToken)
                    .where(
                        MakeupToken.family_id == family_id,
                        MakeupToken.id.in_(ids),
                        MakeupToken.state == before,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
    return True


def booked_date() -> ScalarSelect[date]:
    """The date of a token's booked makeup, for an UPDATE of makeup_tokens (its spent_on)."""
    return (
        select(Enrollment.start_date)
        .where(Enrollment.id == MakeupToken.makeup_enrollment_id)
        .scalar_subquery()
    )


def _token_in_reach(db: Session, actor: Actor, token_id: int) -> Row[Any]:
    row = db.execute(_token_query().where(MakeupToken.id == token_id)).one_or_none()
    if row is None or not reaches(actor, row.family_id, row.location_id):
        raise NotFound("makeup token")
    return row


def _require_usable(token: Row[Any], today: date) -> None:
    state = _effective_state(token, today)
    if state is TokenState.PENDING:
        raise ValidationError(
            f"This token is already booked for {token.makeup_class_name} on "
            f"{short_day(token.makeup_date)}."
        )
    if state is TokenState.SPENT:
        raise ValidationError("This token has already been used.")
    if state is TokenState.EXPIRED:
        raise ValidationError(f"This token expired on {long_date(token.expires_on)}.")
