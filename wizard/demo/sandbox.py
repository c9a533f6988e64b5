"""`smtp-wizard --demo`: real SMTP servers on loopback, so the wizard can be tried safely.

Two aiosmtpd servers (STARTTLS + AUTH, and implicit TLS + AUTH) with a throw-away CA made
for this run; the wizard trusts that CA through `Settings.ca_file`, so certificate
verification stays on. A third, closed port shows what "refused" looks like. The demo
never touches the user's keyring: the password can only go into an encrypted file in the
run's temporary folder.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.demo.servers import ServerOptions, SmtpServer, make_certs

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = ["DEMO_PASSWORD", "DEMO_USER", "DemoServers", "demo_servers"]

DEMO_USER = "demo@example.org"
DEMO_PASSWORD = "demo-password"
"""Not a secret: shown on the Start screen so a newcomer can log in."""
DEMO_HOST = "127.0.0.1"


@dataclass(frozen=True)
class DemoServers:
    """Where the demo servers listen, and the account they accept."""

    starttls_port: int
    implicit_port: int
    refused_port: int
    ca_file: Path
    """The run's throw-away CA: trusting it keeps certificate verification on."""
    host: str = DEMO_HOST
    username: str = DEMO_USER
    password: str = DEMO_PASSWORD

    @property
    def ports(self) -> tuple[int, ...]:
        """What the Port step probes: the demo servers, and one port nobody listens on."""
        return (self.starttls_port, self.implicit_port, self.refused_port)

    @staticmethod
    def keyring_backend() -> KeyringBackend:
        """No system keyring in the demo: the wizard offers its encrypted-file fallback."""
        from keyring.backends import fail

        return fail.Keyring()


def _closed_port() -> int:
    """A loopback port with no listener (bound, then released at once)."""
    with socket.socket() as sock:
        sock.bind((DEMO_HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_servers(folder: Path) -> Iterator[DemoServers]:
    """Start the demo servers with certificates in `folder`; stop them on exit."""
    certs = make_certs(folder)
    users = {DEMO_USER: DEMO_PASSWORD}
    with ExitStack() as stack:
        servers = []
        for mode in ("starttls", "implicit"):
            server = SmtpServer(ServerOptions(mode=mode, users=users), certs).start()
            stack.callback(server.stop)
            servers.append(server)
        yield DemoServers(servers[0].port, servers[1].port, _closed_port(), certs.ca_file)
