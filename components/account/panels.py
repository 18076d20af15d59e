"""What every contact value on the Account page shares: its line with an Edit button, the one
open panel (the edit form, subscribe or unsubscribe, delete after a "yes"), and moving a value
to another guardian.

One panel is open on the page at a time (`PANEL` holds its target, e.g. "email.12" or
"add_phone.3"), so the forms work without dialogs (AppTest cannot click inside one) and stay
open, with what was typed, across reruns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import streamlit as st

from components.account.reauth import forget_reauth
from components.actions import close_panel, open_panel, panel, run_then_rerun
from components.formatting import escape_markdown
from services.families.contact_reassign import reassign_contact
from services.families.editable_contacts import CONTACT_NAMES, ContactKind
from services.kernel.access import Actor

PANEL = "account.panel"
CONFIRM = "account.confirm"  # the target whose deletion (or revocation) waits for a "yes"
UNSUBSCRIBED = ":red[*Unsubscribed*]"

Change = Callable[[Any], object]


class _Contact(Protocol):
    @property
    def id(self) -> int: ...


Item = TypeVar("Item", bound=_Contact)


def open_target(target: str) -> None:
    close_all()
    open_panel(PANEL, target)


def close_all() -> None:
    close_panel(PANEL)
    close_panel(CONFIRM)
    forget_reauth()


def is_open(target: str) -> bool:
    return panel(PANEL) == target


def render_line(markdown: str, target: str, what: str) -> bool:
    """A value (Markdown, escaped by the caller) and its Edit button; True when its panel
    is open."""
    # The key's class (st-key-cw-line-…) keeps the button beside the value on a phone:
    # the value wraps instead (components/page_style.py).
    with st.container(
        horizontal=True, vertical_alignment="center", gap="small", key=f"cw-line-{target}"
    ):
        st.markdown(markdown, width="stretch")
        st.button(
            "Edit",
            key=f"account.open.{target}",
            icon=":material/edit:",
            type="tertiary",
            help=f"Change or delete this {what}",
            on_click=open_target,
            args=(target,),
        )
    return is_open(target)


def render_add_button(label: str, target: str) -> bool:
    """The Add button of a list; True when its form is open instead."""
    if is_open(target):
        return True
    st.button(
        label,
        key=f"account.open.{target}",
        icon=":material/add:",
        on_click=open_target,
        args=(target,),
    )
    return False


@dataclass(frozen=True)
class ContactList(Generic[Item]):
    """How one kind of contact value is listed, edited and added."""

    kind: ContactKind
    title: str  # "E-mail addresses"
    empty: str  # "No e-mail addresses."
    add_label: str  # "Add Email"
    line: Callable[[Item], str]  # the value as Markdown, escaped
    edit: Callable[[Actor, Item, str], None]  # the open Edit panel: form and actions
    add: Callable[[Actor, int, str], None]  # the open Add panel of a guardian's list


def render_contact_list(
    actor: Actor,
    spec: ContactList[Item],
    items: Sequence[Item],
    *,
    guardian_id: int | None,
    movers: dict[int, str] | None = None,
) -> None:
    """The values with their Edit buttons and open panel, then the Add button (a guardian's
    list) or a Move control per value (the unassigned list: `guardian_id` None, `movers` the
    guardians a value may move to)."""
    st.markdown(f"**{spec.title}**")
    if not items:
        st.caption(spec.empty)
    for item in items:
        target = f"{spec.kind}.{item.id}"
        if render_line(spec.line(item), target, CONTACT_NAMES[spec.kind]):
            with st.container(border=True):
                spec.edit(actor, item, target)
        if movers is not None:
            render_move(actor, spec.kind, item.id, movers)
    if guardian_id is None:
        return
    target = f"add_{spec.kind}.{guardian_id}"
    if render_add_button(spec.add_label, target):
        with st.container(border=True):
            spec.add(actor, guardian_id, target)
            st.button("Cancel", key=f"account.close.{target}", on_click=close_all)


@dataclass(frozen=True)
class PanelActions:
    """The buttons under an edit form: opt in or out, delete (after a "yes"), close."""

    consent_label: str = ""
    consent: Change | None = None
    consent_done: str = ""
    delete_question: str = ""
    delete: Change | None = None
    delete_done: str = ""


def render_panel_actions(target: str, actions: PanelActions) -> None:
    with st.container(horizontal=True, gap="small"):
        consent = actions.consent is not None and st.button(
            actions.consent_label, key=f"account.consent.{target}"
        )
        if actions.delete is not None:
            st.button(
                "Delete",
                key=f"account.delete.{target}",
                icon=":material/delete:",
                on_click=open_panel,
                args=(CONFIRM, target),
            )
        st.button("Close", key=f"account.close.{target}", on_click=close_all)
    if consent and actions.consent is not None:
        run_then_rerun(actions.consent, actions.consent_done)
    if actions.delete is not None and panel(CONFIRM) == target:
        confirmed = render_confirm(target, actions.delete_question, "Delete it", "Keep it")
        if confirmed:
            close_panel(CONFIRM)
            run_then_rerun(actions.delete, actions.delete_done, close=PANEL)


def render_confirm(target: str, question: str, yes: str, no: str) -> bool:
    """A question with two buttons; True when `yes` was pressed (`no` closes the question)."""
    st.warning(question)
    with st.container(horizontal=True, gap="small"):
        pressed = st.button(yes, type="primary", key=f"account.yes.{target}")
        st.button(no, key=f"account.no.{target}", on_click=close_panel, args=(CONFIRM,))
    return pressed


def render_move(
    actor: Actor, kind: ContactKind, contact_id: int, guardians: dict[int, str]
) -> None:
    """Move an unassigned value to a guardian whose details the primary guardian keeps."""
    if not guardians:
        return
    target = f"{kind}.{contact_id}"
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        chosen = st.selectbox(
            "Belongs to",
            list(guardians),
            index=None,
            format_func=guardians.get,
            placeholder="Choose a guardian",
            key=f"account.move_to.{target}",
        )
        move = st.button("Move", key=f"account.move.{target}", icon=":material/person_pin:")
    if not move:
        return
    if chosen is None:
        st.error("Choose the guardian this belongs to.")
        return
    run_then_rerun(
        lambda db: reassign_contact(db, actor, kind, contact_id, chosen),
        f"Moved to {escape_markdown(guardians[chosen])}.",
    )
