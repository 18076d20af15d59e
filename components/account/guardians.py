"""The Guardians tab: each guardian with their contact details, the unassigned values and
Add Guardian for the primary guardian."""

from __future__ import annotations

from components.account.add_guardian import render_add_guardian
from components.account.guardian_card import render_guardian
from components.account.unassigned import render_unassigned
from components.actions import run_action
from services.families.contacts import account_contacts
from services.kernel.access import Actor
from services.kernel.settings import get_settings


def render_guardians(actor: Actor) -> None:
    loaded = run_action(
        lambda db: (account_contacts(db, actor), get_settings(db).default_phone_region)
    )
    if loaded is None:
        return
    contacts, country = loaded
    for guardian in contacts.guardians:
        render_guardian(actor, guardian, country=country)
    if actor.is_primary:
        movers = {g.guardian_id: g.name for g in contacts.guardians if g.editable}
        render_unassigned(actor, contacts.unassigned, movers, country=country)
        render_add_guardian(actor)
