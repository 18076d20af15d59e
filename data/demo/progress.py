"""Skill evaluations: the levels students held in the last year, newest row = current status."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby

from data.demo.names import EVALUATION_NOTES
from data.demo.plan import Context, EnrollmentPlan, StudentPlan
from data.models import SkillStatus

HISTORY_DAYS = 365
WEEKS_TO_MASTER_A_LEVEL = 30


def _day_between(ctx: Context, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=ctx.rng.randrange((last - first).days + 1))


def _evaluate(
    ctx: Context,
    student: StudentPlan,
    skill_id: int,
    status: SkillStatus,
    day: date,
    instructor: str,
) -> None:
    ctx.writer.add(
        "evaluations",
        {
            "id": ctx.writer.new_id("evaluations"),
            "student_id": student.id,
            "skill_id": skill_id,
            "status": status,
            "evaluated_on": day,
            "instructor_name": instructor,
            "note": ctx.rng.choice(EVALUATION_NOTES),
        },
    )


def _level_stint(ctx: Context, stint: list[EnrollmentPlan], moved_up: bool) -> None:
    rng = ctx.rng
    first, last = stint[0], stint[-1]
    student, slot = first.student, last.slot
    end = min(last.end or ctx.yesterday, ctx.yesterday)
    progress = min(1.0, (end - first.start).days / 7 / WEEKS_TO_MASTER_A_LEVEL)
    for skill_id in slot.level.skill_ids:
        if moved_up:
            recent = max(first.start, end - timedelta(days=21))
            status, day = SkillStatus.MASTERED, _day_between(ctx, recent, end)
        else:
            r = rng.random()
            status = (
                SkillStatus.MASTERED
                if r < progress * 0.7
                else SkillStatus.IN_PROGRESS
                if r < progress * 0.7 + 0.35
                else SkillStatus.NOT_STARTED
            )
            day = _day_between(ctx, first.start, end)
        if status is SkillStatus.MASTERED and (day - first.start).days >= 14 and rng.random() < 0.3:
            earlier = _day_between(ctx, first.start, day - timedelta(days=7))
            _evaluate(ctx, student, skill_id, SkillStatus.IN_PROGRESS, earlier, slot.instructor)
        _evaluate(ctx, student, skill_id, status, day, slot.instructor)


def add_evaluations(ctx: Context) -> None:
    horizon = ctx.today - timedelta(days=HISTORY_DAYS)
    for family in ctx.families:
        for student in family.students:
            for chain in student.chains:
                stints = [
                    list(g) for _, g in groupby(chain.enrollments, key=lambda e: e.slot.level.id)
                ]
                for i, stint in enumerate(stints):
                    if (stint[-1].end or ctx.today) < horizon or stint[0].start >= ctx.today:
                        continue
                    nxt = stints[i + 1][0].slot.level if i + 1 < len(stints) else None
                    level = stint[0].slot.level
                    moved_up = (
                        nxt is not None
                        and nxt.program == level.program
                        and nxt.position > level.position
                    )
                    _level_stint(ctx, stint, moved_up)
