#!/usr/bin/env bash
# Start the local Stripe test server (localstripe, 127.0.0.1 only) and serve Cartwheel.
# Called by `make run`; extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8501}"
ADDRESS="${ADDRESS:-127.0.0.1}"
STRIPE_PORT="${STRIPE_PORT:-8420}"
BIN=.venv/bin
# E-mailed links (invitations, password resets) point here unless set otherwise.
export CARTWHEEL_BASE_URL="${CARTWHEEL_BASE_URL:-http://localhost:$PORT}"

# The demo's sign-ins and password are in the README: never serve them beyond this machine
# unless the owner confirms it (CARTWHEEL_ALLOW_PUBLIC_DEMO=1).
"$BIN/python" -m scripts.public_demo_check "$ADDRESS"

STRIPE_PID=""
if [ -z "${CARTWHEEL_STRIPE_SECRET_KEY:-}" ]; then
  # No real Stripe keys: use the local Stripe test server with test-only API keys (not
  # secrets). Its webhook secret is random per install (data/stripe_webhook_secret).
  "$BIN/python" scripts/localstripe_server.py --port "$STRIPE_PORT" &
  STRIPE_PID=$!
  export CARTWHEEL_STRIPE_SECRET_KEY="sk_test_cartwheel_demo"
  export CARTWHEEL_STRIPE_PUBLISHABLE_KEY="pk_test_cartwheel_demo"
  CARTWHEEL_STRIPE_WEBHOOK_SECRET="$("$BIN/python" -m scripts.local_secrets webhook)"
  export CARTWHEEL_STRIPE_WEBHOOK_SECRET
  export CARTWHEEL_STRIPE_API_BASE="http://127.0.0.1:$STRIPE_PORT"
  export CARTWHEEL_STRIPE_JS_URL="http://127.0.0.1:$STRIPE_PORT/js.stripe.com/v3/"
  "$BIN/python" scripts/register_webhook.py "http://127.0.0.1:$STRIPE_PORT" \
    "http://127.0.0.1:$PORT/webhooks/stripe" "$CARTWHEEL_STRIPE_WEBHOOK_SECRET" &
  # The test server starts empty: give the demo family its saved card again.
  "$BIN/python" -m scripts.demo_card "$CARTWHEEL_STRIPE_API_BASE" \
    || echo "The demo family's test card could not be saved; add one on Billing."
fi
trap '[ -n "$STRIPE_PID" ] && kill "$STRIPE_PID" 2>/dev/null || true' EXIT INT TERM

"$BIN/python" - <<'PY'
from data.demo import DEMO_LOGINS, DEMO_PASSWORD

print("Demo logins (password for all: %s):" % DEMO_PASSWORD)
for email, who in DEMO_LOGINS:
    print(f"  {email:<24} {who}")
PY
if [ -n "$STRIPE_PID" ]; then
  echo "Local Stripe test server: http://127.0.0.1:$STRIPE_PORT (test card: 4242 4242 4242 4242)"
fi
echo "Cartwheel: http://localhost:$PORT   (Ctrl+C stops both)"
echo

"$BIN/streamlit" run app.py --server.port "$PORT" --server.address "$ADDRESS" "$@"
