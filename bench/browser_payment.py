"""Make Payment → receipt, timed in Chromium against localstripe (a Stripe API test server).

The parent pays a small amount with a saved card. The card is entered once in Stripe's element
(localstripe's Stripe.js stand-in, in the app's iframe), untimed, as
tests/browser/test_billing_journey.py does. Payments are written to the database (ledger,
payment attempts, outbox), so this server runs on a throwaway copy of the bench's SQLite file,
never on the cached database the other steps and later runs read.

Timed per repetition (the amount typed in between is not timed: it is the person's typing):
**pay: Make Payment → form** (click → the Amount box), **pay: Review payment → confirm**
(click → the dialog's "You will be charged …"), **pay: Pay → receipt** (click → "Payment
received: …" with Streamlit idle; the page charges the card through localstripe, then reruns)
and **Make Payment → receipt**, the sum of those three clicks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from bench.browser_nav import context_options, goto, nav_titles, sign_in
from bench.browser_steps import FrameCounter, Sample, StepResult, cold_load, describe, timed
from bench.server_process import Server, start_server

AMOUNT = "1.00"
RECEIPT = "Payment received: $1.00."
CARD = ("4242424242424242", "12", "30", "123", "60601")  # Visa test card, expiry, cvc, ZIP
WHOLE = "Make Payment → receipt"
PARTS = ("pay: Make Payment → form", "pay: Review payment → confirm", "pay: Pay → receipt")


@contextmanager
def payment_server(database_url: str, logs: Path) -> Iterator[Server]:
    """localstripe on a free 127.0.0.1 port, and the app on a copy of the database with the
    Stripe settings pointing at it (the same variables as the browser tests)."""
    from tests.support.localstripe import start_localstripe

    copy = _copy_database(database_url)
    try:
        stripe = start_localstripe()
        try:
            log = logs / "browser-payment.log"
            server = start_server(f"sqlite:///{copy}", log, env=stripe.env())
            try:
                stripe.register_webhook(f"http://127.0.0.1:{server.port}/webhooks/stripe")
                yield server
            finally:
                server.stop()
        finally:
            stripe.stop()
    finally:
        for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            path.unlink(missing_ok=True)


def _copy_database(database_url: str) -> Path:
    """A consistent copy through SQLite's backup API: a plain file copy would miss what is
    still in the write-ahead log (the migrations and clean-up of `sqlite_database`)."""
    if not database_url.startswith("sqlite:///"):
        raise ValueError("the payment step runs on a copy of the SQLite bench database")
    source = Path(database_url.removeprefix("sqlite:///"))
    copy = source.with_name(f"payment-{source.name}")
    copy.unlink(missing_ok=True)  # left by a run that was killed
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(copy)) as target:
        original.backup(target)
    return copy


def pay_steps(page: Any, counter: FrameCounter, reps: int, steps: dict[str, StepResult]) -> None:
    """Billing (untimed), the card saved once if there is none (untimed), one untimed payment
    to warm the path up, then `reps` timed payments."""
    titles = nav_titles(page)
    goto(page, counter, titles, "Billing", {})
    page.get_by_role("heading", name="Billing").first.wait_for()
    if page.get_by_text("No payment methods on file.").count():
        add_card(page)
    pay_once(page, counter)
    whole = steps.setdefault(WHOLE, StepResult())
    for _ in range(reps):
        failed = len(whole.errors)
        whole.add(lambda: whole_payment(pay_once(page, counter, steps)))
        if len(whole.errors) > failed:  # a dialog or message may be left open: start afresh
            page.reload()
            page.get_by_role("heading", name="Billing").first.wait_for()


def pay_once(
    page: Any, counter: FrameCounter, steps: dict[str, StepResult] | None = None
) -> list[Sample]:
    """One payment of `AMOUNT`; each timed part is returned and added to `steps` (if given)."""
    parts: list[Sample] = []
    steps = {} if steps is None else steps
    dialog = page.get_by_role("dialog")
    amount = page.get_by_role("textbox", name="Amount")
    actions = (
        (page.get_by_role("button", name="Make Payment"), amount),
        (
            page.get_by_role("button", name="Review payment"),
            dialog.get_by_text(f"You will be charged ${AMOUNT}"),
        ),
        (dialog.get_by_role("button", name=f"Pay ${AMOUNT}"), page.get_by_text(RECEIPT)),
    )
    for name, (button, ready) in zip(PARTS, actions, strict=True):
        if name == PARTS[1]:
            amount.fill(AMOUNT)  # the person's typing: not timed
        sample = timed(counter, button.click, ready)
        steps.setdefault(name, StepResult()).samples.append(sample)
        parts.append(sample)
    page.get_by_role("button", name="Dismiss").click()  # back to the page as it was
    page.get_by_text(RECEIPT).wait_for(state="detached")
    return parts


def whole_payment(parts: list[Sample]) -> Sample:
    """The three clicks of one payment as one step (the typing between them left out)."""
    return Sample(
        sum(p.ms for p in parts), sum(p.bytes for p in parts), sum(p.messages for p in parts)
    )


def add_card(page: Any) -> None:
    """Save the Visa test card in Stripe's element, as a person would (untimed)."""
    page.get_by_role("button", name="Add Payment Method").click()
    frame = page.frame_locator('iframe[title="components.card_element.card_element"]')
    fields = ("number", "exp_month", "exp_year", "cvc", "postal_code")
    for placeholder, value in zip(fields, CARD, strict=True):
        frame.locator(f'input[placeholder="{placeholder}"]').fill(value)
    frame.get_by_role("button", name="Save card").click()
    page.get_by_text("Saved Visa •••• 4242.").wait_for(timeout=30_000)


def run_payment(
    browser: Any, server: Server | str, viewport: dict[str, int], login: str, reps: int
) -> dict[str, Any]:
    """Make Payment → receipt and its parts (bench/browser_payment.py), in one signed-in
    context; sign-in, the Billing page and the saved card are not timed."""
    from data.demo import DEMO_PASSWORD

    if isinstance(server, str):
        return {WHOLE: StepResult(skipped=server).as_dict()}
    steps: dict[str, StepResult] = {}
    context = browser.new_context(**context_options(viewport))
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        counter = FrameCounter(page)
        cold_load(page, f"http://127.0.0.1:{server.port}", page.get_by_label("E-mail"))
        sign_in(page, counter, "parent", (login, DEMO_PASSWORD), {})
        pay_steps(page, counter, reps, steps)
    except Exception as failed:  # kept with its message
        steps.setdefault(WHOLE, StepResult()).errors.append(describe(failed))
    finally:
        context.close()
    return {name: result.as_dict() for name, result in steps.items()}
