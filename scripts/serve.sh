#!/usr/bin/env bash
# Start the local Stripe test server (localstripe, 127.0.0.1 only) and serve Cartwheel.
# Called by `make run`; extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8501}"
ADDRESS="${ADDRESS:-127.0.0.1}"
STRIPE_PORT="${STRIPE_PORT:-8420}"
BIN=.venv/bin

.venv/bin/python scripts/localstripe_server.py --port "$STRIPE_PORT" &
STRIPE_PID=$!
trap 'kill "$STRIPE_PID" 2>/dev/null || true' EXIT INT TERM

"$BIN/python" - <<'PY'
from data.demo import DEMO_LOGINS, DEMO_PASSWORD

print("Demo logins (password for all: %s):" % DEMO_PASSWORD)
for email, who in DEMO_LOGINS:
    print(f"  {email:<24} {who}")
PY
echo "Local Stripe test server: http://127.0.0.1:$STRIPE_PORT"
echo "Cartwheel: http://localhost:$PORT   (Ctrl+C stops both)"
echo

"$BIN/streamlit" run app.py --server.port "$PORT" --server.address "$ADDRESS" "$@"
