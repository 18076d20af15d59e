"""Settling every makeup token that time has moved on, for the daily scheduled job.

A token's state is stored (services.makeups.tokens): AVAILABLE → EXPIRED after its expiry
date, PENDING → SPENT once its makeup's date has passed. Reading a student's tokens settles
that student's tokens; this settles all of them at once, so counts and reports that read the
state directly agree with what a parent sees. Each location's own "today" applies.
Conditional UPDATEs: a token booked or cancelled meanwhile is left alone, and a second run
finds nothing to do.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import Enrollment, MakeupToken, TokenState
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.reach import locations_by_time_zone
from services.kernel.transactions import write_transaction
from services.makeups.tokens import booked_date


def settle_due_tokens(db: Session, actor: Actor) -> dict[str, int]:
    """Admin (or the scheduler): expire the available tokens past their expiry date and mark
    spent the booked ones whose makeup has taken place. Returns {"expired": n, "spent": m}."""
    require_admin(actor)
    expired = spent = 0
    with write_transaction(db):
        for timezone, location_ids in locations_by_time_zone(db, actor).items():
            today = clock.today_in(timezone)
            here = MakeupToken.location_id.in_(location_ids)
            expired += db.execute(
                update(MakeupToken)
                .where(
                    here,
                    MakeupToken.state == TokenState.AVAILABLE,
                    MakeupToken.expires_on < today,
                )
                .values(state=TokenState.EXPIRED)
                .execution_options(synchronize_session=False)
            ).rowcount
            taken_place = select(Enrollment.id).where(Enrollment.start_date < today)
            spent += db.execute(
                update(MakeupToken)
                .where(
                    here,
                    MakeupToken.state == TokenState.PENDING,
                    MakeupToken.makeup_enrollment_id.in_(taken_place),
                )
                .values(state=TokenState.SPENT, spent_on=booked_date())
                .execution_options(synchronize_session=False)
            ).rowcount
        if expired or spent:
            audit.record(
                db, actor, "makeup_tokens.settled", details={"expired": expired, "spent": spent}
            )
    return {"expired": expired, "spent": spent}
