"""Shared fixtures: test certificates and real SMTP servers on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import Certs, ServerOptions, SmtpServer, make_certs
from wizard.model.i18n import set_language

# The loopback DNS server's fixture and a real MediaWiki's, for every test module.
pytest_plugins = ["tests.support.dns_server", "tests.support.mediawiki",
                  "tests.support.token_server"]


@pytest.fixture(autouse=True)
def backup_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's backups go to a folder of its own (never /var/backups), which the
    command-line runs see through the environment too."""
    folder = tmp_path / "backups"
    monkeypatch.setenv("SMTP_WIZARD_BACKUP_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite asserts English texts, whatever language the developer's environment
    asks for (LANG=zh_CN.UTF-8); the command-line runs inherit it. Tests of the
    translations choose their language themselves."""
    monkeypatch.setenv("LANGUAGE", "en")
    set_language("en")


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def smtp_server(certs: Certs) -> Iterator[Callable[..., SmtpServer]]:
    """Factory: `smtp_server(mode="implicit", cert="expired", ...)` starts a server."""
    started: list[SmtpServer] = []

    # Any: the keywords are ServerOptions' fields, which its constructor checks.
    def start(**options: Any) -> SmtpServer:
        server = SmtpServer(ServerOptions(**options), certs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def ca_file(certs: Certs) -> Path:
    return certs.ca_file
