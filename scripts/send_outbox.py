"""Send the outbox's queued e-mails through the SMTP server in CARTWHEEL_SMTP_URL.

.venv/bin/python -m scripts.send_outbox              # one pass
.venv/bin/python -m scripts.send_outbox --loop       # a pass every 30 seconds until stopped
.venv/bin/python -m scripts.send_outbox --loop 10    # … every 10 seconds

The scheduled job "outbox" already sends every 30 seconds when SMTP is configured (in the app
server, or `python -m scripts.run_jobs`); this script flushes the queue by hand or sends from
a process of its own. Running both at once is safe: each message is claimed by one sender.
"""

from __future__ import annotations

import argparse
import sys
import time

from data.config import load_secrets_file
from data.db import session_scope
from services.messages.mailer import (
    SENDER_INTERVAL_SECONDS,
    SMTP_URL_ENV,
    send_queued,
    smtp_config_from_env,
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts.send_outbox", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--loop",
        nargs="?",
        type=float,
        const=SENDER_INTERVAL_SECONDS,
        metavar="SECONDS",
        help=f"keep sending, a pass every SECONDS (default {SENDER_INTERVAL_SECONDS:g})",
    )
    parser.add_argument("--limit", type=int, default=50, help="messages per pass (default 50)")
    args = parser.parse_args(argv)
    if args.limit < 1 or (args.loop is not None and args.loop <= 0):
        parser.error("--limit and --loop need positive numbers")
    load_secrets_file()
    try:
        config = smtp_config_from_env()
    except ValueError as misconfigured:
        print(misconfigured, file=sys.stderr)
        return 2
    if config is None:
        print(f"{SMTP_URL_ENV} is not set: e-mails stay in the outbox.", file=sys.stderr)
        return 2
    try:
        while True:
            with session_scope() as db:
                report = send_queued(db, config, limit=args.limit)
            print(f"Sent {report.sent}, failed {report.failed}.", flush=True)
            if args.loop is None:
                return 1 if report.failed else 0
            time.sleep(args.loop)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
