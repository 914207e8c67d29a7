"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, keeping what it took.

``refuse`` holds addresses the server answers 550 for (a mailbox that does not exist)."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.mails: list[dict] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.mails.append({"to": list(envelope.rcpt_tos), "subject": str(parsed["Subject"]),
                           "body": parsed.get_body(("plain",)).get_content()})
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.mails if address in m["to"]]


@pytest.fixture
def smtp_server():
    """``(inbox, port)`` of a running SMTP server; stopped after the test."""
    aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is in the [test] extra")
    inbox = Inbox()
    port = free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def use_smtp(system, port: int) -> None:
    system.settings.smtp_host, system.settings.smtp_port = "127.0.0.1", port
    system.settings.smtp_user = system.settings.smtp_password = ""
    system.settings.smtp_sender = "peidai@example.cn"
