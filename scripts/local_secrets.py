"""Secrets that `make run` generates once per install and keeps beside data/secret_key.

    .venv/bin/python -m scripts.local_secrets webhook   # prints the local Stripe webhook secret

The demo's local Stripe test server signs webhook events with this secret; a secret shared by
every install would let anyone who can reach /webhooks/stripe sign events. The file is
git-ignored and readable by its owner only (mode 0600).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
WEBHOOK_SECRET_FILE = DATA / "stripe_webhook_secret"


def webhook_secret(path: Path = WEBHOOK_SECRET_FILE) -> str:
    """This install's webhook secret (`whsec_…`), created on first use."""
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(f"whsec_{secrets.token_urlsafe(32)}\n")
    value = path.read_text(encoding="ascii").strip()
    if not value.startswith("whsec_") or len(value) < 32:
        raise RuntimeError(f"{path} holds no usable webhook secret; delete it to make a new one.")
    return value


def main(argv: list[str]) -> int:
    if argv != ["webhook"]:
        print(__doc__)
        return 2
    print(webhook_secret())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
