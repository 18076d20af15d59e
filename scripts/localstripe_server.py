"""Start localstripe (a Stripe API test server) on 127.0.0.1 only.

The stock `localstripe` command listens on every interface and keeps its state in a fixed
file (/tmp/localstripe.pickle) that two instances would share; this launcher binds loopback
and keeps the state in memory, so the demo and the test suite each get their own server.

    python scripts/localstripe_server.py --port 8420
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    # In-memory state only: nothing is shared with other localstripe processes.
    resources.store.dump_to_disk = lambda: None  # type: ignore[method-assign]
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
