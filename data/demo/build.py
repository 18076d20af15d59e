"""build_demo: fill an empty, migrated database with the demo gym, fast and reproducibly."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date
from random import Random

import services.kernel.clock as clock
from data.demo.catalog import build_catalog
from data.demo.enrollments import place_students
from data.demo.history import add_history
from data.demo.ledger import add_ledgers
from data.demo.loader import Loader, without_gc
from data.demo.passes import add_passes
from data.demo.plan import SCALES, Context
from data.demo.population import add_random_families
from data.demo.progress import add_evaluations
from data.demo.requests import add_requests
from data.demo.schedule import build_schedule
from data.demo.showcase import add_showcase_extras, add_showcase_family, shape_history
from data.demo.writer import BulkWriter
from data.migrate import upgrade
from data.password_hashing import hash_password


@dataclass(frozen=True)
class DemoReport:
    scale: str
    seed: int
    today: date
    counts: dict[str, int]  # rows written per table
    seconds: float

    def summary(self) -> str:
        rows = "\n".join(f"  {name:<20} {count:>10,}" for name, count in self.counts.items())
        return (
            f"Built the {self.scale} demo gym (seed {self.seed}, today {self.today}) in "
            f"{self.seconds:.1f} s:\n{rows}"
        )


def build_demo(
    url: str, scale: str = "small", seed: int = 7, today: date | None = None
) -> DemoReport:
    """Migrate the database at `url` and fill it with the demo gym at `scale`.

    The same (scale, seed, today) always gives the same rows (password hashes aside, which
    are salted). Raises DatabaseNotEmpty when the database already holds data.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    today = today or clock.now().date()
    started = time.perf_counter()
    upgrade(url)
    loader = Loader(url)
    try:
        loader.wait_until_ready()
        writer = BulkWriter(loader.rows)
        # Accounts other than the four demo logins share one hash of a secret nobody keeps.
        locked = hash_password(secrets.token_urlsafe(32))
        ctx = Context(
            rng=Random(seed),
            today=today,
            scale=SCALES[scale],
            writer=writer,
            locked_password_hash=locked,
        )
        with without_gc():
            _generate(ctx)
        writer.flush()
        loader.finish(writer.last_ids)
    finally:
        loader.close()
    return DemoReport(scale, seed, today, writer.written(), time.perf_counter() - started)


def _generate(ctx: Context) -> None:
    scale = ctx.scale
    ctx.catalog = build_catalog(ctx)
    ctx.schedule = build_schedule(ctx)
    showcase = add_showcase_family(ctx)
    shown = len(showcase.students)
    add_random_families(
        ctx, scale.families - 1, scale.students - shown, scale.active_students - shown
    )
    place_students(ctx)
    shape_history(ctx, showcase)
    add_history(ctx)
    add_showcase_extras(ctx, showcase)
    add_evaluations(ctx)
    add_requests(ctx)
    add_passes(ctx)
    add_ledgers(ctx)
