"""Fill a database with the demo gym.

`python -m data.demo --scale small|large|franchise [--seed 7] [--database-url URL] [--if-empty]`
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from data.db import database_url, make_engine
from data.demo.build import build_demo
from data.demo.loader import DatabaseNotEmpty, family_count, has_data
from data.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from data.demo.plan import SCALES
from data.migrate import upgrade


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m data.demo", description="Fill an empty database with the demo gym."
    )
    parser.add_argument("--scale", choices=tuple(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: CARTWHEEL_DATABASE_URL, else the SQLite file in data/",
    )
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="place the data around this date (YYYY-MM-DD); default: today",
    )
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing, successfully, when the database already has data",
    )
    return parser.parse_args(argv)


def _families_if_filled(url: str) -> int | None:
    """The number of families when the database already has data, else None."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return family_count(conn) if has_data(conn) else None
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    url = args.database_url or database_url()
    where = url.split("@")[-1]
    if args.if_empty:
        families = _families_if_filled(url)
        if families is not None:
            print(
                f"The database already has data ({families:,} families); "
                f"leaving it as it is: {where}"
            )
            return 0
    try:
        report = build_demo(url, args.scale, args.seed, args.today)
    except DatabaseNotEmpty as exc:
        print(f"{exc}\nDatabase: {where}", file=sys.stderr)
        return 1
    print(report.summary())
    print(f"Database: {where}\nDemo sign-ins (password {DEMO_PASSWORD!r}):")
    for email, role in DEMO_LOGINS:
        print(f"  {email:<24} {role}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
