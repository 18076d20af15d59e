"""`POST /webhooks/stripe`: Stripe's event notifications (services.billing.gateway_events).

A bad signature answers 400 and changes nothing; an event we could not apply answers 500 so
Stripe retries it later; a repeated event answers 200 and changes nothing.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from data.db import session_scope
from services.billing.gateway_events import EventResult, handle_stripe_webhook
from services.billing.payments import GatewayError, GatewayRejected, gateway_from_env

PATH = "/webhooks/stripe"
MAX_BODY_BYTES = 512 * 1024
log = logging.getLogger(__name__)


async def stripe_webhook(request: Request) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return JSONResponse({"error": "too large"}, status_code=413)
    signature = request.headers.get("stripe-signature", "")
    gateway = gateway_from_env()
    if not gateway.configured:
        return JSONResponse({"error": "payments not configured"}, status_code=404)
    try:
        result = await run_in_threadpool(_apply, gateway, body, signature)
    except GatewayRejected:
        return JSONResponse({"error": "invalid signature"}, status_code=400)
    except GatewayError:
        return JSONResponse({"error": "try again"}, status_code=500)
    except Exception:  # a database failure: Stripe retries the event later
        log.exception("webhook event could not be applied")
        return JSONResponse({"error": "try again"}, status_code=500)
    return JSONResponse({"id": result.event_id, "outcome": result.outcome})


def _apply(gateway, body: bytes, signature: str) -> EventResult:  # type: ignore[no-untyped-def]
    with session_scope() as db:
        return handle_stripe_webhook(db, gateway, body, signature)
