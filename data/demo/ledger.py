"""The ledger: monthly tuition, registration fees, desk purchases, payments, credits, refunds
and corrections, with allocations from the credit side to the charges they pay.

A family's entries are collected first and written in time order. Monthly payments settle
what is open at their location, oldest charge first; a few entries are paired instead (a
refund with the credit it pays out, a correction with the charge it reverses, a desk
purchase with its payment).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from data.demo.plan import DAY, Chain, Context, EnrollmentPlan, FamilyPlan, LocationInfo, utc
from data.models import EnrollmentStatus, LedgerKind

REGISTRATION_FEE_CENTS = 4_500
REFUND_CHANCE = 0.3  # of drops early in a month
CORRECTION_CHANCE = 0.003  # of tuition charges: posted twice, then reversed
CARD_BRANDS = ("Visa", "Mastercard", "American Express", "Discover")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CREDIT_REASONS = (
    "closed for weather",
    "pool closed for maintenance",
    "goodwill",
    "overpayment at the desk",
)


@dataclass(eq=False, slots=True)
class Entry:
    at: datetime
    location: LocationInfo
    kind: LedgerKind
    amount: int  # 0 on a payment until it is written: then it pays what is open
    description: str
    student_id: int | None = None
    service_date: date | None = None
    external_ref: str | None = None
    created_by: int | None = None
    pays: Entry | None = None  # a paired credit-side entry applies only to this debit
    paid_by: Entry | None = None  # the other half of that pair, on the debit
    reverses: Entry | None = None
    open_item: bool = True  # a debit that monthly payments may pay
    tuition_of: EnrollmentPlan | None = None  # a month's tuition charge of this place
    id: int = 0
    remaining: int = 0

    @property
    def is_debit(self) -> bool:
        return self.kind in (LedgerKind.CHARGE, LedgerKind.REFUND)

    @property
    def settles(self) -> bool:
        """A monthly payment: it pays whatever is open at its location, oldest first."""
        return self.kind is LedgerKind.PAYMENT and self.pays is None


def _pair(source: Entry, target: Entry) -> None:
    """`source` (credit side) is applied to `target` (a debit) and to nothing else."""
    source.pays, target.paid_by = target, source


def _months(first: date, last: date) -> Iterator[date]:
    """The first day of each month from `first`'s month to `last`'s month."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def _clock(t: time) -> str:
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


class FamilyLedger:
    def __init__(self, ctx: Context, family: FamilyPlan) -> None:
        self.ctx, self.family, self.rng = ctx, family, ctx.rng
        self.entries: list[Entry] = []
        self.card = f"{self.rng.choice(CARD_BRANDS)} ending {self.rng.randrange(10_000):04d}"

    def add(self, entry: Entry) -> Entry:
        if entry.at.date() < self.ctx.today:  # nothing is posted today or later
            self.entries.append(entry)
        return entry

    # -- what the family owes ------------------------------------------------------------

    def tuition(self, chain: Chain) -> None:
        """A charge for every month the chain held a class; moving class (a new term, a
        transfer) within a month is not charged twice."""
        charged: set[date] = set()
        for e in chain.enrollments:
            for first in _months(e.start, min(e.end or self.ctx.yesterday, self.ctx.yesterday)):
                if first not in charged:
                    charged.add(first)
                    self._maybe_correction(self.add(self._tuition_charge(e, first)))
            # Some who drop early in a month get half the month back.
            dropped = e.end if e.status is EnrollmentStatus.DROPPED else None
            if dropped and dropped.day <= 15 and self.rng.random() < REFUND_CHANCE:
                half = e.slot.tuition_cents // 2
                note = "Prorated tuition credit after a drop"
                self.refunded_credit(e.slot.location, half, dropped + 2 * DAY, e.student.id, note)

    @staticmethod
    def _tuition_charge(e: EnrollmentPlan, first: date) -> Entry:
        slot = e.slot
        label = (
            f"Tuition for {e.student.first_name}: {slot.name} "
            f"({WEEKDAYS[slot.weekday]} {_clock(slot.start)}), {first:%B %Y}"
        )
        return Entry(
            utc(max(first, e.start), 6),
            slot.location,
            LedgerKind.CHARGE,
            slot.tuition_cents,
            label,
            e.student.id,
            first,
            tuition_of=e,
        )

    def registration(self, first_day: date, last_day: date) -> None:
        day = first_day
        while day <= last_day:
            self.add(
                Entry(
                    utc(day, 6, 1),
                    self.family.location,
                    LedgerKind.CHARGE,
                    REGISTRATION_FEE_CENTS,
                    f"Annual registration fee {day.year}",
                )
            )
            day += timedelta(days=365)

    def purchases(self) -> None:
        for p in self.family.purchases:
            charge = self.add(
                Entry(
                    utc(p.day, 17),
                    p.location,
                    LedgerKind.CHARGE,
                    p.amount_cents,
                    p.description,
                    p.student_id,
                    open_item=False,
                )
            )
            payment = self.add(self._payment(charge.at + timedelta(minutes=2), p.location))
            _pair(payment, charge)

    # -- pairs and credits ---------------------------------------------------------------

    def _maybe_correction(self, charge: Entry) -> None:
        if charge.at.date() + 2 * DAY >= self.ctx.today or self.rng.random() >= CORRECTION_CHANCE:
            return
        duplicate = self.add(
            Entry(
                charge.at + timedelta(minutes=1),
                charge.location,
                LedgerKind.CHARGE,
                charge.amount,
                charge.description,
                charge.student_id,
                charge.service_date,
                open_item=False,
            )
        )
        correction = self.add(
            Entry(
                charge.at + 2 * DAY,
                charge.location,
                LedgerKind.ADJUSTMENT,
                charge.amount,
                "Correction: duplicate tuition charge reversed",
                charge.student_id,
                reverses=duplicate,
            )
        )
        _pair(correction, duplicate)

    def refunded_credit(
        self,
        location: LocationInfo,
        amount: int,
        on: date,
        student_id: int | None,
        description: str,
    ) -> None:
        """A credit paid back to the card the next day: the credit is applied to the refund."""
        credit = self.add(
            Entry(utc(on, 15), location, LedgerKind.CREDIT, amount, description, student_id)
        )
        refund = self.add(
            Entry(
                credit.at + DAY,
                location,
                LedgerKind.REFUND,
                amount,
                f"Refund to {self.card}",
                student_id,
                external_ref=f"re_demo_{self.ctx.serial('refund')}",
                open_item=False,
            )
        )
        _pair(credit, refund)

    def account_credit(self, location: LocationInfo, amount: int, on: date) -> None:
        """A credit left on the account (not applied to any charge)."""
        reason = self.rng.choice(CREDIT_REASONS)
        self.add(
            Entry(
                utc(on, 16),
                location,
                LedgerKind.CREDIT,
                amount,
                f"Account credit: {reason}",
                created_by=location.staff_user_id,
            )
        )

    # -- payments ------------------------------------------------------------------------

    def _payment(self, at: datetime, location: LocationInfo, *, autopay: bool = False) -> Entry:
        r = self.rng.random()
        if autopay or r < 0.85:
            how = f"{'Autopay' if autopay else 'Card payment'}: {self.card}"
            ref, by = "ch_demo_", None
        elif r < 0.95:
            how, ref, by = "Check payment", "chk_demo_", location.staff_user_id
        else:
            how, ref, by = "Cash payment at the front desk", "", location.staff_user_id
        return Entry(
            at,
            location,
            LedgerKind.PAYMENT,
            0,
            how,
            created_by=by,
            external_ref=f"{ref}{self.ctx.serial(ref)}" if ref else None,
        )

    def monthly_payments(self) -> None:
        """On the family's pay day each month, at each location it was charged at, until it
        stopped paying (if it did)."""
        payer, today = self.family.payer, self.ctx.today
        debits = [e for e in self.entries if e.is_debit]
        if not debits:
            return
        locations = {e.location.index: e.location for e in debits}
        last = min(today, max(e.at.date() for e in debits) + timedelta(days=31))
        for first in _months(min(e.at.date() for e in debits), last):
            day = first.replace(day=min(payer.pay_day, 28))
            if day >= today or (payer.stops_paying_on and day > payer.stops_paying_on):
                continue
            autopay = payer.pay_day == 1
            at = utc(day, 6, 10) if autopay else utc(day, 18, self.rng.randrange(60))
            for location in locations.values():
                self.add(self._payment(at, location, autopay=autopay))

    # -- writing -------------------------------------------------------------------------

    def write(self) -> None:
        books: dict[int, deque[Entry]] = {}  # open charges per location, oldest first
        for entry in sorted(self.entries, key=lambda e: e.at):
            book = books.setdefault(entry.location.index, deque())
            if entry.settles:
                entry.amount = sum(d.remaining for d in book)
            elif not entry.amount and entry.pays:  # a payment for one purchase
                entry.amount = entry.pays.amount
            if not entry.amount:
                continue
            self._write_entry(entry)
            if entry.is_debit and entry.open_item:
                book.append(entry)
            # A pair is applied once both halves are written, whichever comes first.
            if entry.pays is not None and entry.pays.id:
                self._allocate(entry, entry.pays)
            elif entry.paid_by is not None and entry.paid_by.id:
                self._allocate(entry.paid_by, entry)
            elif entry.settles:
                while entry.remaining:
                    self._allocate(entry, book[0])
                    if not book[0].remaining:
                        book.popleft()

    def _write_entry(self, entry: Entry) -> None:
        entry.id, entry.remaining = self.ctx.writer.new_id("ledger_entries"), entry.amount
        self.ctx.writer.add(
            "ledger_entries",
            {
                "id": entry.id,
                "family_id": self.family.id,
                "location_id": entry.location.id,
                "student_id": entry.student_id,
                "kind": entry.kind,
                "is_debit": entry.is_debit,
                "amount_cents": entry.amount,
                "description": entry.description,
                "posted_at": entry.at,
                "service_date": entry.service_date,
                "external_ref": entry.external_ref,
                "reverses_entry_id": entry.reverses.id if entry.reverses else None,
                "payment_attempt_id": None,
                "created_by_user_id": entry.created_by,
            },
        )
        if entry.tuition_of is not None:
            self._write_tuition_line(entry, entry.tuition_of)

    def _write_tuition_line(self, entry: Entry, e: EnrollmentPlan) -> None:
        """The tuition run's record of the month (services/billing/tuition_posting.py), so
        posting a month the demo already charged skips its places instead of charging twice.
        The demo charges whole months: every meeting of the month is charged."""
        first = entry.service_date or entry.at.date().replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - DAY
        meetings = sum(
            1
            for n in range((last - first).days + 1)
            if (day := first + n * DAY).weekday() == e.slot.weekday and e.term.covers(day)
        )
        self.ctx.writer.add(
            "tuition_lines",
            {
                "id": self.ctx.writer.new_id("tuition_lines"),
                "enrollment_id": e.id,
                "family_id": self.family.id,
                "period": first,
                "kind": "charge",
                "ledger_entry_id": entry.id,
                "monthly_cents": entry.amount,
                "meetings": meetings,
                "month_meetings": meetings,
                "discount_percent": 0,
                "amount_cents": entry.amount,
                "created_at": entry.at,
            },
        )

    def _allocate(self, source: Entry, target: Entry) -> None:
        amount = min(source.remaining, target.remaining)
        if amount <= 0:
            return
        source.remaining -= amount
        target.remaining -= amount
        self.ctx.writer.add(
            "ledger_allocations",
            {
                "id": self.ctx.writer.new_id("ledger_allocations"),
                "family_id": self.family.id,
                "from_entry_id": source.id,
                "to_entry_id": target.id,
                "amount_cents": amount,
                "created_at": max(source.at, target.at),
            },
        )


def family_ledger(ctx: Context, family: FamilyPlan) -> FamilyLedger:
    """The family's charges, payments and pairs, not yet written (the caller may add more)."""
    ledger = FamilyLedger(ctx, family)
    held = [e for s in family.students for c in s.chains for e in c.enrollments]
    for student in family.students:
        for chain in student.chains:
            ledger.tuition(chain)
    if held:
        last = min(max(e.end or ctx.yesterday for e in held), ctx.yesterday)
        ledger.registration(min(e.start for e in held), last)
    ledger.purchases()
    if family.payer.credit_cents:
        on = ctx.yesterday - timedelta(days=ctx.rng.randint(1, 20))
        ledger.account_credit(family.location, family.payer.credit_cents, on)
    ledger.monthly_payments()
    return ledger


def add_ledgers(ctx: Context) -> None:
    for family in ctx.families:
        if not family.is_showcase:
            family_ledger(ctx, family).write()
