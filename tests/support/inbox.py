"""A local mail server's inbox for browser journeys: aiosmtpd on 127.0.0.1 hands every
message to `Inbox`, which keeps it for the test to read."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.received:
                if message["To"] == to:
                    return message
            time.sleep(0.3)
        raise AssertionError(f"no e-mail to {to} within {timeout} s")

    def link(self, to: str, pattern: str, timeout: float) -> str:
        """The first link matching `pattern` in the e-mail to `to`."""
        body = self.wait_for(to, timeout).get_content()
        found = re.search(pattern, body)
        assert found, body
        return found.group(0)
