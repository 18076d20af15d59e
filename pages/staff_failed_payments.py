"""Failed payments: automatic payments that did not go through, newest first; staff see the
families of their locations, admins all. Each links to the family at the desk."""

import streamlit as st

from components.actions import run_action
from components.auth import current_actor
from components.formatting import escape_markdown, format_moment
from services.billing.failed_payments import failed_autopay_payments
from services.kernel.money import format_cents

FAMILY_KEY = "families.open"  # what pages/staff_families.py opens

actor = current_actor()
st.title("Failed payments")
st.caption(
    "Automatic payments that were declined or could not be made. The primary guardian was "
    "e-mailed a link to pay on Billing; autopay tries again on the retry days."
)
query = st.text_input("Search by family name", key="failed.query", max_chars=100)
number = st.number_input("Page", min_value=1, max_value=10_000, step=1, key="failed.page")
listing = run_action(lambda db: failed_autopay_payments(db, actor, query=query, page=int(number)))
if listing is None:
    st.stop()
if not listing.rows:
    st.info("No failed payments match that search." if query.strip() else "No failed payments.")
    st.stop()
for row in listing.rows:
    with st.container(border=True):
        st.markdown(
            f"**{escape_markdown(row.family_name)}** · "
            f"{escape_markdown(format_cents(row.amount_cents, row.currency))} · "
            f"{escape_markdown(row.card)}"
        )
        st.caption(
            f"{format_moment(row.failed_at, listing.timezone)} · try {row.try_number} "
            f"for {row.period}"
        )
        st.write(escape_markdown(row.reason))
        owed = format_cents(row.still_owed_cents, row.currency)
        st.caption(f"Owed now: {owed}" if row.still_owed_cents else "Paid since.")
        if st.button("Open the family", key=f"failed.open.{row.attempt_id}"):
            st.session_state[FAMILY_KEY] = row.family_id
            st.switch_page("../pages/staff_families.py")  # from the router, components/shell.py
st.caption(f"Page {listing.page} of {listing.page_count} · {listing.total} in all")
