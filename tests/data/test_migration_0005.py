"""Migration 0005 removes the links that reset and invitation e-mails used to keep in the
outbox (issue 13, item 8): no usable token stays in the table after the upgrade."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from data.migrate import alembic_config

OLD_BODY = "Open this link:\n\nhttps://portal.example.com/?reset=AbC-123_xyz{n}\n\nThanks.\n"


def test_upgrading_replaces_stored_links_with_the_placeholder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "0005-1")  # the schema just before this revision
    engine = create_engine(url)
    with engine.begin() as connection:
        for n, kind in enumerate(["password_reset", "invitation", "receipt"]):
            connection.execute(
                text(
                    "INSERT INTO outbox (channel, to_address, subject, body_text, kind, status,"
                    " attempts, last_error, created_at) VALUES ('email', 'p@example.com', 'S',"
                    " :body, :kind, 'sent', 1, '', '2026-12-01 10:00:00+00:00')"
                ),
                {"body": OLD_BODY.format(n=n), "kind": kind},
            )
    command.upgrade(config, "0005")
    with engine.connect() as connection:
        bodies = connection.execute(text("SELECT body_text FROM outbox ORDER BY id")).scalars()
        assert list(bodies) == [
            "Open this link:\n\n[link created when sent]\n\nThanks.\n",
            "Open this link:\n\n[link created when sent]\n\nThanks.\n",
            OLD_BODY.format(n=2),  # other kinds carry no sign-in link and stay as they are
        ]
    engine.dispose()
