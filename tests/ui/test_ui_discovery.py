"""The Host step's suggestions: discovery against a real DNS zone and real servers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from textual.widgets import OptionList

from tests.support.dns_server import DnsServer
from tests.support.pilot import TIMEOUT, settle, type_into, until
from tests.support.servers import Certs, SmtpServer
from wizard.model.settings import Security
from wizard.smtp.discover import discover
from wizard.ui.app import make_app
from wizard.ui.state import Services, WizardState
from wizard.ui.steps import HostScreen, ProtocolScreen


async def test_an_address_gets_ranked_suggestions(tmp_path: Path, certs: Certs,
                                                  smtp_server: Callable[..., SmtpServer],
                                                  dns_server: Callable[..., DnsServer]) -> None:
    implicit, starttls = smtp_server(mode="implicit"), smtp_server(mode="starttls")
    dns = dns_server({
        "_submissions._tcp.example.test": {"SRV": [f"0 1 {implicit.port} mail.example.test."]},
        "_submission._tcp.example.test": {"SRV": [f"0 1 {starttls.port} mail.example.test."]},
        "mail.example.test": {"A": ["127.0.0.1"]},
    })
    services = Services(discover=functools.partial(
        discover, resolver=dns.resolver(), hosts_path=tmp_path / "no-hosts"))
    state = WizardState(timeout=TIMEOUT, ca_file=str(certs.ca_file))
    app = make_app(state, services, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # Start: new setup
        await until(pilot, lambda: isinstance(app.screen, HostScreen))
        await type_into(pilot, "#host", "alice@example.test")
        suggestions = app.screen.query_one("#suggestions", OptionList)
        await until(pilot, lambda: suggestions.option_count > 0, within=TIMEOUT + 5)
        await settle(pilot)
        first = str(suggestions.get_option_at_index(0).prompt)
        assert "mail.example.test" in first and str(implicit.port) in first
        await pilot.press("enter")  # take the best one
        await until(pilot, lambda: isinstance(app.screen, ProtocolScreen))
        settings = app.state.settings
        assert settings is not None
        assert (settings.host, settings.port, settings.security) == (
            "mail.example.test", implicit.port, Security.TLS)
        assert app.state.address == "alice@example.test"
