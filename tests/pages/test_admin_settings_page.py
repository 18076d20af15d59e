"""The admin's Portal settings page: changes apply to parents at once and are audited."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry, Role
from services.kernel.settings import SETTING_NAMES, get_settings
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts


def _gym(db: Session) -> None:
    north = f.location(db, "Northside")
    beam = f.gym_class(db, north, name="Beam Basics", weekday=3, start=time(16, 0))
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    f.enroll(db, f.student(db, fam, "Maya"), beam)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    f.staff(db, "desk@example.com", [north])
    db.commit()


def _settings_page(db: Session, email: str = "owner@example.com"):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page("../pages/admin_settings.py").run()
    assert not at.exception
    return at


def test_every_setting_has_a_widget_grouped_by_topic(app_db: Session) -> None:
    _gym(app_db)
    at = _settings_page(app_db)
    kinds = ("toggle", "number_input", "text_input", "selectbox")
    keys = {w.key for kind in kinds for w in at.get(kind)}
    assert {f"settings.{name}" for name in SETTING_NAMES} <= keys
    headers = [s.value for s in at.header]  # sections are h2 under the page's h1 (issue 18)
    assert headers[:3] == ["Class registration", "Makeups", "Absences"]


def test_turning_off_drop_hides_drop_from_parents_and_is_audited(app_db: Session) -> None:
    _gym(app_db)
    at = _settings_page(app_db)
    at.toggle(key="settings.allow_drop").set_value(False)
    at.button(key="FormSubmitter:portal_settings-Save settings").click().run()
    assert not at.exception
    assert "Saved 1 change." in texts(at)
    app_db.rollback()
    assert get_settings(app_db).allow_drop is False
    assert (
        app_db.scalar(select(AuditEntry.entity_id).where(AuditEntry.action == "setting.changed"))
        == "allow_drop"
    )
    parent = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    parent.switch_page("../pages/students.py").run()
    assert "Drop" not in [b.label for b in parent.button]


def test_saving_without_changes_writes_nothing(app_db: Session) -> None:
    _gym(app_db)
    at = _settings_page(app_db)
    at.button(key="FormSubmitter:portal_settings-Save settings").click().run()
    assert "Nothing changed." in texts(at)
    app_db.rollback()
    assert (
        app_db.scalar(select(AuditEntry.id).where(AuditEntry.action == "setting.changed")) is None
    )


def test_staff_who_are_not_admins_have_no_settings_page(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    try:
        at.switch_page("../pages/admin_settings.py")
    except ValueError:
        return
    at.run()
    assert "Portal settings" not in texts(at)
