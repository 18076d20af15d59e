"""The deterministic demo gym: `python -m data.demo --scale small` (see docs/demo-data.md)."""

from data.demo.build import DemoReport, build_demo
from data.demo.loader import DatabaseNotEmpty
from data.demo.logins import DEMO_FAMILY_NAME, DEMO_LOGINS, DEMO_PASSWORD

__all__ = [
    "DEMO_FAMILY_NAME",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DatabaseNotEmpty",
    "DemoReport",
    "build_demo",
]
