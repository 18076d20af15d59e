"""The token policy for reported absences: with makeup tokens on, a regular or trial meeting
reported at least `makeup_notice_hours` before it starts earns one makeup token at the class's
location, usable for `makeup_token_expiry_days`; makeup visits earn none (cancelling the makeup
returns its token instead).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from data.models import Student, TokenState
from services.kernel import clock
from services.kernel.settings import PortalSettings
from services.makeups.absence_meetings import _Meeting
from services.makeups.wording import short_day


def _no_token_reason(
    meeting: _Meeting, settings: PortalSettings, reported_at: datetime
) -> str | None:
    if not settings.makeup_tokens_enabled:
        return None
    if meeting.is_makeup_visit:
        return "a makeup visit does not earn a token"
    if meeting.starts_at - reported_at < timedelta(hours=settings.makeup_notice_hours):
        return f"reported less than {settings.makeup_notice_hours} hours before class"
    return None


def _token_values(student: Student, meeting: _Meeting, settings: PortalSettings) -> dict[str, Any]:
    """The columns of the token an absence from `meeting` earns (issued today at the class's
    location)."""
    issued = clock.today_in(meeting.timezone)
    return {
        "family_id": student.family_id,
        "student_id": student.id,
        "location_id": meeting.location_id,
        "state": TokenState.AVAILABLE,
        "issued_on": issued,
        "expires_on": issued + timedelta(days=settings.makeup_token_expiry_days),
        "source_note": (
            f"Absence from {meeting.class_name} on {short_day(meeting.day)} {meeting.day.year}"
        )[:300],
    }
