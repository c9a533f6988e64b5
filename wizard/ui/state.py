"""What the wizard knows so far: one `WizardState` on the App, shared by every step.

Screens read it in `on_mount` and write it back on Next; only the App decides the order.
The core calls the screens make go through `Services`, the one seam where tests and
snapshots inject fakes (real servers are used everywhere else).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wizard.model.settings import DEFAULT_TIMEOUT, Security, Settings
from wizard.render import PasswordMode, Target
from wizard.ui import engines

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from wizard.demo.sandbox import DemoServers
    from wizard.mediawiki.localsettings import WikiConfig
    from wizard.model.report import Report, Status, Step
    from wizard.model.transcript import Line
    from wizard.smtp.check import CheckOptions
    from wizard.smtp.discover import Discovery, ProgressCallback
    from wizard.smtp.dns import AddressResult
    from wizard.smtp.ports import PortResult
    from wizard.store.backends import BackendInfo

__all__ = [
    "DEFAULT_PORTS",
    "STEP_ORDER",
    "AddressResolver",
    "Checker",
    "DemoAccount",
    "Discoverer",
    "Mode",
    "PortProber",
    "Services",
    "StepOutcome",
    "WizardState",
]

DEFAULT_PORTS: tuple[int, ...] = (587, 465, 25, 2525)
"""Submission ports worth probing when nothing better is known, most useful first."""

STEP_ORDER: tuple[str, ...] = ("start", "doctor", "host", "protocol", "port", "credentials",
                               "sender", "review")
"""Step ids in flow order; a change in one step clears the results of the later ones."""


class Mode(StrEnum):
    """What the user came to do (the Start screen's choice)."""

    NEW = "new"
    ROTATE = "rotate"
    DOCTOR = "doctor"


class StepOutcome(StrEnum):
    """How a step screen is left; the App turns it into the next screen."""

    NEXT = "next"
    BACK = "back"


class Checker(Protocol):
    """`run_check` as the screens call it."""

    def __call__(self, settings: Settings, password: str | None, options: CheckOptions, *,
                 on_progress: Callable[[str, Step | None], None] | None = ...,
                 on_line: Callable[[Line], None] | None = ...) -> Awaitable[Report]: ...


class PortProber(Protocol):
    """`probe_ports` as the screens call it."""

    def __call__(self, targets: Sequence[tuple[str, int]], *, timeout: float,
                 on_result: Callable[[PortResult], None] | None = ...,
                 ) -> Awaitable[list[PortResult]]: ...


class AddressResolver(Protocol):
    """`resolve_addresses` as the screens call it."""

    def __call__(self, name: str, *, lifetime: float = ...) -> Awaitable[AddressResult]: ...


class Discoverer(Protocol):
    """`discover` as the screens call it."""

    def __call__(self, query: str, *, timeout: float = ...,
                 on_progress: ProgressCallback | None = ...,
                 wait_all: bool = ...) -> Awaitable[Discovery]: ...


@dataclass(frozen=True)
class Services:
    """The core functions the screens call; tests may replace them with fakes."""

    check: Checker = engines.check
    probe_ports: PortProber = engines.probe_ports
    resolve: AddressResolver = engines.resolve
    discover: Discoverer = engines.discover
    keyring_backend: KeyringBackend | None = None
    """None: keyring's own choice (the user's system keyring)."""
    cryptfile_path: Path | None = None
    """Where the encrypted-file fallback lives; None: `default_cryptfile_path()`."""


@dataclass(frozen=True)
class DemoAccount:
    """The embedded demo server's account, shown on the Start screen."""

    username: str
    password: str = field(repr=False)
    wiki: Path | None = None
    """The demo's own throw-away LocalSettings.php, offered by the doctor and rotation."""


@dataclass
class WizardState:
    """Everything the steps collected, plus each step's latest check result."""

    mode: Mode = Mode.NEW
    settings: Settings | None = None
    """The latest valid settings; None until the Host step has a usable host."""
    password: str | None = field(default=None, repr=False)
    """Only in memory; never logged, shown or written except into the chosen snippet."""
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str | None = None
    candidate_ports: tuple[int, ...] = DEFAULT_PORTS
    refused_note: str = ""
    port_results: list[PortResult] = field(default_factory=list)
    results: dict[str, Report] = field(default_factory=dict)
    """Check reports by step id (credentials, sender)."""
    stored_in: BackendInfo | None = None
    """Where the password was stored, if it was."""
    auth_off: bool = False
    """The user said the server needs no login (an internal relay)."""
    address: str = ""
    """An e-mail address typed on the Host step: a default for the user and sender."""
    notes: tuple[str, ...] = ()
    """The chosen provider's notes ("needs an app password"), shown on later steps."""
    rcpt: str = ""
    send_test: bool = False
    target: Target = Target.MEDIAWIKI
    password_mode: PasswordMode = PasswordMode.ENV
    localsettings: Path | None = None
    look_in: Path | None = None
    """Where to look for a LocalSettings.php nobody named (the current folder, then the
    usual install folders), once the first screen shows; None once looked or when the
    user named one."""
    localsettings_raw: bytes | None = field(default=None, repr=False)
    """The bytes read from it: a patch is refused if the file changed since."""
    prefill: dict[str, object] = field(default_factory=dict)
    """Values read from LocalSettings.php, as found there."""
    wiki: WikiConfig | None = field(default=None, repr=False)
    """LocalSettings.php as read (rotation replaces its password literal); it may hold
    the old password, hence no repr."""
    doctor: Report | None = None
    """The doctor's report on `localsettings`, kept apart from `results` so Review
    lists only the checks of the fixed settings."""
    error_text: str = field(default="", repr=False)
    """The error message pasted on the doctor step; only what matched in it is shown."""
    demo: DemoAccount | None = None
    written: list[str] = field(default_factory=list)
    """Files written or patched, for the summary; empty means nothing was written."""
    backups: list[str] = field(default_factory=list)
    """The backups made of the files it changed, for the summary."""
    todo: list[str] = field(default_factory=list)
    """What the admin still has to do by hand (set an environment variable, ...)."""
    copied: bool = False
    """The snippet went to the clipboard."""
    done: bool = False
    """The job is done: a snippet written, patched or copied, or a password rotated."""
    touched: bool = False
    """The user answered a step beyond Start: quitting would lose that."""

    def use_demo(self, servers: DemoServers, wiki: Path | None = None) -> None:
        """Point the wizard at the demo servers and show the demo account; `wiki` is
        the demo's own LocalSettings.php."""
        self.demo = DemoAccount(servers.username, servers.password, wiki)
        self.ca_file = str(servers.ca_file)
        self.candidate_ports = servers.ports
        self.timeout = min(self.timeout, 5.0)
        if self.settings is None:
            self.settings = Settings(host=servers.host, port=servers.starttls_port,
                                     security=Security.STARTTLS, auth=False,
                                     timeout=self.timeout, ca_file=self.ca_file)
        self.address = servers.username

    def clear_after(self, step: str) -> None:
        """Forget every result of the steps after `step`, so Review shows only fresh ones."""
        later = STEP_ORDER[STEP_ORDER.index(step) + 1:]
        if "port" in later:
            self.port_results = []
        for step_id in later:
            self.results.pop(step_id, None)
        if "credentials" in later:
            self.stored_in = None

    def summary(self) -> list[tuple[str, Status, str]]:
        """(step, status, summary) for every stage checked, in flow order; a stage that
        two steps checked (connect, tls, ...) shows once, as the later step found it."""
        rows: dict[str, tuple[str, Status, str]] = {}
        for step_id in STEP_ORDER:
            report = self.results.get(step_id)
            if report is not None:
                rows.update((step.id, (step.id, step.status, step.summary))
                            for step in report.steps)
        return list(rows.values())

    @property
    def unsaved(self) -> bool:
        """Answers were given and the job is not done: quitting should ask first."""
        return (self.touched or bool(self.results)) and not self.done
