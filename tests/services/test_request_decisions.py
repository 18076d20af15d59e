"""Staff answering parent requests (approve applies, deny explains) and parents withdrawing
them, on both databases. Dates as in test_enrollments: today is Tuesday 24 November 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    OutboxMessage,
    ParentRequest,
    RequestKind,
    RequestStatus,
    User,
)
from services.classes.drops import apply_drop_request, drop_enrollment
from services.classes.transfers import apply_transfer_request, transfer_enrollment
from services.classes.waitlists import apply_cancel_waitlist_request, cancel_waitlist
from services.desk import request_decisions
from services.desk.request_decisions import (
    APPLIERS,
    cancel_request,
    decide_request,
    pending_requests,
)
from services.kernel import clock, paging
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.makeups.absence_requests import apply_absence_request
from services.makeups.makeup_requests import apply_makeup_request
from tests import factories as f
from tests.services.test_enrollments import (
    BAD_IDS,
    DEC_1,
    DEC_3,
    DEC_8,
    THURSDAY,
    World,
    build_world,
    history,
    queries,
    race,
    refused,
    reloaded,
    requests_of,
    waitlist,
)
from tests.support.queries import count_queries

PENDING, APPROVED, APPLIED = RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.APPLIED
DENIED, CANCELLED = RequestStatus.DENIED, RequestStatus.CANCELLED


@pytest.fixture
def world(db: Session) -> World:
    return build_world(db)


def ask_drop(db: Session, w: World, day: date = DEC_8) -> int:
    """Maya's parent asks to drop her Tuesday class (requests wait for staff by default)."""
    outcome = drop_enrollment(db, w.guardian, w.place.id, day, note="We are moving")
    assert outcome.request_id is not None and not outcome.applied
    return outcome.request_id


def ask_transfer(db: Session, w: World, target_class_id: int, day: date = DEC_3) -> int:
    outcome = transfer_enrollment(db, w.guardian, w.place.id, target_class_id, day)
    assert outcome.request_id is not None and not outcome.applied
    return outcome.request_id


def status_of(db: Session, request_id: int) -> RequestStatus:
    db.expire_all()
    request = db.get(ParentRequest, request_id)
    assert request is not None
    return request.status


# pending_requests


def test_staff_see_the_pending_requests_at_their_locations_oldest_first(
    db: Session, world: World
) -> None:
    w = world
    maya_drop = ask_drop(db, w)  # asked now, 15:00 UTC
    later, latest = datetime(2026, 11, 24, 16, tzinfo=UTC), datetime(2026, 11, 24, 17, tzinfo=UTC)
    ada_absence = f.parent_request(db, w.ada, w.north, kind=RequestKind.ABSENCE, created_at=later)
    south_absence = f.parent_request(
        db, w.maya, w.south, kind=RequestKind.ABSENCE, created_at=latest
    ).id
    ada_absence = ada_absence.id
    f.parent_request(db, w.ada, w.north, kind=RequestKind.DROP, status=APPLIED)

    assert [r.id for r in pending_requests(db, w.desk).items] == [maya_drop, ada_absence]
    assert [r.id for r in pending_requests(db, w.south_desk).items] == [south_absence]
    everywhere = pending_requests(db, w.admin).items
    assert [r.id for r in everywhere] == [maya_drop, ada_absence, south_absence]
    south = pending_requests(db, w.admin, location_id=w.south.id).items
    assert [r.id for r in south] == [south_absence]
    view = pending_requests(db, w.desk).items[0]
    assert (view.kind, view.status, view.family_name, view.student_name) == (
        "drop",
        "pending",
        "Rivera family",
        "Maya Rivera",
    )
    assert (view.location_name, view.class_name, view.target_class_name) == (
        "Northside",
        "Tumblers",
        None,
    )
    assert (view.effective_date, view.parent_note, view.enrollment_id) == (
        DEC_8,
        "We are moving",
        w.place.id,
    )
    assert [e.status for e in view.history] == ["pending"]


def test_the_queue_takes_three_queries_however_long(
    db: Session, engine: Engine, world: World
) -> None:
    for _ in range(5):
        f.parent_request(db, world.ada, world.north, kind=RequestKind.ABSENCE)
    db.commit()
    with count_queries(engine) as statements:
        assert pending_requests(db, world.desk).total == 5
    assert len(queries(statements)) == 3  # the count, one page with names, their histories


def test_the_queue_is_paged_oldest_first(
    db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    made = [
        f.parent_request(db, world.ada, world.north, kind=RequestKind.ABSENCE) for _ in range(5)
    ]
    db.commit()
    ids = [r.id for r in made]
    pages = [pending_requests(db, world.desk, page=n) for n in (1, 2, 3)]
    assert [[r.id for r in p.items] for p in pages] == [ids[:2], ids[2:4], ids[4:]]
    assert {(p.total, p.pages) for p in pages} == {(5, 3)}
    assert pending_requests(db, world.desk, page=99).page == 3  # clamped to the last page
    for bad in ("2", 1.5, None, True):
        with pytest.raises(ValidationError):
            pending_requests(db, world.desk, page=bad)


def test_the_queue_is_for_staff_at_their_locations(db: Session, world: World) -> None:
    with pytest.raises(AccessDenied):
        pending_requests(db, world.guardian)
    with pytest.raises(NotFound):
        pending_requests(db, world.desk, location_id=world.south.id)
    for bad in (b for b in BAD_IDS if b is not None):  # None means every location
        with pytest.raises(ValidationError):
            pending_requests(db, world.desk, location_id=bad)


# decide_request: approve


def test_approving_a_drop_applies_it_like_a_direct_drop(db: Session, world: World) -> None:
    request_id = ask_drop(db, world, DEC_1)

    view = decide_request(db, world.desk, request_id, approve=True, note="Sorry to see you go")

    assert (view.status, view.staff_note) == ("applied", "Sorry to see you go")
    assert [(e.status, e.note) for e in view.history] == [
        ("pending", ""),
        ("approved", "Sorry to see you go"),
        ("applied", ""),
    ]
    place = reloaded(db, world.place)
    assert (place.status, place.end_date) == (EnrollmentStatus.ACTIVE, date(2026, 11, 30))
    request = db.get(ParentRequest, request_id)
    assert request is not None
    assert (request.decided_by_user_id, request.decided_at) == (world.desk.user_id, clock.now())
    assert len(requests_of(db, world.place)) == 1  # the request itself, no second record


def test_approving_a_transfer_moves_the_student(db: Session, world: World) -> None:
    request_id = ask_transfer(db, world, world.thursday.id)
    view = decide_request(db, world.admin, request_id, approve=True)
    assert (view.status, view.target_class_name) == ("applied", "Thursday Tumblers")
    moved = db.scalar(
        select(Enrollment).where(
            Enrollment.student_id == world.maya.id, Enrollment.class_id == world.thursday.id
        )
    )
    assert moved is not None
    assert (moved.status, moved.start_date) == (EnrollmentStatus.ACTIVE, DEC_3)
    assert reloaded(db, world.place).transferred_to_id == moved.id


def test_a_class_that_filled_up_refuses_the_approval(db: Session, world: World) -> None:
    small = f.gym_class(db, world.north, level=world.level, weekday=THURSDAY, capacity=1)
    request_id = ask_transfer(db, world, small.id)
    f.enroll(db, f.student(db, world.other_family, "Bea"), small)  # the last seat goes

    error = refused(
        db, ValidationError, lambda: decide_request(db, world.desk, request_id, approve=True)
    )

    assert error.message.startswith("That class is full")
    assert status_of(db, request_id) is PENDING
    view = decide_request(db, world.desk, request_id, approve=False, note="The class filled up")
    assert view.status == "denied"


def test_a_request_whose_date_has_passed_cannot_be_approved(db: Session, world: World) -> None:
    request_id = ask_drop(db, world, DEC_1)
    with clock.frozen_at(datetime(2026, 12, 2, 15, tzinfo=UTC)):
        refused(
            db, ValidationError, lambda: decide_request(db, world.desk, request_id, approve=True)
        )
    assert status_of(db, request_id) is PENDING


def test_approving_a_cancel_waitlist_request_frees_the_place(db: Session, world: World) -> None:
    mine, behind = waitlist(db, world.thursday, world.maya, world.ada)
    asked = f.parent_request(db, world.maya, world.north, kind=RequestKind.CANCEL_WAITLIST)
    asked.enrollment_id = mine.id
    db.flush()
    assert decide_request(db, world.desk, asked.id, approve=True).status == "applied"
    assert (reloaded(db, mine).status, reloaded(db, behind).waitlist_position) == (
        EnrollmentStatus.DROPPED,
        1,
    )


def test_every_request_kind_is_applied_by_its_domain_function(
    db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {
        RequestKind.DROP: apply_drop_request,
        RequestKind.TRANSFER: apply_transfer_request,
        RequestKind.CANCEL_WAITLIST: apply_cancel_waitlist_request,
        RequestKind.MAKEUP: apply_makeup_request,
        RequestKind.ABSENCE: apply_absence_request,
    } == APPLIERS
    assert set(APPLIERS) == set(RequestKind)
    mine = {k: APPLIERS[k] for k in (RequestKind.DROP, RequestKind.TRANSFER)}
    monkeypatch.setattr(request_decisions, "APPLIERS", mine)
    absence = f.parent_request(db, world.maya, world.north, kind=RequestKind.ABSENCE)
    error = refused(
        db, ValidationError, lambda: decide_request(db, world.desk, absence.id, approve=True)
    )
    assert error.message.startswith("Absence requests cannot be approved here yet")
    assert status_of(db, absence.id) is PENDING


# decide_request: deny and refusals


def test_denying_records_the_reason_and_changes_nothing_else(db: Session, world: World) -> None:
    request_id = ask_drop(db, world)
    refused(
        db,
        ValidationError,
        lambda: decide_request(db, world.desk, request_id, approve=False, note="  "),
    )
    view = decide_request(db, world.desk, request_id, approve=False, note="Term is paid")
    assert (view.status, view.staff_note) == ("denied", "Term is paid")
    assert [(e.status, e.note) for e in view.history] == [
        ("pending", ""),
        ("denied", "Term is paid"),
    ]
    place = reloaded(db, world.place)
    assert (place.status, place.end_date) == (EnrollmentStatus.ACTIVE, None)
    assert drop_enrollment(db, world.guardian, world.place.id, DEC_8).request_id  # may ask again


def test_an_answered_request_cannot_be_answered_again(db: Session, world: World) -> None:
    request_id = ask_drop(db, world)
    decide_request(db, world.desk, request_id, approve=False, note="No")
    for approve in (True, False):
        error = refused(
            db,
            ValidationError,
            lambda a=approve: decide_request(db, world.desk, request_id, approve=a, note="x"),
        )
        assert error.message == "That request is already denied."


def test_decide_request_refusals(db: Session, world: World) -> None:
    request_id = ask_drop(db, world)
    with pytest.raises(AccessDenied):
        decide_request(db, world.guardian, request_id, approve=True)
    refused(db, NotFound, lambda: decide_request(db, world.south_desk, request_id, approve=True))
    refused(db, NotFound, lambda: decide_request(db, world.desk, 999_999, approve=True))
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda b=bad: decide_request(db, world.desk, b, approve=True))
    for approve in ("yes", 1, None):
        refused(
            db,
            ValidationError,
            lambda a=approve: decide_request(db, world.desk, request_id, approve=a),
        )
    for note in (None, 3, "x" * 2001):
        refused(
            db,
            ValidationError,
            lambda n=note: decide_request(db, world.desk, request_id, approve=True, note=n),
        )
    assert status_of(db, request_id) is PENDING


def test_two_approvals_of_one_request_apply_once(db: Session, engine: Engine, world: World) -> None:
    request_id = ask_drop(db, world, DEC_1)
    db.commit()
    results = race(
        engine,
        lambda s: decide_request(s, world.desk, request_id, approve=True),
        lambda s: decide_request(s, world.admin, request_id, approve=True),
    )
    assert sorted(type(r).__name__ for r in results) == ["StaffRequestView", "ValidationError"]
    assert history(db, request_id) == [PENDING, APPROVED, APPLIED]
    assert reloaded(db, world.place).end_date == date(2026, 11, 30)


def test_an_approval_and_a_withdrawal_at_once_let_one_win(
    db: Session, engine: Engine, world: World
) -> None:
    request_id = ask_drop(db, world, DEC_1)
    db.commit()
    results = race(
        engine,
        lambda s: decide_request(s, world.desk, request_id, approve=True),
        lambda s: cancel_request(s, world.guardian, request_id),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert status_of(db, request_id) in (APPLIED, CANCELLED)
    assert len(history(db, request_id)) in (2, 3)


# cancel_request


def test_a_parent_withdraws_a_pending_request(db: Session, world: World) -> None:
    request_id = ask_drop(db, world)
    view = cancel_request(db, world.guardian, request_id)
    assert (view.id, view.status, view.kind) == (request_id, "cancelled", "drop")
    assert [e.status for e in view.history] == ["pending", "cancelled"]
    assert pending_requests(db, world.desk).items == ()
    again = ask_drop(db, world, DEC_1)  # the enrollment is free to change again
    second = f.second_guardian(db, world.family, "second-parent@example.com")
    assert cancel_request(db, second, again).status == "cancelled"


def test_cancel_request_refusals(db: Session, world: World) -> None:
    request_id = ask_drop(db, world)
    refused(db, NotFound, lambda: cancel_request(db, world.other_guardian, request_id))
    refused(db, NotFound, lambda: cancel_request(db, world.guardian, 999_999))
    with pytest.raises(AccessDenied):
        cancel_request(db, world.desk, request_id)
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda b=bad: cancel_request(db, world.guardian, b))
    decide_request(db, world.desk, request_id, approve=True)
    error = refused(db, ValidationError, lambda: cancel_request(db, world.guardian, request_id))
    assert error.message == "That request is already applied."
    applied = cancel_waitlist(db, world.guardian, waitlist(db, world.thursday, world.maya)[0].id)
    assert applied.request_id is not None
    refused(db, ValidationError, lambda: cancel_request(db, world.guardian, applied.request_id))


# the family hears about the decision (issue 13, item 16)


def outbox_rows(db: Session) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_approval_e_mails_the_guardian_who_asked(db: Session, world: World) -> None:
    request_id = ask_drop(db, world)
    assert outbox_rows(db) == []
    decide_request(db, world.desk, request_id, approve=True)
    [message] = outbox_rows(db)
    asker = db.get(User, world.guardian.user_id)
    assert asker is not None
    assert (message.to_address, message.kind) == (asker.email, "request_decision")
    assert message.family_id == world.family.id
    assert "approved your drop request for Maya" in message.body_text
    assert "Tue 8 Dec 2026" in message.body_text


def test_a_denial_e_mails_the_staff_note_to_a_secondary_guardian_who_asked(
    db: Session, world: World
) -> None:
    sam = f.second_guardian(db, world.family, "sam@example.com")
    request_id = drop_enrollment(db, sam, world.place.id, DEC_8, note="").request_id
    decide_request(db, world.desk, request_id, approve=False, note="Term is paid")
    [message] = outbox_rows(db)
    assert message.to_address == "sam@example.com"
    assert "could not approve" in message.body_text
    assert "Their note: Term is paid" in message.body_text


def test_without_an_asker_who_can_sign_in_the_primary_guardian_is_told(
    db: Session, world: World
) -> None:
    request = f.parent_request(db, world.maya, world.north)  # made at the desk: no asker
    decide_request(db, world.desk, request.id, approve=False, note="Call us")
    primary = db.get(User, world.guardian.user_id)
    assert primary is not None
    assert [m.to_address for m in outbox_rows(db)] == [primary.email]


def test_a_refused_approval_queues_no_e_mail(db: Session, world: World) -> None:
    request_id = ask_drop(db, world, DEC_1)
    with clock.frozen_at(datetime(2026, 12, 2, 15, tzinfo=UTC)):
        refused(
            db, ValidationError, lambda: decide_request(db, world.desk, request_id, approve=True)
        )
    assert outbox_rows(db) == []
