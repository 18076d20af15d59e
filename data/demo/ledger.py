"""The ledger: monthly tuition, registration fees, desk purchases, payments, credits, refunds
and corrections, with allocations from the credit side to the charges they pay.

Each family's entries are made in time order. Monthly payments settle what is open at that
location, oldest charge first; a few entries are paired instead (a refund with the credit it
pays out, a correction with the charge it reverses, a desk purchase with its payment).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from data.demo.plan import DAY, Chain, Context, FamilyPlan, LocationInfo, utc
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
    is_debit: bool
    amount: int
    description: str
    student_id: int | None = None
    service_date: date | None = None
    external_ref: str | None = None
    created_by: int | None = None
    pays: Entry | None = None  # a paired credit-side entry applies only to this debit
    paid_by: Entry | None = None  # the other half of that pair, on the debit
    reverses: Entry | None = None
    settles: bool = False  # a monthly payment: pays whatever is open, oldest first
    open_item: bool = True  # a debit that monthly payments may pay
    id: int = 0
    remaining: int = 0


def _clock(t: time) -> str:
    hour = t.hour % 12 or 12
    return f"{hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


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
        charged: set[tuple[int, int]] = set()
        for e in chain.enrollments:
            last = min(e.end or self.ctx.yesterday, self.ctx.yesterday)
            month = (e.start.year, e.start.month)
            while month <= (last.year, last.month):
                if month not in charged:
                    charged.add(month)
                    first = date(month[0], month[1], 1)
                    slot = e.slot
                    label = (
                        f"Tuition for {chain.student.first_name}: {slot.name} "
                        f"({WEEKDAYS[slot.weekday]} {_clock(slot.start)}), {first:%B %Y}"
                    )
                    charge = self.add(
                        Entry(
                            utc(max(first, e.start), 6),
                            slot.location,
                            LedgerKind.CHARGE,
                            True,
                            slot.tuition_cents,
                            label,
                            chain.student.id,
                            first,
                        )
                    )
                    self._maybe_correction(charge)
                month = (month[0] + month[1] // 12, month[1] % 12 + 1)
            if e.status is EnrollmentStatus.DROPPED and e.end and e.end.day <= 15:
                self._maybe_refund(
                    e.slot.location, e.slot.tuition_cents // 2, e.end, chain.student.id
                )

    def registration(self, first_day: date, last_day: date) -> None:
        day = first_day
        while day <= last_day:
            self.add(
                Entry(
                    utc(day, 6, 1),
                    self.family.location,
                    LedgerKind.CHARGE,
                    True,
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
                    True,
                    p.amount_cents,
                    p.description,
                    p.student_id,
                    open_item=False,
                )
            )
            payment = self.add(self._payment(charge.at + timedelta(minutes=2), p.location))
            _pair(payment, charge)

    # -- pairs ---------------------------------------------------------------------------

    def _maybe_correction(self, charge: Entry) -> None:
        if charge.at.date() + 2 * DAY >= self.ctx.today or self.rng.random() >= CORRECTION_CHANCE:
            return
        duplicate = self.add(
            Entry(
                charge.at + timedelta(minutes=1),
                charge.location,
                LedgerKind.CHARGE,
                True,
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
                False,
                charge.amount,
                "Correction: duplicate tuition charge reversed",
                charge.student_id,
                reverses=duplicate,
            )
        )
        _pair(correction, duplicate)

    def _maybe_refund(
        self, location: LocationInfo, amount: int, dropped_on: date, student_id: int
    ) -> None:
        if self.rng.random() < REFUND_CHANCE:
            self.refunded_credit(
                location,
                amount,
                dropped_on + 2 * DAY,
                student_id,
                "Prorated tuition credit after a drop",
            )

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
            Entry(utc(on, 15), location, LedgerKind.CREDIT, False, amount, description, student_id)
        )
        refund = self.add(
            Entry(
                credit.at + DAY,
                location,
                LedgerKind.REFUND,
                True,
                credit.amount,
                f"Refund to {self.card}",
                credit.student_id,
                external_ref=f"re_demo_{self.ctx.serial('refund')}",
                open_item=False,
            )
        )
        _pair(credit, refund)

    def account_credit(self, location: LocationInfo, amount: int, on: date) -> None:
        """A credit left on the account (not applied to any charge)."""
        self.add(
            Entry(
                utc(on, 16),
                location,
                LedgerKind.CREDIT,
                False,
                amount,
                f"Account credit: {self.rng.choice(CREDIT_REASONS)}",
                created_by=location.staff_user_id,
            )
        )

    # -- payments ------------------------------------------------------------------------

    def _payment(
        self, at: datetime, location: LocationInfo, *, settles: bool = False, autopay: bool = False
    ) -> Entry:
        r = self.rng.random()
        if autopay or r < 0.85:
            how, ref = f"{'Autopay' if autopay else 'Card payment'}: {self.card}", "ch_demo_"
            by = None
        elif r < 0.95:
            how, ref, by = "Check payment", "chk_demo_", location.staff_user_id
        else:
            how, ref, by = "Cash payment at the front desk", "", location.staff_user_id
        return Entry(
            at,
            location,
            LedgerKind.PAYMENT,
            False,
            0,
            how,
            external_ref=f"{ref}{self.ctx.serial(ref)}" if ref else None,
            created_by=by,
            settles=settles,
        )

    def monthly_payments(self) -> None:
        payer, today = self.family.payer, self.ctx.today
        debits = [e for e in self.entries if e.is_debit]
        if not debits:
            return
        locations = {e.location.index: e.location for e in debits}
        first = min(e.at.date() for e in debits)
        last = max(e.at.date() for e in debits) + timedelta(days=31)
        month = (first.year, first.month)
        while month <= min((today.year, today.month), (last.year, last.month)):
            day = date(month[0], month[1], min(payer.pay_day, 28))
            stopped = payer.stops_paying_on is not None and day > payer.stops_paying_on
            if day < today and not stopped:
                autopay = payer.pay_day == 1
                at = utc(day, 6, 10) if autopay else utc(day, 18, self.rng.randrange(60))
                for location in locations.values():
                    self.add(self._payment(at, location, settles=True, autopay=autopay))
            month = (month[0] + month[1] // 12, month[1] % 12 + 1)

    # -- writing -------------------------------------------------------------------------

    def write(self) -> None:
        writer = self.ctx.writer
        books: dict[int, deque[Entry]] = {}
        for entry in sorted(self.entries, key=lambda e: e.at):
            book = books.setdefault(entry.location.index, deque())
            if entry.settles:
                entry.amount = sum(d.remaining for d in book)
                if not entry.amount:
                    continue
            elif not entry.amount:  # a payment for one purchase
                entry.amount = entry.pays.amount if entry.pays else 0
            entry.id, entry.remaining = writer.new_id("ledger_entries"), entry.amount
            writer.add(
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


def _pair(source: Entry, target: Entry) -> None:
    """`source` (credit side) is applied to `target` (a debit) and to nothing else."""
    source.pays, target.paid_by = target, source


def family_ledger(ctx: Context, family: FamilyPlan) -> FamilyLedger:
    """The family's charges, payments and pairs, not yet written (the caller may add more)."""
    ledger = FamilyLedger(ctx, family)
    starts = []
    for student in family.students:
        for chain in student.chains:
            ledger.tuition(chain)
            starts.extend(e.start for e in chain.enrollments)
    if starts:
        ends = [
            e.end or ctx.yesterday for s in family.students for c in s.chains for e in c.enrollments
        ]
        ledger.registration(min(starts), min(max(ends), ctx.yesterday))
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
