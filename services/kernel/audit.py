"""The audit log: who changed what, when. Written inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from data.models import AuditEntry
from services.kernel import clock
from services.kernel.access import Actor


def record(
    db: Session,
    actor: Actor | None,
    action: str,
    *,
    entity: str = "",
    entity_id: object = "",
    family_id: int | None = None,
    details: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> None:
    """Add an audit entry to the session; the caller's commit makes it permanent."""
    db.add(
        AuditEntry(
            at=clock.now(),
            actor_user_id=actor.user_row_id if actor else user_id,
            family_id=family_id if family_id is not None else (actor.family_id if actor else None),
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            details=details or {},
        )
    )
