"""Run Cartwheel's scheduled jobs from cron or a systemd timer (or by hand).

.venv/bin/python -m scripts.run_jobs               # run the jobs that are due, then exit
.venv/bin/python -m scripts.run_jobs --job outbox  # run one job now, due or not
.venv/bin/python -m scripts.run_jobs --loop        # check every 5 seconds until stopped
.venv/bin/python -m scripts.run_jobs --list        # the jobs, their cadence, and why one is off

Safe beside the app server's own job thread and beside other copies of itself: each job's
period is claimed by one process only (docs/configuration.md, "Scheduled jobs"). Exits 1 when
a job failed (its error is printed and on the admin's Scheduled jobs page), 2 when refused.
"""

from __future__ import annotations

import argparse
import sys
import time

from data.config import load_secrets_file
from data.db import session_scope
from services.kernel.access import scheduler_actor
from services.kernel.errors import DomainError
from services.kernel.settings import get_settings
from services.operations.job_registry import JOBS
from services.operations.job_runner import TICK_SECONDS, RunOutcome, run_due_jobs, run_job_now


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts.run_jobs", description=__doc__.split("\n")[0])
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--job", metavar="NAME", help="run this job now, due or not")
    choice.add_argument(
        "--loop",
        nargs="?",
        type=float,
        const=TICK_SECONDS,
        metavar="SECONDS",
        help=f"keep running due jobs, checking every SECONDS (default {TICK_SECONDS:g})",
    )
    choice.add_argument("--list", action="store_true", help="list the jobs and exit")
    args = parser.parse_args(argv)
    if args.loop is not None and args.loop <= 0:
        parser.error("--loop needs a positive number of seconds")
    load_secrets_file()
    if args.list:
        return _list()
    actor = scheduler_actor()
    try:
        while True:
            with session_scope() as db:
                if args.job is not None:
                    outcomes = [run_job_now(db, actor, args.job)]
                else:
                    outcomes = run_due_jobs(db, actor)
            for outcome in outcomes:
                print(_line(outcome), flush=True)
            if args.loop is None:
                return 1 if any(o.status == "failed" for o in outcomes) else 0
            time.sleep(args.loop)
    except DomainError as refused:
        print(refused.message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _list() -> int:
    with session_scope() as db:
        time_zone = get_settings(db).time_zone
    for job in JOBS:
        reason = job.not_ready()
        state = f" — not run here: {reason}" if reason else ""
        print(f"{job.name}: {job.title}, {job.cadence.describe(time_zone)}{state}")
    return 0


def _line(outcome: RunOutcome) -> str:
    counts = ", ".join(f"{name} {value}" for name, value in outcome.counts.items())
    detail = outcome.error or counts or "nothing to count"
    return f"{outcome.job_name}: {outcome.status} ({detail})"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
