"""Shared fixtures: test certificates and real SMTP servers on loopback."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers import Certs, ServerOptions, SmtpServer, make_certs

# The loopback DNS server's fixture, for every test module.
pytest_plugins = ["tests.dns_server"]

PASSWORD = "s3cret"
USER = "wiki@example.org"


@pytest.fixture(autouse=True)
def backup_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's backups go to a folder of its own (never /var/backups), which the
    command-line runs see through the environment too."""
    folder = tmp_path / "backups"
    monkeypatch.setenv("SMTP_WIZARD_BACKUP_DIR", str(folder))
    return folder


def backups_of(path: Path) -> list[Path]:
    """The backups made of `path`, oldest name first."""
    from wizard.files import backup_name

    folder = backup_name(path, dt.datetime(2000, 1, 1)).parent
    return sorted(folder.glob(f"{path.name}.bak-*")) if folder.is_dir() else []


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def smtp_server(certs: Certs) -> Iterator[Callable[..., SmtpServer]]:
    """Factory: `smtp_server(mode="implicit", cert="expired", ...)` starts a server."""
    started: list[SmtpServer] = []

    def start(**options: object) -> SmtpServer:
        server = SmtpServer(ServerOptions(**options), certs).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def require_program(name: str) -> str:
    """The path of an outside program; skip without it, except in CI where it must exist.

    CI sets SMTP_WIZARD_REQUIRE_ALL=1, which turns this skip into a failure, so the
    tests that need PHP, gnome-keyring or tmux always run there.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("SMTP_WIZARD_REQUIRE_ALL"):
            pytest.fail(f"{name} is required in CI (SMTP_WIZARD_REQUIRE_ALL is set)")
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def ca_file(certs: Certs) -> Path:
    return certs.ca_file
