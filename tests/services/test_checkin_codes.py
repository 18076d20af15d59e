"""Signed check-in codes and their QR images, and the signing they rely on
(services.kernel.signing)."""

from __future__ import annotations

import io
import re
import stat
import threading
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from services.desk.checkin_codes import (
    CodeClaim,
    checkin_qr_png,
    read_checkin_code,
    student_checkin_code,
)
from services.kernel import signing
from services.kernel.errors import FeatureDisabled, ValidationError
from services.kernel.settings import update_settings
from tests import factories as f


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    f.use_test_secret_key(monkeypatch)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    return f.family_gym(db)


# signing


def test_a_signed_payload_verifies_for_its_purpose_only() -> None:
    token = signing.sign("checkin", "CW1.42")
    assert re.fullmatch(r"CW1\.42\.[A-Z2-7]{26}", token)
    assert signing.verify("checkin", token) == "CW1.42"
    assert signing.verify("checkin", token.lower().replace("cw1", "CW1")) == "CW1.42"
    assert signing.verify("ical", token) is None
    assert signing.sign("ical", "42") != signing.sign("checkin", "42")


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t.replace("CW1.42", "CW1.43"),
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t.rpartition(".")[0],
        lambda t: t.replace(".", "", 1),
        lambda t: "",
        lambda t: ".",
        lambda t: t[:-2] + "é" + t[-1],
        lambda t: t + "." + "A" * 600,
        lambda t: None,
        lambda t: 42,
        lambda t: t.encode(),
    ],
)
def test_forged_or_malformed_tokens_do_not_verify(forge) -> None:  # type: ignore[no-untyped-def]
    assert signing.verify("checkin", forge(signing.sign("checkin", "CW1.42"))) is None


def test_another_key_does_not_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    token = signing.sign("checkin", "CW1.42")
    monkeypatch.setenv(signing.SECRET_ENV, f.TEST_SECRET_KEY.upper())
    signing.secret_key.cache_clear()
    assert signing.verify("checkin", token) is None


def test_a_short_configured_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(signing.SECRET_ENV, "short")
    signing.secret_key.cache_clear()
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        signing.sign("checkin", "x")


def test_without_a_configured_key_one_is_generated_once_and_kept_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "secret_key"
    monkeypatch.delenv(signing.SECRET_ENV)
    monkeypatch.setattr(signing, "SECRET_FILE", key_file)
    signing.secret_key.cache_clear()
    token = signing.sign("ical", "7")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= signing.MIN_SECRET_LENGTH
    signing.secret_key.cache_clear()  # a later start reads the same key
    assert signing.verify("ical", token) == "7"
    assert list(tmp_path.iterdir()) == [key_file]  # no temporary files left behind


def test_the_generated_key_is_kept_in_the_data_directory_the_docs_name() -> None:
    """docs/configuration.md and the README say `data/secret_key` (git-ignored). The path
    once pointed at services/data/, which does not exist: without CARTWHEEL_SECRET_KEY the
    first QR code or calendar link of a fresh install failed with FileNotFoundError."""
    root = Path(__file__).resolve().parents[2]
    assert root / "data" / "secret_key" == signing.SECRET_FILE
    assert signing.SECRET_FILE.parent.is_dir()
    ignored = (root / ".gitignore").read_text().splitlines()
    assert "data/secret_key" in ignored


def test_processes_starting_together_share_one_generated_key(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    barrier = threading.Barrier(8)
    keys: list[bytes] = []

    def start() -> None:
        barrier.wait()
        keys.append(signing._key_from_file(key_file))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1


def test_an_unusable_key_file_is_reported(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("\n")
    with pytest.raises(RuntimeError, match="no usable key"):
        signing._key_from_file(key_file)


# student_checkin_code and read_checkin_code


def test_a_code_names_only_the_student_id_and_verifies(db: Session, gym: f.FamilyGym) -> None:
    code = student_checkin_code(db, gym.guardian, gym.maya.id)
    assert re.fullmatch(rf"CW1\.{gym.maya.id}\.[A-Z2-7]{{26}}", code)
    assert "Maya" not in code and "Rivera" not in code
    assert read_checkin_code(code) == CodeClaim(gym.maya.id, 1)
    assert read_checkin_code(f"  {code.lower()}\r\n") == CodeClaim(
        gym.maya.id, 1
    )  # scanner's Enter, case
    assert student_checkin_code(db, gym.second, gym.maya.id) == code
    assert student_checkin_code(db, gym.desk, gym.maya.id) == code


@pytest.mark.parametrize(
    "make",
    [
        lambda sid: f"CW1.{sid}",
        lambda sid: signing.sign("checkin", f"CW1.{sid}").replace(f".{sid}.", f".{sid + 1}."),
        lambda sid: signing.sign("ical", f"CW1.{sid}"),  # a calendar signature
        lambda sid: signing.sign("checkin", f"CW2.{sid}"),  # unknown version
        lambda sid: signing.sign("checkin", f"CW1.{sid}.1"),
        lambda sid: signing.sign("checkin", f"CW2.{sid}.0"),
        lambda sid: signing.sign("checkin", f"CW2.{sid}.2.2"),
        lambda sid: signing.sign("checkin", f"CW2.{sid}.x"),
        lambda sid: signing.sign("checkin", "CW1.0"),
        lambda sid: signing.sign("checkin", "CW1.-5"),
        lambda sid: signing.sign("checkin", "CW1.٣"),  # an Arabic-Indic digit
        lambda sid: signing.sign("checkin", f"CW1.{2**63}"),
        lambda sid: signing.sign("checkin", "CW1."),
        lambda sid: "",
        lambda sid: "X" * 10_000,
        lambda sid: None,
        lambda sid: sid,
    ],
)
def test_forged_and_malformed_codes_are_rejected(
    gym: f.FamilyGym,
    make,  # type: ignore[no-untyped-def]
) -> None:
    assert read_checkin_code(make(gym.maya.id)) is None


def test_qr_codes_can_be_switched_off_for_parents(db: Session, gym: f.FamilyGym) -> None:
    update_settings(db, gym.admin, {"qr_codes_enabled": False})
    for actor in (gym.guardian, gym.second):
        with pytest.raises(FeatureDisabled):
            student_checkin_code(db, actor, gym.maya.id)
    assert read_checkin_code(student_checkin_code(db, gym.desk, gym.maya.id)) == CodeClaim(
        gym.maya.id, 1
    )


def test_a_student_who_left_has_no_code(db: Session, gym: f.FamilyGym) -> None:
    gym.maya.is_active = False
    with pytest.raises(ValidationError, match="not an active student"):
        student_checkin_code(db, gym.guardian, gym.maya.id)


def test_access(db: Session, gym: f.FamilyGym) -> None:
    f.check_student_scope(gym, lambda actor, sid: student_checkin_code(db, actor, sid))


# checkin_qr_png


def test_the_qr_image_is_a_png_of_the_code(db: Session, gym: f.FamilyGym) -> None:
    png = checkin_qr_png(student_checkin_code(db, gym.guardian, gym.maya.id))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width == image.height >= 250  # version 2: 25 modules + border, 10 px each


@pytest.mark.parametrize("bad", ["", "CW1.1.AAAA", "https://evil.example", "x" * 5000, None])
def test_only_genuine_codes_become_qr_images(bad: object) -> None:
    with pytest.raises(ValidationError, match="not valid"):
        checkin_qr_png(bad)  # type: ignore[arg-type]
