"""Tell the local Stripe test server (localstripe) where to send webhook events.

.venv/bin/python scripts/register_webhook.py \
    http://127.0.0.1:8420 http://127.0.0.1:8501/webhooks/stripe whsec_…

Only for the demo and tests: real Stripe webhooks are set up in the Stripe dashboard (README).
Retries for up to 30 s while the test server starts.
"""

from __future__ import annotations

import sys
import time

import requests


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    stripe_url, webhook_url, secret = argv
    deadline = time.monotonic() + 30
    while True:
        try:
            response = requests.post(
                f"{stripe_url}/_config/webhooks/cartwheel",
                data={"url": webhook_url, "secret": secret},
                timeout=5,
            )
            response.raise_for_status()
            return 0
        except requests.RequestException as problem:
            if time.monotonic() > deadline:
                print(f"Could not register the webhook with {stripe_url}: {problem}")
                return 1
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
