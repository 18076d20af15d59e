"""The attendance rate every page shows: attended (present or makeup) out of recorded
(present, absent, excused or makeup); unmarked classes do not count (docs/decisions.md,
"Attendance rate")."""

from __future__ import annotations

from dataclasses import dataclass

from data.models import AttendanceStatus

ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.MAKEUP})
RECORDED = ATTENDED | {AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED}


@dataclass(frozen=True)
class AttendanceRate:
    attended: int  # present + makeup
    recorded: int  # present + absent + excused + makeup

    @property
    def rate(self) -> float | None:
        """A share for display only (0.0–1.0); None when nothing was recorded."""
        return self.attended / self.recorded if self.recorded else None
