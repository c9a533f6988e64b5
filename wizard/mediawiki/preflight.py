"""Before a config is written: the server answers on that host, prefix and port the way
the target software will talk to it, and a pinned certificate works in PHP.

This is what keeps a wiki from hanging: PEAR's `timeout` bounds only opening the
connection, so a port that accepts and stays silent (465 without `ssl://`) holds every
page that sends mail until the server gives up. No `$wgSMTP` key prevents that; testing
before writing does. For PEAR it also looks for implicit TLS on port 465, which closes
the gap `Net_SMTP::auth()` leaves when a STARTTLS offer is stripped on the way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from wizard.mediawiki.pinning import php_pin_check
from wizard.model.i18n import _
from wizard.model.report import Report, Status
from wizard.model.settings import Client, Security, Settings
from wizard.smtp.check import CheckOptions, run_check
from wizard.smtp.ports import PortState, probe_port

__all__ = ["IMPLICIT_TLS_PORT", "Preflight", "preflight"]

IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class Preflight:
    report: Report
    """The live check, as the target client would connect (no AUTH without a password)."""
    problems: tuple[str, ...] = ()
    """Why the config must not be written as it is."""
    advice: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


async def preflight(settings: Settings, password: str | None, *, client: Client,
                    pinned_cafile: str | None = None, php: str | None = None) -> Preflight:
    """Test `settings` live before writing them; with `pinned_cafile` (and `php`),
    also through PHP trusting exactly that file."""
    checked = settings.replace(ca_file=pinned_cafile) if pinned_cafile else settings
    wants_465 = client is Client.PEAR and settings.auth and (
        settings.security is not Security.TLS) and settings.port != IMPLICIT_TLS_PORT
    report, implicit, pinned = await asyncio.gather(
        run_check(checked, password, CheckOptions(client=client)),
        _implicit_tls(settings) if wants_465 else _nothing(),
        php_pin_check(php, settings, pinned_cafile) if pinned_cafile and php else _nothing())
    problems: list[str] = []
    if report.status is Status.FAIL:
        problems.append(_("The server did not pass the test above, so nothing was written: "
                          "a wiki set up like this fails or waits without end. Correct the "
                          "settings, or run again with --no-test to write them untested."))
    if pinned:
        problems.append(_("PHP does not accept {path} for this server: {reason}. Nothing was "
                          "written.").format(path=pinned_cafile, reason=pinned))
    advice: list[str] = []
    if implicit:
        advice.append(_(
            "{host} also speaks TLS from the first byte on port {port}. For MediaWiki that "
            "is the safer choice: PEAR logs in after STARTTLS only if the server's offer of "
            "it arrives, and in clear if someone on the way strips it. Use host "
            "ssl://{host} with --port {port}.").format(host=settings.host,
                                                      port=IMPLICIT_TLS_PORT))
    return Preflight(report, tuple(problems), tuple(advice))


async def _nothing() -> None:
    return None


async def _implicit_tls(settings: Settings) -> bool:
    """Whether port 465 of the same host answers with TLS from the first byte."""
    try:
        async with asyncio.timeout(settings.timeout):
            seen = await probe_port(settings.ascii_host, IMPLICIT_TLS_PORT, tls_first=True)
    except TimeoutError:
        return False
    return seen.state is PortState.IMPLICIT_TLS
