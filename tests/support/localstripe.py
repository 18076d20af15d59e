"""A real localstripe process (a Stripe API test server) on 127.0.0.1 for the payment tests.

Our code talks to it through the official SDK, exactly as it talks to Stripe. The test-side
helpers below play the browser's part: `confirm_setup` sends the card number straight to the
server the way Stripe.js does (Cartwheel's server never sees it), and `signed_event` builds a
webhook delivery signed with the webhook secret for the events localstripe does not emit
(refunds).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from services.billing.payments import StripeConfig, StripeGateway
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_cartwheel_tests"
PUBLISHABLE_KEY = "pk_test_cartwheel_tests"
WEBHOOK_SECRET = "whsec_cartwheel_tests"

VISA = "4242424242424242"
DECLINED_AT_SAVE = "4000000000000002"
DECLINED_AT_CHARGE = "4000000000000341"
NEEDS_AUTHENTICATION = "4000002500003155"


@dataclass
class LocalStripe:
    url: str
    process: subprocess.Popen[bytes]

    def config(self) -> StripeConfig:
        return StripeConfig(
            secret_key=SECRET_KEY,
            publishable_key=PUBLISHABLE_KEY,
            webhook_secret=WEBHOOK_SECRET,
            api_base=self.url,
            js_url=f"{self.url}/js.stripe.com/v3/",
            sends_off_session=False,  # localstripe refuses it on confirm
        )

    def gateway(self) -> StripeGateway:
        return StripeGateway(self.config())

    def env(self) -> dict[str, str]:
        """The environment that points the app at this server."""
        return {
            "CARTWHEEL_STRIPE_SECRET_KEY": SECRET_KEY,
            "CARTWHEEL_STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "CARTWHEEL_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "CARTWHEEL_STRIPE_API_BASE": self.url,
            "CARTWHEEL_STRIPE_JS_URL": f"{self.url}/js.stripe.com/v3/",
        }

    def _post(self, path: str, data: dict[str, Any], *, key: str = SECRET_KEY) -> Any:
        response = requests.post(
            f"{self.url}{path}",
            json=data,
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        return response.status_code, response.json() if response.content else {}

    def confirm_setup(self, client_secret: str, number: str) -> tuple[int, dict[str, Any]]:
        """What Stripe.js's confirmCardSetup does in the browser (publishable key only)."""
        setup_intent_id = client_secret.split("_secret_")[0]
        response = requests.post(
            f"{self.url}/v1/setup_intents/{setup_intent_id}/confirm",
            data=json.dumps(
                {
                    "key": PUBLISHABLE_KEY,
                    "client_secret": client_secret,
                    "payment_method_data": {
                        "type": "card",
                        "card": {
                            "number": number,
                            "exp_month": 12,
                            "exp_year": 2030,
                            "cvc": "123",
                        },
                    },
                }
            ),
            timeout=10,
        )
        return response.status_code, response.json()

    def refund(self, payment_intent_id: str, amount_cents: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"payment_intent": payment_intent_id}
        if amount_cents is not None:
            data["amount"] = amount_cents
        status, body = self._post("/v1/refunds", data)
        assert status == 200, body
        return body

    def payment_intent(self, intent_id: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.url}/v1/payment_intents/{intent_id}",
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
            timeout=10,
        )
        return response.json()

    def register_webhook(self, url: str) -> None:
        status, body = self._post(
            "/_config/webhooks/cartwheel", {"url": url, "secret": WEBHOOK_SECRET}
        )
        assert status == 200, body

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def signed_event(event_type: str, obj: dict[str, Any], *, event_id: str) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, signed like Stripe signs them."""
    payload = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    ).encode()
    stamp = int(time.time())
    digest = hmac.new(
        WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return payload, f"t={stamp},v1={digest}"


def start_localstripe() -> LocalStripe:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "localstripe_server.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/js.stripe.com/v3/", timeout=1)
            return LocalStripe(url, process)
        except requests.ConnectionError:
            if process.poll() is not None:
                raise RuntimeError("localstripe exited at start-up") from None
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("localstripe did not start within 30 s")


def running_localstripe() -> Iterator[LocalStripe]:
    server = start_localstripe()
    try:
        yield server
    finally:
        server.stop()


class LosingProxy:
    """A real HTTP proxy in front of localstripe that forwards every request but, for paths
    matching `lose`, drops the answer (closes the connection): the request reached Stripe and
    took effect, and the caller never heard back — the case reconciliation exists for."""

    def __init__(self, target: str, lose: str) -> None:
        import re
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        pattern = re.compile(lose)

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in {"host", "content-length"}
                }
                answer = requests.request(
                    self.command, target + self.path, data=body, headers=headers, timeout=10
                )
                if pattern.search(self.path):
                    self.close_connection = True
                    return  # the answer is lost on the way back
                self.send_response(answer.status_code)
                self.send_header(
                    "Content-Type", answer.headers.get("Content-Type", "application/json")
                )
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def gateway(self) -> StripeGateway:
        return StripeGateway(
            StripeConfig(
                SECRET_KEY,
                PUBLISHABLE_KEY,
                WEBHOOK_SECRET,
                api_base=self.url,
                sends_off_session=False,
            )
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
