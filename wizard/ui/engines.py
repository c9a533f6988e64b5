"""The core calls behind `Services`, each loaded when a step first makes it.

The check (aiosmtplib, the TLS code), discovery (dnspython, the provider database) and
the port probe are what the later steps run; importing them with the app would make the
first screen wait for all of them. Each function here has the signature of the core
function it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.model.report import Report, Step
    from wizard.model.settings import Settings
    from wizard.model.transcript import Line
    from wizard.smtp.check import CheckOptions
    from wizard.smtp.discover import Discovery, ProgressCallback
    from wizard.smtp.dns import AddressResult
    from wizard.smtp.ports import PortResult

__all__ = ["check", "discover", "probe_ports", "resolve"]


async def check(settings: Settings, password: str | None, options: CheckOptions, *,
                on_progress: Callable[[str, Step | None], None] | None = None,
                on_line: Callable[[Line], None] | None = None) -> Report:
    from wizard.smtp.check import run_check

    return await run_check(settings, password, options, on_progress=on_progress,
                           on_line=on_line)


async def probe_ports(targets: Sequence[tuple[str, int]], *, timeout: float,
                      on_result: Callable[[PortResult], None] | None = None,
                      ) -> list[PortResult]:
    from wizard.smtp.ports import probe_ports

    return await probe_ports(targets, timeout=timeout, on_result=on_result)


async def resolve(name: str, *, lifetime: float = 5.0) -> AddressResult:
    from wizard.smtp.dns import resolve_addresses

    return await resolve_addresses(name, lifetime=lifetime)


async def discover(query: str, *, timeout: float = 6.0,
                   on_progress: ProgressCallback | None = None,
                   wait_all: bool = True) -> Discovery:
    from wizard.smtp.discover import discover

    return await discover(query, timeout=timeout, on_progress=on_progress,
                          wait_all=wait_all)
