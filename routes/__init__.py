"""HTTP routes served beside the Streamlit pages by `st.App` (see app.py)."""

from starlette.routing import Route

from routes.auth import sign_out_cookie, trade_grant_for_cookie
from routes.calendar import PATH as CALENDAR_PATH
from routes.calendar import student_calendar_feed
from routes.health import healthz
from routes.webhooks import PATH as STRIPE_WEBHOOK_PATH
from routes.webhooks import stripe_webhook

ROUTES = [
    Route("/auth/session", trade_grant_for_cookie, methods=["POST"]),
    Route("/auth/sign-out", sign_out_cookie, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route(STRIPE_WEBHOOK_PATH, stripe_webhook, methods=["POST"]),
    Route(CALENDAR_PATH, student_calendar_feed, methods=["GET"]),
]
