"""What the doctor examines and how: one frozen `DoctorOptions` for a run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from keyring.backend import KeyringBackend

from wizard.mediawiki.localsettings import USUAL_ROOTS
from wizard.model.report import Step
from wizard.model.settings import Client

if TYPE_CHECKING:
    import dns.asyncresolver

__all__ = ["DoctorOptions", "ProgressCallback"]

ProgressCallback = Callable[[str, Step | None], None]
"""Called with (step id, None) when a step starts and (step id, step) when it ends."""


@dataclass(frozen=True)
class DoctorOptions:
    """One doctor run: which wiki, which PHP, which machine, and whether to go live."""

    localsettings: Path | None
    """LocalSettings.php or the wiki's folder; None: look in `cwd`, then `roots`."""
    _: KW_ONLY
    cwd: Path
    roots: tuple[Path, ...] = USUAL_ROOTS
    system_root: Path = Path("/")
    """Where /sys, /proc and /etc are read (tests pass a tree)."""
    php: str | None = "php"
    """The PHP program to examine; None skips PHP's side."""
    php_args: tuple[str, ...] = ()
    """Given to PHP first, e.g. `-c FILE` for the web server's php.ini."""
    password: str | None = field(default=None, repr=False)
    """The password for the live check; None: the file's, else the keyring's."""
    use_keyring: bool = True
    keyring_backend: KeyringBackend | None = None
    """None: the system's keyring."""
    client: Client = Client.PEAR
    live: bool = True
    """Talk to the SMTP server. Nothing is sent: MAIL FROM and RCPT TO (`rcpt`, else the
    sender), then RSET."""
    ca_file: str | None = None
    """Overrides the CA bundle of `$wgSMTP['socket_options']`."""
    rcpt: str | None = None
    resolver: dns.asyncresolver.Resolver | None = None
    hosts_path: str | Path = "/etc/hosts"
    via_php: bool | None = None
    """Also run the live part through the wiki's own PHP and PEAR (MediaWiki's verdict);
    None: whenever PHP and the wiki's MediaWiki install are found and `live` is on."""
    via_php_timeout: float = 30.0
    """How long MediaWiki's PHP may take: PEAR bounds only the connect, so a server that
    stays silent would hold it forever."""
