"""One class's waitlist in order, with "Enroll next" when a seat is open: one button gives
the first student a place from the next class and e-mails the family."""

from __future__ import annotations

import streamlit as st

from components.actions import run_action, run_then_rerun
from components.formatting import escape_markdown, format_date
from components.seats import seats_label
from services.backoffice.class_list import ClassRow
from services.classes.enroll import class_waitlist, enroll_next
from services.kernel.access import Actor


def render_class_waitlist(actor: Actor, row: ClassRow) -> None:
    st.markdown(
        f"**{escape_markdown(row.name)}** · "
        + escape_markdown(f"{row.enrolled} / {row.capacity} · {seats_label(row.open_seats)}")
    )
    waiting = run_action(lambda db: class_waitlist(db, actor, row.class_id))
    if not waiting:
        if waiting is not None:
            st.caption("Nobody is on this class's waitlist.")
        return
    for entry in waiting:
        st.write(
            escape_markdown(
                f"{entry.position}. {entry.student_name} (since {format_date(entry.joined_on)})"
            )
        )
    if row.open_seats <= 0:
        st.caption("Enroll next appears when a seat opens.")
        return
    first = waiting[0].student_name
    if st.button(f"Enroll next: {first}", key=f"waitlist.{row.class_id}.next", type="primary"):
        run_then_rerun(
            lambda db: enroll_next(db, actor, row.class_id),
            lambda view: (
                f"{first} has a place in {view.class_name} from {format_date(view.start_date)}; "
                "the family was e-mailed."
            ),
        )
