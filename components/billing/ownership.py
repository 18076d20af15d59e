"""Whose saved methods a guardian may pay with: only their own (docs/decisions.md,
"Who"). The rule is said plainly where the method is chosen, and other guardians' methods are
shown as information, never as choices."""

from __future__ import annotations

from services.billing.payment_methods import PaymentMethodView
from services.kernel.access import Actor


def own_methods(actor: Actor, methods: list[PaymentMethodView]) -> list[PaymentMethodView]:
    return [m for m in methods if m.guardian_id == actor.guardian_id]


def others_methods(actor: Actor, methods: list[PaymentMethodView]) -> list[PaymentMethodView]:
    return [m for m in methods if m.guardian_id != actor.guardian_id]


def own_cards_rule(actor: Actor, methods: list[PaymentMethodView]) -> str | None:
    """'You can pay with a card you save yourself; cards saved by Maria Garcia can only be used
    by Maria Garcia.' — None when no other guardian has saved a method."""
    names = sorted({m.guardian_name for m in others_methods(actor, methods)})
    if not names:
        return None
    if len(names) == 1:
        return (
            "You can pay with a card you save yourself; cards saved by "
            f"{names[0]} can only be used by {names[0]}."
        )
    return (
        "You can pay with a card you save yourself; cards saved by "
        f"{', '.join(names[:-1])} or {names[-1]} can only be used by the guardian who saved them."
    )
