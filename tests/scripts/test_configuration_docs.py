"""Every setting Cartwheel reads is documented where the README says the full list is, and
in the secrets file example that claims to list every key (issue 13, item 23)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app.py", "components", "data", "pages", "routes", "scripts", "services")
VARIABLE = re.compile(r"\bCARTWHEEL_[A-Z][A-Z_]*[A-Z]\b")


def _read_by_the_code() -> set[str]:
    names: set[str] = set()
    for source in SOURCES:
        path = ROOT / source
        for file in [path] if path.is_file() else [*path.rglob("*.py"), *path.rglob("*.sh")]:
            names |= set(VARIABLE.findall(file.read_text(encoding="utf-8")))
    return names


def _example_keys() -> set[str]:
    """The keys of .streamlit/secrets.toml.example, the commented-out optional ones too."""
    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    uncommented = "\n".join(re.sub(r"^# (CARTWHEEL_)", r"\1", line) for line in text.splitlines())
    return set(tomllib.loads(uncommented))


def test_the_code_reads_the_settings_this_test_knows() -> None:
    assert {"CARTWHEEL_SECRET_KEY", "CARTWHEEL_DATABASE_URL"} <= _read_by_the_code()


def test_every_setting_is_in_docs_configuration_and_the_secrets_example() -> None:
    documented = set(VARIABLE.findall((ROOT / "docs" / "configuration.md").read_text()))
    assert _read_by_the_code() - documented == set()
    assert _read_by_the_code() - _example_keys() == set()


def test_the_readme_names_the_signing_key_its_backup_and_the_ports() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CARTWHEEL_SECRET_KEY" in readme and "data/secret_key" in readme
    backup = readme[readme.index("Back up the database") :][:400]
    assert "CARTWHEEL_SECRET_KEY" in backup and "data/secret_key" in backup
    assert "`PORT`, `STRIPE_PORT`" in readme
