"""Account activity: the parent-visible log of changes to the family's account, read from the
audit log.

Only account actions are shown: contact details and consent (`contact.*`, `consent.*`),
guardians and invitations (`guardian.*`, `invitation.*`), payment methods
(`payment_method.*`) and password changes (`auth.password*`). Other audit entries that carry
the family's id — staff-only notes among them — never appear. Known actions read as sentences;
an unknown action of those kinds is shown as its humanised name.

Contact values follow the Account page's rule (`services.families.contacts.may_edit`): an entry
about a
guardian whose details the actor may not see names the kind of value ("an e-mail address")
without the value itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, Guardian, Role, User
from services.families.contact_validation import AddressInput, national_format, one_line
from services.families.contacts import family_guardians, guardian_name, may_edit
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.validation import require_int

ACCOUNT_ACTION_PREFIXES = (
    "contact.",
    "consent.",
    "guardian.",
    "invitation.",
    "payment_method.",
    "auth.password",
)
MAX_LIMIT = 500
SYSTEM = "Cartwheel"
STAFF = "Staff"


@dataclass(frozen=True)
class ActivityItem:
    at: datetime
    who: str  # a guardian's name, a staff member's name ("Staff" if none), or "Cartwheel"
    what: str


def account_activity(db: Session, actor: Actor, limit: int = 100) -> list[ActivityItem]:
    """The newest `limit` account changes of the actor's family (guardians only)."""
    family_id = require_guardian(actor)
    if not 1 <= require_int(limit, "number of entries") <= MAX_LIMIT:
        raise ValidationError(f"Show between 1 and {MAX_LIMIT} entries.")
    entries = db.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.family_id == family_id,
            or_(
                *(
                    AuditEntry.action.startswith(prefix, autoescape=True)
                    for prefix in ACCOUNT_ACTION_PREFIXES
                )
            ),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()
    visible = {g.id for g in family_guardians(db, family_id) if may_edit(actor, g)}
    home_region = get_settings(db).default_phone_region
    names = who_did(db, family_id, [e.actor_user_id for e in entries])

    def shows(guardian_id: object) -> bool:
        return guardian_id in visible or (guardian_id is None and actor.is_primary)

    return [
        ActivityItem(
            at=e.at,
            who=names.get(e.actor_user_id, SYSTEM) if e.actor_user_id else SYSTEM,
            what=describe(e.action, e.details or {}, shows=shows, home_region=home_region),
        )
        for e in entries
    ]


def who_did(db: Session, family_id: int, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Readable names for the users behind audit entries: a guardian of the family by name,
    staff by their display name (else "Staff"). Users no longer known are left out."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    guardians = {
        g.user_id: guardian_name(g)
        for g in db.scalars(
            select(Guardian).where(Guardian.family_id == family_id, Guardian.user_id.in_(ids))
        )
    }
    names: dict[int, str] = {}
    for user_id, role, display_name in db.execute(
        select(User.id, User.role, User.display_name).where(User.id.in_(ids))
    ):
        if user_id in guardians:
            names[user_id] = guardians[user_id]
        elif role is Role.GUARDIAN:
            names[user_id] = display_name or "A former guardian"
        else:
            names[user_id] = display_name or STAFF
    return names


def describe(
    action: str,
    details: dict[str, Any],
    *,
    shows: Callable[[object], bool] = lambda _: True,
    home_region: str | None = None,
) -> str:
    """One audit entry as a sentence. `shows(guardian_id)` says whether the reader may see
    that guardian's contact values."""
    if action.startswith(("contact.", "consent.")):
        return _contact_sentence(action, details, shows, home_region)
    phrase = _OTHER_PHRASES.get(action)
    if phrase is not None:
        return phrase(details)
    return humanise(action, details)


def humanise(action: str, details: dict[str, Any]) -> str:
    """ "guardian.removed" → "Guardian removed (Sam Rivera)"."""
    text = action.replace(".", " ").replace("_", " ").strip().capitalize()
    guardian = details.get("guardian")
    return f"{text} ({guardian})" if isinstance(guardian, str) and guardian else text


def _payment_permission(details: dict[str, Any]) -> str:
    if details.get("allowed"):
        return f"Allowed {_guardian(details)} to make payments"
    return f"Stopped {_guardian(details)} from making payments"


_OTHER_PHRASES: dict[str, Callable[[dict[str, Any]], str]] = {
    "guardian.added": lambda d: f"Added guardian {_guardian(d)}",
    "guardian.payment_permission": _payment_permission,
    "invitation.sent": lambda d: f"Invited {_guardian(d)} to sign in",
    "invitation.resent": lambda d: f"Sent {_guardian(d)} a new invitation",
    "invitation.accepted": lambda d: f"{_guardian(d)} accepted the invitation",
    "invitation.revoked": lambda d: f"Revoked {_guardian(d)}'s invitation and sign-in",
    "payment_method.added": lambda d: f"Added payment method{_method(d)}",
    "payment_method.updated": lambda d: f"Changed payment method{_method(d)}",
    "payment_method.deleted": lambda d: f"Removed payment method{_method(d)}",
    "auth.password_changed": lambda d: "Changed their password",
    "auth.password_reset_requested": lambda d: "Asked for a password reset link",
    "auth.password_reset_sent": lambda d: f"Sent {_guardian(d)} a password reset link",
    "auth.password_reset": lambda d: "Reset their password with a reset link",
}

_NOUNS = {
    "email": ("e-mail address", "an e-mail address"),
    "login_email": ("sign-in e-mail", "the sign-in e-mail"),
    "phone": ("phone number", "a phone number"),
    "address": ("mailing address", "a mailing address"),
}


def _contact_sentence(
    action: str,
    details: dict[str, Any],
    shows: Callable[[object], bool],
    home_region: str | None,
) -> str:
    _, _, event = action.partition(".")
    gid = details.get("guardian_id")
    visible = shows(gid) and (
        not event.endswith("_reassigned") or shows(details.get("from_guardian_id"))
    )
    whose = f" of {details['guardian']}" if details.get("guardian") else " (unassigned)"
    for_whom = f" for {details['guardian']}" if details.get("guardian") else ""

    def value(raw: object) -> str:
        return _show_value(raw, home_region)

    if event.startswith(("email_opt_", "sms_opt_")):
        channel, _, state = event.partition("_opt_")
        target = value(details.get("email") or details.get("phone")) if visible else None
        if channel == "email":
            thing = f"e-mail address {target}" if target else "an e-mail address"
            if state == "in":
                return f"Subscribed {thing}{whose} to e-mail news"
            return f"Unsubscribed {thing}{whose} from e-mail news"
        thing = target or "a phone number"
        if state == "in":
            return f"Allowed text and voice messages to {thing}{whose}"
        return f"Stopped text and voice messages to {thing}{whose}"

    kind, _, verb = event.rpartition("_")
    if kind not in _NOUNS:
        return humanise(action, details)
    noun, hidden = _NOUNS[kind]
    if verb == "added":
        thing = f"{noun} {value(details.get(kind))}" if visible else hidden
        return f"Added {thing}{for_whom}"
    if verb == "deleted":
        thing = f"{noun} {value(details.get(kind))}" if visible else hidden
        return f"Deleted {thing}{whose}"
    if verb == "changed":
        if not visible:
            return f"Changed {hidden}{whose}"
        old, new = details.get("old"), details.get("new")
        if kind == "phone" and isinstance(old, dict) and isinstance(new, dict):
            old, new = _labelled(old, home_region), _labelled(new, home_region)
        else:
            old, new = value(old), value(new)
        return f"Changed {noun}{whose} from {old} to {new}"
    if verb == "reassigned":
        thing = f"{noun} {value(details.get('value'))}" if visible else hidden
        return f"Moved {thing} to {_guardian(details)}"
    return humanise(action, details)


def _show_value(raw: object, home_region: str | None) -> str:
    if isinstance(raw, dict):
        return one_line(AddressInput(**{k: str(raw.get(k) or "") for k in _ADDRESS_FIELDS}))
    text = str(raw or "")
    return national_format(text, home_region) if text.startswith("+") else text


def _labelled(phone: dict[str, Any], home_region: str | None) -> str:
    shown = _show_value(phone.get("phone"), home_region)
    return f"{shown} ({phone['label']})" if phone.get("label") else shown


_ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


def _guardian(details: dict[str, Any]) -> str:
    name = details.get("guardian")
    return name if isinstance(name, str) and name else "a guardian"


def _method(details: dict[str, Any]) -> str:
    """ " Visa ending 4242", or nothing when the entry does not say."""
    method = details.get("method")
    return f" {method}" if isinstance(method, str) and method else ""
