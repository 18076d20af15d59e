"""The service edge, found by introspection: every public function of every services.* module
that takes the database first, with valid arguments built from the factories, so a test can
spoil one argument at a time (issue 13, items 17 and 18).

A new service function is swept automatically; if it takes a parameter this module cannot
build a valid value for, the sweep fails and names it (add the value to `_valid_values`).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import services
from data.models import (
    Closure,
    Enrollment,
    LedgerKind,
    Level,
    PaymentAttempt,
    PaymentAttemptStatus,
    PaymentMethod,
    PaymentMethodType,
    Term,
)
from services.backoffice.classes import ClassInput
from services.backoffice.family_input import FamilySetup, GuardianSetup
from services.backoffice.first_run import SetupInput
from services.backoffice.locations import LocationInput
from services.backoffice.terms import TermInput
from services.billing.payments import Gateway
from services.desk.analytics_scope import AnalyticsFilter
from services.families import contact_changes
from services.families.contact_validation import AddressInput
from services.families.students import StudentInput
from services.kernel import clock, outbox
from services.kernel.access import Actor
from services.kernel.errors import DomainError
from tests import factories as f

# Public and taking an actor, but only other services call them, with values they made.
INTERNAL = frozenset(
    {
        "absence_requests.apply_absence_request",  # a request row staff approved
        "audit.record",
        "class_records.class_record_in_reach",  # takes a model class; reached via cancel_absence
        "drops.apply_drop_request",
        "family_setup.add_contact_rows",  # checked values; reached via add_guardian_contact
        "family_setup.add_guardian_rows",  # checked values; reached via create_family
        "invitations.invite",  # takes a Guardian row; reached via send_invitation
        "makeup_requests.apply_makeup_request",
        "requests.add_event",
        "requests.open_request",
        "transfers.apply_transfer_request",
        "waitlists.apply_cancel_waitlist_request",
        "tuition_adjustments.credit_untaken_tuition",  # takes the enrollment row a drop ended
    }
)

# The service edge without an actor (the house rule's exceptions): what a signed-out
# visitor, a link, a cookie, Stripe's webhook or the server's command line sends. The other
# functions without an actor are helpers that services call with values they own.
WITHOUT_ACTOR = frozenset(
    {
        "auth.exchange_grant",
        "auth.session_id_for_token",
        "auth.sign_in",
        "calendar_feed.calendar_ics",
        "first_run.complete_setup",
        "gateway_events.handle_stripe_webhook",
        "invitations.accept_invitation",
        "invitations.invitation_details",
        "password_reset.request_password_reset",
        "password_reset.reset_password",
        "password_reset.reset_token_valid",
        "setup_link.setup_link_valid",
        "staff_accounts.bootstrap_admin",
        "staff_invitations.accept_staff_invitation",
        "staff_invitations.staff_invitation_details",
        "two_factor.begin_enrolment",
        "two_factor.confirm_enrolment",
        "two_factor.verify",
    }
)


class OfflineGateway(Gateway):
    """A gateway that says it is configured (so the services get past that check) and
    refuses every call with its own domain error: nothing here may reach the network."""

    configured = True


@dataclass(frozen=True)
class Slot:
    """One argument to spoil: a parameter, or one field of a dataclass parameter."""

    param: str
    field: str | None = None
    many: bool = False  # a list/tuple of ids: the bad value goes inside it

    def __str__(self) -> str:
        return f"{self.param}.{self.field}" if self.field else self.param


@dataclass(frozen=True)
class EdgeFunction:
    name: str  # "module.function"
    func: Callable[..., Any]
    takes_actor: bool


def edge_functions() -> Iterator[EdgeFunction]:
    """Every public services.* function that takes (db, actor, ...), and WITHOUT_ACTOR."""
    found = pkgutil.walk_packages(services.__path__, "services.")
    modules = sorted(info.name for info in found if not info.ispkg)
    stems = [name.rsplit(".", 1)[1] for name in modules]
    assert len(set(stems)) == len(stems), "two service modules share a name"
    for module_name, stem in zip(modules, stems, strict=True):
        module = importlib.import_module(module_name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or func.__module__ != module.__name__:
                continue
            params = list(inspect.signature(func).parameters)
            qualified = f"{stem}.{name}"
            takes_actor = params[:2] == ["db", "actor"]
            if (takes_actor and qualified not in INTERNAL) or qualified in WITHOUT_ACTOR:
                yield EdgeFunction(qualified, func, takes_actor=takes_actor)


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _dataclass_of(func: Callable[..., Any], annotation: object) -> type | None:
    candidate = func.__globals__.get(annotation) if isinstance(annotation, str) else annotation
    return candidate if dataclasses.is_dataclass(candidate) else None


def _is_text(name: str, annotation: object) -> bool:
    # Services type some form values as `object` because they check whatever comes; those
    # that are not ids get the hostile text too.
    return annotation in ("str", "str | None") or (annotation == "object" and not _is_id(name))


def _caller_params(edge: EdgeFunction) -> list[inspect.Parameter]:
    """The parameters after the database and the actor."""
    return list(inspect.signature(edge.func).parameters.values())[2 if edge.takes_actor else 1 :]


def id_slots(edge: EdgeFunction) -> list[Slot]:
    slots = []
    for param in _caller_params(edge):
        if _is_id(param.name):
            slots.append(Slot(param.name, many=param.name.endswith("_ids")))
        elif (cls := _dataclass_of(edge.func, param.annotation)) is not None:
            slots += [
                Slot(param.name, field.name, many=field.name.endswith("_ids"))
                for field in dataclasses.fields(cls)
                if _is_id(field.name)
            ]
    return slots


def text_slots(edge: EdgeFunction) -> list[Slot]:
    slots = []
    for param in _caller_params(edge):
        if _is_text(param.name, param.annotation):
            slots.append(Slot(param.name))
        elif (cls := _dataclass_of(edge.func, param.annotation)) is not None:
            slots += [
                Slot(param.name, field.name)
                for field in dataclasses.fields(cls)
                if _is_text(field.name, field.type)
            ]
    return slots


@dataclass
class World:
    """One gym with a record of every kind a service takes an id of."""

    guardian: Actor
    admin: Actor
    values: dict[str, object]


def build_world(db: Session) -> World:
    gym = f.family_gym(db)
    enrollment_id = db.scalar(select(Enrollment.id).where(Enrollment.student_id == gym.maya.id))
    token = f.makeup_token(db, gym.maya, gym.north)
    punch = f.punch_pass(db, gym.family, gym.north, student=gym.maya)
    absence = f.future_absence(db, gym.maya, gym.cls, date(2026, 12, 1))
    request = f.parent_request(db, gym.maya, gym.north)
    method = PaymentMethod(
        family_id=gym.family.id,
        guardian_id=gym.guardian.guardian_id,
        gateway_method_id="pm_edge_sweep",
        type=PaymentMethodType.CARD,
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
        is_primary=True,
        created_at=clock.now(),
    )
    db.add(method)
    db.flush()
    charge = f.entry(db, gym.family, gym.north, LedgerKind.CHARGE, 5_000)
    attempt = PaymentAttempt(
        family_id=gym.family.id,
        user_id=gym.guardian.user_id,
        payment_method_id=method.id,
        location_id=gym.north.id,
        amount_cents=1_000,
        idempotency_key="edge-sweep-attempt",
        status=PaymentAttemptStatus.FAILED,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    db.add(attempt)
    skill = f.skill(db, db.get_one(Level, gym.cls.level_id), "Forward roll", 1)
    term = Term(name="Fall 2026", start_date=date(2026, 9, 1), end_date=date(2026, 12, 20))
    db.add(term)
    closure = Closure(
        location_id=gym.south.id,
        first_day=date(2026, 12, 2),
        last_day=date(2026, 12, 2),
        reason="Roof",
        created_at=clock.now(),
    )
    db.add(closure)
    db.commit()
    guardian_id = gym.guardian.guardian_id
    phone_id = contact_changes.add_phone(db, gym.guardian, guardian_id, "+1 312 555 0142")
    address_id = contact_changes.add_address(
        db, gym.guardian, guardian_id, AddressInput("1 Main St", city="Springfield", region="IL",
                                                    postal_code="62701", country="US"),
    )  # fmt: skip
    email_id = contact_changes.add_email(db, gym.guardian, guardian_id, "alt@example.com")
    message = outbox.enqueue_email(
        db, to_address="alt@example.com", subject="Hello", body_text="Hello.", kind="notice"
    )
    db.commit()
    ids: dict[str, object] = {
        "student_id": gym.maya.id,
        "class_id": gym.cls.id,
        "missed_class_id": gym.cls.id,
        "desired_class_id": gym.cls.id,
        "target_class_id": gym.cls.id,
        "enrollment_id": enrollment_id,
        "enrollment_ids": [enrollment_id],
        "location_id": gym.north.id,
        "location_ids": (gym.north.id,),
        "family_id": gym.family.id,
        "guardian_id": guardian_id,
        "contact_id": email_id,
        "email_id": email_id,
        "phone_id": phone_id,
        "address_id": address_id,
        "token_id": token.id,
        "pass_id": punch.id,
        "absence_id": absence.id,
        "request_id": request.id,
        "method_id": method.id,
        "attempt_id": attempt.id,
        "entry_id": charge.id,
        "payment_method_id": method.id,
        "message_id": message.id,
        "program_id": gym.cls.program_id,
        "level_id": gym.cls.level_id,
        "skill_id": skill.id,
        "term_id": term.id,
        "closure_id": closure.id,
        "form": ClassInput(  # issue 15: the back office's class form
            location_id=gym.north.id,
            level_id=gym.cls.level_id,
            name="Saturday Stars",
            weekday=5,
            start_time=time(9, 30),
            length_minutes=45,
            term_start=date(2027, 1, 9),
            term_end=date(2027, 3, 27),
            capacity=10,
            tuition="85.00",
            instructor_user_id=gym.admin.user_id,
        ),
        "user_id": gym.desk.user_id,
    }
    return World(gym.guardian, gym.admin, {**_valid_values(), **ids})


def _valid_values() -> dict[str, object]:
    day = date(2026, 12, 1)  # a Tuesday after the fixed "now": the gym's class meets then
    return {
        "gateway": OfflineGateway(),
        "day": day,
        "class_date": day,
        "first_day": day,
        "last_day": day,
        "missed_date": date(2026, 11, 17),
        "desired_date": day,
        "effective_date": day,
        "starts_at": datetime(2026, 12, 1, 0, 0),
        "ends_at": datetime(2026, 12, 1, 23, 0),
        "start": None,
        "end": None,
        "year": 2026,
        "f": AnalyticsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30)),
        "below": 0.5,
        "data": StudentInput("Sam", "Rivera", date(2018, 1, 1)),
        "first_run.setup": SetupInput(
            "Tumble Town",
            "America/Chicago",
            "usd",
            "Pat Owner",
            "pat.owner@example.com",
            "a-long-owner-passphrase",
            "a-long-owner-passphrase",
            "Riverside",
            "",
            AddressInput("1 Main St", city="Springfield", region="IL", postal_code="62701"),
            "+1 312 555 0188",
        ),
        "address": AddressInput(
            "2 Oak Ave", city="Springfield", region="IL", postal_code="62701", country="US"
        ),
        "kind": "email",
        "changes": {},
        "approve": True,
        "opted_in": False,
        "allowed": False,
        "make_primary": False,
        "recurring_authorized": False,
        "invite": False,
        "setup": FamilySetup(
            "", (GuardianSetup("Lu", "Edge", ("lu.edge@example.com",), is_primary=True),)
        ),
        "guardian": GuardianSetup("Kim", "Edge", ("kim.edge@example.com",)),
        "create_anyway": True,
        "email_opt_in": True,
        "sms_opt_in": False,
        "amount_cents": 100,
        "request_key": "edge-sweep-request-key",
        "base_url": "http://127.0.0.1:8501",
        "reason": "Sick",
        "note": "Thank you",
        "body": "Called about the fee.",
        "query": "Rivera",
        "code": "CW1.1.abc",
        "status": "present",
        "email": "new.parent@example.com",
        "raw": "+1 312 555 0177",
        "label": "mobile",
        "first_name": "Sam",
        "last_name": "Rivera",
        "display_name": "Owner",
        "phone": "",
        "password": f.PASSWORD,
        "current_password": f.PASSWORD,
        "new_password": "a-fresh-long-password-42",
        "confirm_password": "a-fresh-long-password-42",
        "confirm": f.PASSWORD,
        "token": "not-a-real-token",
        "grant": "not-a-real-grant",
        "setup_intent_id": "seti_edge_sweep",
        "payload": b"{}",
        "signature": "t=1,v1=00",
        "user_agent": "pytest",
        "location": LocationInput("Westside", "America/Denver", phone="(303) 555-0142"),
        "term": TermInput("Spring 2027", date(2027, 1, 11), date(2027, 5, 28)),
        "name": "Ninja",
        "direction": "up",
        "archived": True,
        "start_date": day,  # issue 15: enrolling from the desk
        "marks": [],  # issue 15: a class's skill marks (their own tests spoil them)
        "pending": "not-a-pending-token",
        "role": "staff",
        "active": False,
        "page": 0,
        "period": "2026-12",  # issue 16: the tuition run's month
        "failed_payments.page": 1,  # issue 16: the failed payments list counts pages from 1
        "run_date": date(2026, 11, 24),  # issue 16: an autopay run's day ("today")
        "bucket": "current",  # issue 16: the money view's families in an age bucket
        "months": 12,
        "method": "cash",  # issue 16: a payment taken at the desk
        "check_number": "",
        "what": "payment",  # the word a not-found answer uses
        "tuition_listing.page": 1,  # issue 17: the Tuition page's families count pages from 1
    }


_MISSING = object()


def valid_value(world: World, edge: EdgeFunction, name: str) -> object:
    """The valid value of parameter `name` for `edge`: "module.name" in the world's values
    when two functions give one parameter name different meanings, else "name"."""
    module = edge.name.split(".", 1)[0]
    return world.values.get(f"{module}.{name}", world.values.get(name, _MISSING))


def spoiled_call(
    edge: EdgeFunction, world: World, actor: Actor | None, slot: Slot, bad: object
) -> Callable[[Session], object]:
    """A call of `edge` with valid arguments except `bad` in `slot`."""
    kwargs: dict[str, Any] = {}
    for param in _caller_params(edge):
        if param.name == slot.param:
            continue
        if (value := valid_value(world, edge, param.name)) is not _MISSING:
            kwargs[param.name] = value
        elif param.default is inspect.Parameter.empty:
            raise LookupError(f"{edge.name}: no valid value for parameter {param.name!r}")
    bad_value = [bad] if slot.many else bad

    def call(db: Session) -> object:
        if slot.field is None:
            kwargs[slot.param] = bad_value
        else:
            valid = valid_value(world, edge, slot.param)
            kwargs[slot.param] = dataclasses.replace(valid, **{slot.field: bad_value})  # type: ignore[type-var]
        if edge.takes_actor:
            return edge.func(db, actor, **kwargs)
        return edge.func(db, **kwargs)

    return call


def sweep(
    db: Session, world: World, slots_of: Callable[[EdgeFunction], list[Slot]], bad_values: list
) -> tuple[int, list[str]]:
    """Call every edge function with each bad value in each slot, as a primary guardian and
    as an admin; returns how many calls ran and each one that raised a non-domain error."""
    calls, escaped = 0, []
    for edge in edge_functions():
        slots = slots_of(edge)
        actors: list[Actor | None] = [world.guardian, world.admin] if edge.takes_actor else [None]
        for slot in slots:
            for actor in actors:
                for bad in bad_values:
                    call = spoiled_call(edge, world, actor, slot, bad)
                    calls += 1
                    try:
                        call(db)
                    except DomainError:
                        pass
                    except Exception as error:
                        who = actor.role.value if actor else "anyone"
                        escaped.append(
                            f"{edge.name}({slot}={bad!r}) as {who}: "
                            f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
                        )
                    finally:
                        db.rollback()
    return calls, escaped
