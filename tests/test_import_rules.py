"""The layering of services/README.md, checked on the source: the kernel imports no domain,
domain packages import each other in one direction only (so no cycles), services/ and data/
never import streamlit, data/ never imports services/ (the demo generator only reads the one
clock), and pages/ and components/ never import sqlalchemy or the models."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lower first: a package may import itself and the packages before it, never one after it.
SERVICE_ORDER = (
    "kernel",
    "accounts",
    "messages",
    "billing",
    "families",
    "classes",
    "makeups",
    "desk",
    "backoffice",
    "operations",
)
DEMO_MAY_READ = ("services.kernel.clock",)  # "today" for the demo, so a pinned clock holds


def imported_modules(source: str) -> Iterator[tuple[int, str]]:
    """Every absolute module an import names (`from a.b import c` gives a.b and a.b.c, since c
    may be a module), at any depth of the file, deferred imports included."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def service_package(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "services" and parts[1] in SERVICE_ORDER:
        return parts[1]
    return None


def against_the_order(package: str, source: str) -> list[tuple[int, str]]:
    allowed = set(SERVICE_ORDER[: SERVICE_ORDER.index(package) + 1])
    return [
        (line, module)
        for line, module in imported_modules(source)
        if (target := service_package(module)) is not None and target not in allowed
    ]


def naming(source: str, refused: tuple[str, ...]) -> list[tuple[int, str]]:
    return [
        (line, module)
        for line, module in imported_modules(source)
        if any(module == r or module.startswith(r + ".") for r in refused)
    ]


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _report(found: dict[Path, list[tuple[int, str]]]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path, hits in found.items()
        for line, module in hits
    ]


def _scan(folder: str, check) -> list[str]:  # type: ignore[no-untyped-def]
    return _report({p: hits for p in _files(folder) if (hits := check(p.read_text("utf-8")))})


def test_every_service_module_lives_in_a_domain_package() -> None:
    loose = sorted(p.name for p in (ROOT / "services").glob("*.py") if p.name != "__init__.py")
    assert loose == []
    packages = {p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(SERVICE_ORDER)


@pytest.mark.parametrize("package", SERVICE_ORDER)
def test_a_package_imports_only_itself_and_the_packages_below(package: str) -> None:
    wrong = _scan(f"services/{package}", lambda source: against_the_order(package, source))
    assert wrong == []


def test_services_and_data_never_import_streamlit() -> None:
    assert _scan("services", lambda source: naming(source, ("streamlit",))) == []
    assert _scan("data", lambda source: naming(source, ("streamlit",))) == []


def test_data_never_imports_services() -> None:
    def outside_the_clock(source: str) -> list[tuple[int, str]]:
        return [
            (line, module)
            for line, module in naming(source, ("services",))
            if not any(module.startswith(allowed) for allowed in DEMO_MAY_READ)
        ]

    assert _scan("data", outside_the_clock) == []
    demo_free = [p for p in _files("data") if "demo" not in p.relative_to(ROOT).parts]
    assert (
        _report({p: h for p in demo_free if (h := naming(p.read_text("utf-8"), ("services",)))})
        == []
    )


def test_pages_and_components_never_reach_the_database_layer() -> None:
    refused = ("sqlalchemy", "data.models")  # a page opens a session (data.db) and calls services
    for folder in ("pages", "components"):
        assert _scan(folder, lambda source: naming(source, refused)) == []


def test_the_checks_catch_what_they_refuse() -> None:
    """The checkers themselves, on sources that break each rule."""
    upward = "from services.desk.checkin import check_in\n"
    assert against_the_order("kernel", upward) == [
        (1, "services.desk.checkin"),
        (1, "services.desk.checkin.check_in"),
    ]
    assert against_the_order("desk", upward) == []
    deferred = "def f():\n    import services.makeups.tokens\n"
    assert against_the_order("classes", deferred) == [(2, "services.makeups.tokens")]
    assert naming("from sqlalchemy.orm import Session\n", ("sqlalchemy",)) == [
        (1, "sqlalchemy.orm"),
        (1, "sqlalchemy.orm.Session"),
    ]
    assert naming("import streamlit as st\n", ("streamlit",)) == [(1, "streamlit")]
    assert naming("from services import kernel\n", ("services",)) != []
