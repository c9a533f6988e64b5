"""The bookkeeping of one live check, shared by its step modules (check, envelope)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from wizard.model.diagnosis import Diagnosis
from wizard.model.report import Status, Step
from wizard.model.settings import Client, Settings
from wizard.smtp.clients import ClientModel, client_model
from wizard.smtp.connect import Failure, RecordingSMTP
from wizard.smtp.transcript import Transcript, safe_step

if TYPE_CHECKING:
    import dns.asyncresolver

__all__ = ["CheckOptions", "ProgressCallback", "Run", "Stop"]

T = TypeVar("T")
ProgressCallback = Callable[[str, Step | None], None]
"""Called with (step id, None) when a step starts and (step id, step) when it ends."""


@dataclass(frozen=True)
class CheckOptions:
    client: Client = Client.PEAR
    rcpt: str | None = None
    """RCPT TO address; without it the sender step sends RCPT TO the sender itself."""
    send_test: bool = False
    """Send a real test message to `rcpt` (otherwise RSET: nothing is sent)."""
    resolver: dns.asyncresolver.Resolver | None = None
    hosts_path: str | Path = "/etc/hosts"
    net_smtp: tuple[int, ...] | None = None
    """PEAR: the Net_SMTP release the wiki loads, as (1, 10, 1); None: the newest."""
    auth_sasl: bool = False
    """PEAR: Auth_SASL is on PHP's include path, which puts SCRAM, DIGEST-MD5 and
    CRAM-MD5 before LOGIN in Net_SMTP's list."""

    @property
    def model(self) -> ClientModel:
        return client_model(self.client, self.net_smtp, auth_sasl=self.auth_sasl)


class Stop(Exception):
    """A step failed and the remaining ones cannot run."""


class Run:
    """One check: the current step, its transcript slice and timing, the steps so far."""

    def __init__(self, settings: Settings, options: CheckOptions, transcript: Transcript,
                 on_progress: ProgressCallback | None) -> None:
        self.settings = settings
        self.options = options
        self.model = options.model
        self.transcript = transcript
        self.on_progress = on_progress
        self.steps: list[Step] = []
        self.auth_offered: tuple[str, ...] | None = None
        """AUTH mechanisms of the latest EHLO answered, upper case; None before one."""
        self.banner = ""
        """The server's greeting line, as recorded."""
        self.current = ""
        self._mark = 0
        self._started = 0.0

    def begin(self, step_id: str) -> None:
        self.current = step_id
        self._mark = self.transcript.mark()
        self._started = time.monotonic()
        if self.on_progress is not None:
            self.on_progress(step_id, None)

    def finish(self, status: Status, summary: str, details: tuple[str, ...] | list[str] = (),
               diagnosis: Diagnosis | None = None) -> None:
        # Redacted and made visible here, where every step passes: a server may quote
        # the password or send escape sequences in the replies a diagnosis quotes.
        step = safe_step(Step(self.current, status, summary, tuple(details), diagnosis,
                              self.transcript.since(self._mark),
                              time.monotonic() - self._started), self.transcript.redact)
        self.steps.append(step)
        if self.on_progress is not None:
            self.on_progress(step.id, step)

    def ehlo_answered(self, smtp: RecordingSMTP) -> None:
        # Read now: aiosmtplib forgets the EHLO answer when the connection closes.
        self.auth_offered = tuple(m.upper() for m in smtp.server_auth_methods)

    def fail(self, failure: Failure) -> None:
        self.current = failure.step
        self.finish(Status.FAIL, failure.summary, failure.details, failure.diagnosis)
        raise Stop

    def stop(self, summary: str, diagnosis: Diagnosis, details: tuple[str, ...] = ()) -> None:
        self.finish(Status.FAIL, summary, details, diagnosis)
        raise Stop

    async def command(self, awaitable: Awaitable[T]) -> T:
        """One protocol exchange under the settings' deadline."""
        async with asyncio.timeout(self.settings.timeout):
            return await awaitable
