"""Closure days: an admin closes one location (or all) for a date or a range; no class meets
then (services.kernel.closure_days is what the schedule's readers ask). Every affected family is
told by e-mail and each student on a cancelled meeting's roster receives its remedy once
(services.backoffice.closure_remedies), all in the closure's transaction.

Decisions (docs/decisions.md):
- Admins add and remove closures; staff read those at their locations (and the all-location
  ones); guardians are refused.
- A closure starts today or later and spans at most 31 days.
- Removing: only before its first day and only while nobody was affected (no remedy row, so
  no family was told and nothing was issued). The row is kept with `removed_at`.
- `apply_closure` re-runs the issuing step (for students enrolled after the closure was
  added); it issues only what is still owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data.models import Closure, ClosureRemedy, Location
from services.backoffice.closure_notices import queue_closure_emails
from services.backoffice.closure_remedies import cancelled_meetings, issue_remedies
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, require_text

MAX_DAYS = 31
PAGE_SIZE = 25
ALL_LOCATIONS = "All locations"


@dataclass(frozen=True)
class ClosureOutcome:
    closure_id: int
    meetings: int  # class meetings the closure cancels
    tokens: int  # issued by this call
    credits: int
    nothing: int  # students told, given nothing (the setting says none, or a free class)
    emails: int


@dataclass(frozen=True)
class ClosureView:
    id: int
    where: str
    location_id: int | None
    first_day: date
    last_day: date
    reason: str
    remedies: int  # students' cancelled meetings it handled
    removed_at: datetime | None


@dataclass(frozen=True)
class ClosurePage:
    closures: tuple[ClosureView, ...]
    total: int
    page: int
    pages: int


def add_closure(
    db: Session,
    actor: Actor,
    location_id: int | None,
    first_day: date,
    last_day: date,
    reason: str,
) -> ClosureOutcome:
    """Admin only: close a location (None: all) from `first_day` to `last_day` inclusive."""
    require_admin(actor)
    if location_id is not None:
        require_id(location_id, "location")
    first_day, last_day = _require_days(first_day, last_day)
    reason = require_text(reason, "reason", max_length=200).strip()
    if not reason:
        raise ValidationError("Say why the location is closed (for example: Holiday).")
    with write_transaction(db):
        where = _where(db, location_id)
        if first_day < _today(db, location_id):
            raise ValidationError("A closure cannot start in the past.")
        closure = Closure(
            location_id=location_id,
            first_day=first_day,
            last_day=last_day,
            reason=reason,
            created_at=clock.now(),
            created_by_user_id=actor.user_row_id,
        )
        db.add(closure)
        db.flush()
        outcome = _apply(db, actor, closure, where)
        audit.record(
            db,
            actor,
            "closure.added",
            entity="closure",
            entity_id=closure.id,
            details={"where": where, "first": str(first_day), "last": str(last_day)},
        )
    return outcome


def apply_closure(db: Session, actor: Actor, closure_id: int) -> ClosureOutcome:
    """Admin only: issue (and tell) what the closure still owes; nothing twice."""
    require_admin(actor)
    require_id(closure_id, "closure")
    with write_transaction(db):
        closure = _locked(db, closure_id)
        if closure.removed_at is not None:
            raise ValidationError("This closure was removed.")
        outcome = _apply(db, actor, closure, _where(db, closure.location_id))
        audit.record(
            db,
            actor,
            "closure.applied",
            entity="closure",
            entity_id=closure.id,
            details={"tokens": outcome.tokens, "credits": outcome.credits},
        )
    return outcome


def remove_closure(db: Session, actor: Actor, closure_id: int) -> None:
    """Admin only: withdraw a closure that has not started and affected nobody."""
    require_admin(actor)
    require_id(closure_id, "closure")
    with write_transaction(db):
        closure = _locked(db, closure_id)
        if closure.removed_at is not None:
            raise ValidationError("This closure was already removed.")
        if closure.first_day <= _today(db, closure.location_id):
            raise ValidationError("A closure that has started cannot be removed.")
        handled = db.scalar(select(func.count()).where(ClosureRemedy.closure_id == closure.id))
        if handled:
            raise ValidationError(
                f"Families were already told and {handled} cancelled meeting"
                f"{'s were' if handled != 1 else ' was'} handled, so this closure stays."
            )
        closure.removed_at, closure.removed_by_user_id = clock.now(), actor.user_id
        audit.record(db, actor, "closure.removed", entity="closure", entity_id=closure.id)


def list_closures(
    db: Session, actor: Actor, search: str = "", page: int = 0, *, include_removed: bool = False
) -> ClosurePage:
    """Staff and admins: newest first; staff see their locations' and all-location closures."""
    require_staff(actor)
    search = require_text(search, "search", max_length=100).strip()
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ValidationError("That page is not valid.")
    remedies = (
        select(ClosureRemedy.closure_id, func.count().label("n"))
        .group_by(ClosureRemedy.closure_id)
        .subquery()
    )
    query = (
        select(Closure, Location.name, func.coalesce(remedies.c.n, 0))
        .outerjoin(Location, Location.id == Closure.location_id)
        .outerjoin(remedies, remedies.c.closure_id == Closure.id)
    )
    if not actor.is_admin:
        query = query.where(
            or_(Closure.location_id.is_(None), Closure.location_id.in_(actor.location_ids))
        )
    if not include_removed:
        query = query.where(Closure.removed_at.is_(None))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(Closure.reason).like(pattern), func.lower(Location.name).like(pattern))
        )
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    rows = db.execute(
        query.order_by(Closure.first_day.desc(), Closure.id.desc())
        .limit(PAGE_SIZE)
        .offset(min(page, pages - 1) * PAGE_SIZE)
    ).all()
    return ClosurePage(
        tuple(
            ClosureView(
                c.id,
                name or ALL_LOCATIONS,
                c.location_id,
                c.first_day,
                c.last_day,
                c.reason,
                count,
                c.removed_at,
            )
            for c, name, count in rows
        ),
        total,
        min(page, pages - 1),
        pages,
    )


def _apply(db: Session, actor: Actor, closure: Closure, where: str) -> ClosureOutcome:
    meetings = cancelled_meetings(db, closure)
    issued = issue_remedies(db, actor, closure, meetings)
    emails = queue_closure_emails(db, closure, where, issued)
    kinds = [r.kind for r in issued]
    return ClosureOutcome(
        closure.id,
        len(meetings),
        kinds.count("token"),
        kinds.count("credit"),
        kinds.count("none"),
        emails,
    )


def _require_days(first_day: object, last_day: object) -> tuple[date, date]:
    for value, what in ((first_day, "first day"), (last_day, "last day")):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValidationError(f"Choose the closure's {what}.")
    if last_day < first_day:
        raise ValidationError("The last day cannot be before the first day.")
    if (last_day - first_day).days >= MAX_DAYS:
        raise ValidationError(f"A closure spans at most {MAX_DAYS} days.")
    return first_day, last_day


def _where(db: Session, location_id: int | None) -> str:
    if location_id is None:
        return ALL_LOCATIONS
    location = db.get(Location, location_id)
    if location is None:
        raise NotFound("location")
    if not location.is_active:
        raise ValidationError(f"{location.name} is archived.")
    return location.name


def _today(db: Session, location_id: int | None) -> date:
    """Today where the closure is; for all locations, the earliest today among them."""
    query = select(Location.timezone).distinct()
    if location_id is not None:
        query = query.where(Location.id == location_id)
    zones = db.scalars(query).all()
    return min((clock.today_in(zone) for zone in zones), default=clock.now().date())


def _locked(db: Session, closure_id: int) -> Closure:
    closure = db.get(Closure, closure_id, with_for_update=True, populate_existing=True)
    if closure is None:
        raise NotFound("closure")
    return closure
