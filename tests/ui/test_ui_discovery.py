"""The Host step's suggestions: discovery against a real DNS zone and real servers."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from tests.support.dns_server import DnsServer, two_srv_hosts
from tests.support.hostile import blackhole_port, serve
from tests.support.pilot import TIMEOUT, settle, type_into, until
from tests.support.servers import Certs, SmtpServer
from wizard.model.fields import MAX_TIMEOUT
from wizard.model.settings import Security
from wizard.smtp.discover import Discovery, discover
from wizard.ui.app import make_app
from wizard.ui.state import Services, WizardState
from wizard.ui.steps import HostScreen, ProtocolScreen
from wizard.ui.steps.host import _DEBOUNCE
from wizard.ui.widgets import CheckList


async def type_address(pilot: Pilot[int]) -> OptionList:
    """From the Start screen to the Host step, alice@example.test typed; the list of
    suggestions."""
    await pilot.press("enter")  # Start: new setup
    await until(pilot, lambda: isinstance(pilot.app.screen, HostScreen))
    await type_into(pilot, "#host", "alice@example.test")
    return pilot.app.screen.query_one("#suggestions", OptionList)


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
        suggestions = await type_address(pilot)
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


async def test_suggestions_do_not_wait_for_a_host_ranked_below(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        dns_server: Callable[..., DnsServer]) -> None:
    """The first SRV host answers, the second never does: the suggestions come without
    it (it could only rank below), and the checklist says it was not waited for."""
    starttls = smtp_server(mode="starttls")
    with blackhole_port() as hole:
        dns = dns_server(two_srv_hosts(starttls.port, hole))
        services = Services(discover=functools.partial(
            discover, resolver=dns.resolver(), hosts_path=tmp_path / "no-hosts", ports=()))
        state = WizardState(timeout=TIMEOUT, ca_file=str(certs.ca_file))
        app = make_app(state, services, cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            suggestions = await type_address(pilot)
            await until(pilot, lambda: suggestions.option_count > 0, within=TIMEOUT + 5)
            prompts = [str(suggestions.get_option_at_index(index).prompt)
                       for index in range(suggestions.option_count)]
            assert [f"first.example.test:{starttls.port}" in p for p in prompts] == [True]
            checks = app.screen.query_one(CheckList)
            [row] = [r for r in checks.rows if r.step_id == "candidate:second.example.test"]
            assert "not waited for" in row.text and not checks.running


async def test_typing_again_ends_the_discovery(
        tmp_path: Path, dns_server: Callable[..., DnsServer]) -> None:
    """The only host connects and never greets, so the answer waits for it; typing
    again cancels the discovery, and with it that connection (long before its deadline,
    which is the test's own limit)."""
    connected, closed = threading.Event(), threading.Event()

    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        try:
            await reader.read()  # b"" once the wizard closes its end
        finally:
            closed.set()

    with serve(mute) as port:
        dns = dns_server(two_srv_hosts(port, port))
        services = Services(discover=functools.partial(
            discover, resolver=dns.resolver(), hosts_path=tmp_path / "no-hosts", ports=()))
        app = make_app(WizardState(timeout=MAX_TIMEOUT), services, cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            suggestions = await type_address(pilot)
            await until(pilot, connected.is_set)
            assert not closed.is_set()
            await pilot.press("backspace")
            await until(pilot, closed.is_set)
            assert suggestions.option_count == 0


async def test_enter_right_after_typing_looks_up_once(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        dns_server: Callable[..., DnsServer]) -> None:
    """Enter starts the look-up at once; the pause after the last key, ending later,
    used to start it again (cancelling the first, or redoing what was shown)."""
    server = smtp_server(mode="starttls")
    dns = dns_server(two_srv_hosts(server.port, server.port))
    queries: list[str] = []

    def counted(query: str, **options: Any) -> Awaitable[Discovery]:
        queries.append(query)
        return discover(query, resolver=dns.resolver(), hosts_path=tmp_path / "no-hosts",
                        ports=(), **options)

    app = make_app(WizardState(timeout=TIMEOUT, ca_file=str(certs.ca_file)),
                   Services(discover=counted), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        suggestions = await type_address(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: suggestions.option_count > 0, within=TIMEOUT + 5)
        await pilot.pause(_DEBOUNCE + 0.3)  # past the end of the pause after the last key
        await settle(pilot)
        assert queries == ["alice@example.test"]
        assert suggestions.option_count == 2
