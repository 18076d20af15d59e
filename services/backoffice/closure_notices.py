"""Telling each affected family that a closure cancelled their classes, and what it gave.

One e-mail per family and closure run, to the primary guardian (their sign-in address while
they may sign in, else their first address), queued in the closure's transaction; a family
without any address is not written to (the remedy is still issued).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Closure, EmailAddress, Guardian, GuardianAccess, User
from services.backoffice.closure_remedies import Remedy
from services.kernel.money import format_cents
from services.kernel.outbox import enqueue_email
from services.kernel.settings import get_settings
from services.makeups.wording import short_day

WHAT_IT_GAVE = {
    "token": "a makeup token (book a makeup class on the Students page)",
    "none": "no makeup token or credit",
}


def queue_closure_emails(
    db: Session, closure: Closure, where: str, remedies: Sequence[Remedy]
) -> int:
    """Queue one e-mail per family among `remedies`; returns how many were queued."""
    business = get_settings(db).business_name
    by_family: dict[int, list[Remedy]] = defaultdict(list)
    for remedy in remedies:
        by_family[remedy.family_id].append(remedy)
    queued = 0
    for family_id, lines in sorted(by_family.items()):
        recipient = _recipient(db, family_id)
        if recipient is None:
            continue
        address, first_name = recipient
        listed = "\n".join(f"- {_line(r)}" for r in lines)
        enqueue_email(
            db,
            to_address=address,
            subject=f"{business}: classes cancelled ({closure.reason})"[:300],
            body_text=(
                f"Hello {first_name},\n\n{where} is closed {_days(closure)} ({closure.reason}). "
                f"These classes will not meet:\n\n{listed}\n\n"
                "We are sorry for the inconvenience.\n"
            ),
            kind="closure",
            family_id=family_id,
        )
        queued += 1
    return queued


def _line(remedy: Remedy) -> str:
    meeting = f"{remedy.student_name}: {remedy.class_name}, {short_day(remedy.day)}"
    if remedy.kind == "credit":
        return f"{meeting} — a credit of {format_cents(remedy.amount_cents)} on your account"
    return f"{meeting} — {WHAT_IT_GAVE[remedy.kind]}"


def _days(closure: Closure) -> str:
    if closure.first_day == closure.last_day:
        return f"on {short_day(closure.first_day)} {closure.first_day.year}"
    return f"from {short_day(closure.first_day)} to {short_day(closure.last_day)}"


def _recipient(db: Session, family_id: int) -> tuple[str, str] | None:
    primary = db.scalar(
        select(Guardian).where(Guardian.family_id == family_id, Guardian.is_primary)
    )
    if primary is None:
        return None
    user = db.get(User, primary.user_id) if primary.user_id is not None else None
    if user is not None and user.is_active and primary.access is GuardianAccess.CAN_LOG_IN:
        return user.email, primary.first_name
    address = db.scalar(
        select(EmailAddress.email)
        .where(EmailAddress.guardian_id == primary.id)
        .order_by(EmailAddress.is_login.desc(), EmailAddress.id)
        .limit(1)
    )
    return (address, primary.first_name) if address else None
