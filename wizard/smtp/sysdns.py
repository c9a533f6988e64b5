"""The system's own resolver, as a connection uses it: getaddrinfo, which reads the hosts
file and asks DNS as nsswitch.conf says. The live check's DNS step asks it, so that the
step says what the connection after it will meet, without loading dnspython."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any

from wizard.model.i18n import _
from wizard.smtp.dns import AddressResult, Outcome, v4_first, without_lookup

__all__ = ["gai_outcome", "system_addresses"]

# getaddrinfo's errors, as the outcomes of a look-up. glibc says EAI_NODATA for a name
# without addresses; C libraries without it say EAI_NONAME for that too.
_GAI_OUTCOMES = {socket.EAI_NONAME: Outcome.NXDOMAIN, socket.EAI_AGAIN: Outcome.TIMEOUT}
if hasattr(socket, "EAI_NODATA"):
    _GAI_OUTCOMES[socket.EAI_NODATA] = Outcome.NO_ADDRESS


def gai_outcome(error: socket.gaierror, name: str, seconds: float) -> tuple[Outcome, str]:
    """The outcome and reason for a getaddrinfo error about `name`."""
    outcome = _GAI_OUTCOMES.get(error.errno or 0, Outcome.ERROR)
    reason = {
        Outcome.NXDOMAIN: _("{name} does not exist"),
        Outcome.NO_ADDRESS: _("{name} has no A or AAAA record"),
        Outcome.TIMEOUT: _("no DNS answer for {name} within {seconds:g} s"),
    }.get(outcome, "{name}: {error}")
    return outcome, reason.format(name=name, seconds=seconds,
                                  error=error.strerror or error)


_AddrInfo = list[tuple[Any, Any, int, str, tuple[Any, ...]]]


async def _getaddrinfo(host: str) -> _AddrInfo:
    """getaddrinfo in a daemon thread of its own, not the loop's executor: a resolver that
    does not answer holds the call for its own timeouts (resolv.conf), beyond our deadline,
    and the process must not wait for that at exit (as it waits for executor threads)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_AddrInfo] = loop.create_future()

    def settle(result: _AddrInfo | None, error: BaseException | None) -> None:
        if future.done():  # the deadline passed
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result or [])

    def work() -> None:
        try:
            infos: _AddrInfo = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            outcome: tuple[_AddrInfo | None, BaseException | None] = (None, exc)
        else:
            outcome = (infos, None)
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=work, name="getaddrinfo", daemon=True).start()
    return await future


async def system_addresses(name: str, *, lifetime: float = 5.0) -> AddressResult:
    """The addresses of `name` as the system's resolver gives them (getaddrinfo: the
    hosts file and DNS, as nsswitch.conf says), within `lifetime` seconds."""
    start = time.monotonic()
    query, known = without_lookup(name)
    if known is not None:
        return known
    try:
        async with asyncio.timeout(lifetime):
            infos = await _getaddrinfo(query)
    except TimeoutError:
        outcome, error = Outcome.TIMEOUT, _(
            "no DNS answer for {name} within {seconds:g} s").format(name=query,
                                                                    seconds=lifetime)
    except socket.gaierror as exc:
        outcome, error = gai_outcome(exc, query, lifetime)
    except (OSError, UnicodeError) as exc:
        outcome, error = Outcome.ERROR, f"{query}: {exc}"
    else:
        addresses = v4_first([str(info[4][0]) for info in infos])
        return AddressResult(query, addresses, Outcome.OK, source="system",
                             elapsed=time.monotonic() - start)
    return AddressResult(query, [], outcome, error, source="system",
                         elapsed=time.monotonic() - start)
