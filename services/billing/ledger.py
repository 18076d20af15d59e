"""Ledger rules: a family's balance derived from append-only entries and their allocations.

Debit-side entries (charges, refunds, debit adjustments) add to what the family owes;
credit-side entries (payments, credits, credit adjustments) take from it. An allocation
applies part of one credit-side entry to one debit-side entry. So:

- outstanding = Σ over debit-side entries of (amount − allocated to it)
- credit      = Σ over credit-side entries of (amount − allocated from it)
- balance     = outstanding − credit, which must equal Σ debits − Σ credits.

Per-location figures count each entry at its own location; summed over locations they give
the whole family's figures (an allocation may cross locations).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from data.models import LedgerAllocation, LedgerEntry
from services.kernel.access import Actor, require_location
from services.kernel.errors import DomainError
from services.kernel.reach import reachable_family
from services.kernel.validation import require_id


@dataclass(frozen=True)
class Balance:
    outstanding_cents: int  # charges not yet covered by an allocated payment or credit
    credit_cents: int  # payments and credits not yet applied to a charge

    @property
    def balance_cents(self) -> int:
        """What the family owes (negative: the business owes the family)."""
        return self.outstanding_cents - self.credit_cents


@dataclass(frozen=True)
class LedgerTotals:
    """Plain sums of the entries, ignoring allocations: the other side of the check."""

    debit_cents: int
    credit_cents: int

    @property
    def net_cents(self) -> int:
        return self.debit_cents - self.credit_cents


class LedgerInconsistent(DomainError):
    """The entries and allocations of a family do not add up; staff must look at them."""


def family_balance(
    db: Session, actor: Actor, family_id: int, *, location_id: int | None = None
) -> Balance:
    """Outstanding and credit for one family, optionally at one location."""
    _authorize(db, actor, family_id, location_id)
    return _figures(db, family_id, location_id).balance


def unchecked_family_balance(db: Session, family_id: int) -> Balance:
    """The balance without an access check: only for services that checked access already
    (or act for the system, as the payment webhook does)."""
    return _figures(db, family_id, None).balance


def families_owing(db: Session, among: Select, *, after_family_id: int, limit: int) -> list[int]:
    """Ids, in order after `after_family_id`, of the families in `among` (a select of family
    ids) whose entries leave them owing: Σ debits − Σ credits > 0, which equals
    `Balance.balance_cents` (outstanding − credit). For batch jobs that page through families;
    each family's own figures are then read with `unchecked_family_balance`."""
    net = _sum_if(LedgerEntry.is_debit.is_(True), LedgerEntry.amount_cents) - _sum_if(
        LedgerEntry.is_debit.is_(False), LedgerEntry.amount_cents
    )
    rows = db.scalars(
        select(LedgerEntry.family_id)
        .where(LedgerEntry.family_id.in_(among), LedgerEntry.family_id > after_family_id)
        .group_by(LedgerEntry.family_id)
        .having(net > 0)
        .order_by(LedgerEntry.family_id)
        .limit(limit)
    )
    return list(rows)


def family_totals(
    db: Session, actor: Actor, family_id: int, *, location_id: int | None = None
) -> LedgerTotals:
    _authorize(db, actor, family_id, location_id)
    return _figures(db, family_id, location_id).totals


def check_family_ledger(db: Session, actor: Actor, family_id: int) -> Balance:
    """Recompute the family's balance from entries alone and from allocations, and check
    that every allocation goes from a credit-side to a debit-side entry of this family
    without over-applying either. Raises LedgerInconsistent; returns the balance."""
    _authorize(db, actor, family_id, None)
    misdirected = _misdirected_allocations(db, family_id)
    if misdirected:
        raise LedgerInconsistent(
            f"Family {family_id}: {misdirected} allocations do not go from a payment or "
            "credit to a charge of the same family."
        )
    figures = _figures(db, family_id, None)
    if figures.over_allocated_entries:
        raise LedgerInconsistent(
            f"Family {family_id}: {figures.over_allocated_entries} ledger entries have more "
            "allocated than their amount."
        )
    if figures.balance.balance_cents != figures.totals.net_cents:
        raise LedgerInconsistent(
            f"Family {family_id}: entries net {figures.totals.net_cents} cents but "
            f"outstanding minus credit is {figures.balance.balance_cents} cents."
        )
    return figures.balance


@dataclass(frozen=True)
class _Figures:
    balance: Balance
    totals: LedgerTotals
    over_allocated_entries: int


def _authorize(db: Session, actor: Actor, family_id: int, location_id: int | None) -> None:
    """Another family, and a location a staff member cannot see, answer like missing ones."""
    require_id(family_id, "family")
    if location_id is not None:
        require_id(location_id, "location")
    reachable_family(db, actor, family_id)
    if location_id is not None and actor.is_staff:
        require_location(actor, location_id)


def _allocated(entry_column: ColumnElement[int], family_id: BindParameter[int]) -> Subquery:
    """Cents allocated per entry (to it, or from it), for one family's allocations."""
    return (
        select(
            entry_column.label("entry_id"),
            func.sum(LedgerAllocation.amount_cents).label("cents"),
        )
        .where(LedgerAllocation.family_id == family_id)
        .group_by(entry_column)
        .subquery()
    )


def _sum_if(condition: ColumnElement[bool], value: ColumnElement[int]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _figures_query(*, at_location: bool) -> Select:
    """Built once per variant (`_FIGURES`): every parent page asks for the balance, and
    SQLAlchemy then reuses the statement's cache key instead of building it again."""
    family_id = bindparam("family_id")
    to_entry = _allocated(LedgerAllocation.to_entry_id, family_id)
    from_entry = _allocated(LedgerAllocation.from_entry_id, family_id)
    debit = LedgerEntry.is_debit.is_(True)
    allocated = case(
        (debit, func.coalesce(to_entry.c.cents, 0)), else_=func.coalesce(from_entry.c.cents, 0)
    )
    open_part = LedgerEntry.amount_cents - allocated
    query = (
        select(
            _sum_if(debit, LedgerEntry.amount_cents),
            _sum_if(~debit, LedgerEntry.amount_cents),
            _sum_if(debit, open_part),
            _sum_if(~debit, open_part),
            _sum_if(allocated > LedgerEntry.amount_cents, 1),
        )
        .select_from(LedgerEntry)
        .outerjoin(to_entry, to_entry.c.entry_id == LedgerEntry.id)
        .outerjoin(from_entry, from_entry.c.entry_id == LedgerEntry.id)
        .where(LedgerEntry.family_id == family_id)
    )
    if at_location:
        query = query.where(LedgerEntry.location_id == bindparam("location_id"))
    return query


_FIGURES = {False: _figures_query(at_location=False), True: _figures_query(at_location=True)}


def _figures(db: Session, family_id: int, location_id: int | None) -> _Figures:
    # PostgreSQL's SUM over bigint is numeric (a Decimal here); the values are whole cents.
    query = _FIGURES[location_id is not None]
    params = {"family_id": family_id, "location_id": location_id}
    debits, credits, outstanding, credit, over = (int(v) for v in db.execute(query, params).one())
    return _Figures(
        balance=Balance(outstanding_cents=outstanding, credit_cents=credit),
        totals=LedgerTotals(debit_cents=debits, credit_cents=credits),
        over_allocated_entries=over,
    )


def _misdirected_allocations(db: Session, family_id: int) -> int:
    """Allocations touching this family that are not credit-side → debit-side within it."""
    source = aliased(LedgerEntry)
    target = aliased(LedgerEntry)
    family_entries = select(LedgerEntry.id).where(LedgerEntry.family_id == family_id)
    query = (
        select(func.count())
        .select_from(LedgerAllocation)
        .join(source, source.id == LedgerAllocation.from_entry_id)
        .join(target, target.id == LedgerAllocation.to_entry_id)
        .where(
            or_(
                LedgerAllocation.family_id == family_id,
                LedgerAllocation.from_entry_id.in_(family_entries),
                LedgerAllocation.to_entry_id.in_(family_entries),
            ),
            ~and_(
                LedgerAllocation.family_id == family_id,
                source.family_id == family_id,
                target.family_id == family_id,
                source.is_debit.is_(False),
                target.is_debit.is_(True),
            ),
        )
    )
    return int(db.scalar(query) or 0)
