"""Where a token comes from and where it goes: one small TOML file per wiki account.

The file names the provider, the app (tenant and client ID, or Google's service account
key file), the mailbox, the token file the wiki reads and the state file the refresher
keeps. It holds no secret: the client secret sits in a root-only file of its own
(`secret_file`, mode 0600), and a certificate's or service account's private key in the
file the admin named. The refresher (`smtp-wizard token refresh`), the doctor and the
timer all read this file, so they agree on every path.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path

from wizard.errors import UsageError
from wizard.model.fields import check_email, check_text
from wizard.model.i18n import _
from wizard.store.files import read_nofollow

__all__ = [
    "DEFAULT_AUTHORITY",
    "DEFAULT_MARGIN",
    "GOOGLE_SCOPE",
    "MICROSOFT_SCOPE",
    "OAuthConfig",
    "Provider",
    "default_config_path",
    "default_state_path",
    "load_config",
]

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
"""Entra ID's public cloud; national clouds and the tests name their own."""
MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
GOOGLE_SCOPE = "https://mail.google.com/"
DEFAULT_MARGIN = 1800
"""Seconds of validity under which `token refresh` fetches a new token. The timer runs
every 10 minutes, so the file always holds a token with more than 20 minutes left, which
covers a job runner that read it a while ago (Debian's restarts every 5 minutes)."""
_MAX_CONFIG = 64 * 1024
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")
_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")
_URL = re.compile(r"https://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~/-]*)?")


class Provider(StrEnum):
    MICROSOFT = "microsoft"
    """Entra ID, app-only (client credentials) with SMTP.SendAsApp."""
    GOOGLE = "google"
    """A Google Workspace service account with domain-wide delegation."""


@dataclass(frozen=True)
class OAuthConfig:
    path: Path
    """The configuration file itself."""
    provider: Provider
    user: str
    """The mailbox the wiki sends as (the SMTP user name)."""
    token_file: Path
    state_file: Path
    tenant: str = ""
    client_id: str = ""
    secret_file: Path | None = None
    """Microsoft: the client secret, alone in a root-only file."""
    certificate: Path | None = None
    """Microsoft: a PEM file with the private key and the certificate uploaded to the app."""
    service_account: Path | None = None
    """Google: the service account's JSON key file."""
    authority: str = DEFAULT_AUTHORITY
    ca_file: Path | None = None
    """Also trust these CAs for the token endpoint (a proxy that inspects TLS; tests)."""
    margin: int = DEFAULT_MARGIN
    timeout: float = 10.0

    def __post_init__(self) -> None:
        check_email(self.user, "username")
        if self.provider is Provider.MICROSOFT:
            if not _TENANT.fullmatch(self.tenant):
                raise UsageError(_("The tenant must be the Directory (tenant) ID or a "
                                   "domain of the tenant, such as contoso.onmicrosoft.com."))
            if not _CLIENT_ID.fullmatch(self.client_id):
                raise UsageError(_("The client ID must be the Application (client) ID of "
                                   "the app registration, such as "
                                   "00000000-0000-0000-0000-000000000000."))
            if (self.secret_file is None) == (self.certificate is None):
                raise UsageError(_("Give the app's client secret or its certificate, one "
                                   "of the two."))
        elif self.service_account is None:
            raise UsageError(_("Google needs the service account's JSON key file."))
        if not _URL.fullmatch(self.authority):
            raise UsageError(_("The authority must be an https:// URL, such as {url}."
                               ).format(url=DEFAULT_AUTHORITY))
        written = [p for p in (self.path, self.token_file, self.state_file, self.secret_file)
                   if p is not None]
        if len(set(written)) < len(written):
            raise UsageError(_("The configuration, the token file, the state file and the "
                               "secret file must be four different files."))
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Path):
                check_text(str(value), item.name)
                if not value.is_absolute():
                    raise UsageError(_("{name} needs an absolute path, not {path}.").format(
                        name=item.name, path=value))

    @property
    def token_url(self) -> str:
        """Where the request goes, for messages (MSAL finds it by discovery)."""
        if self.provider is Provider.GOOGLE:
            return _("the token URI of {path}").format(path=self.service_account)
        return f"{self.authority.rstrip('/')}/{self.tenant}/oauth2/v2.0/token"

    @property
    def unit_name(self) -> str:
        """The systemd units and the cron file: smtp-wizard-token-<config name>."""
        stem = re.sub(r"[^A-Za-z0-9_-]", "-", self.path.stem) or "oauth"
        return f"smtp-wizard-token-{stem}"

    def to_toml(self) -> str:
        lines = [_("# OAuth 2.0 for the wiki's mail, written by smtp-wizard token setup. No "
                   "secret here: the client secret or private key is in the file named "
                   "below.")]
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "path" or value is None or value == "":
                continue
            if isinstance(value, int | float):
                lines.append(f"{item.name} = {value}")
            else:
                # A JSON string is a TOML basic string: the same escapes.
                lines.append(f"{item.name} = {json.dumps(str(value), ensure_ascii=False)}")
        return "\n".join(lines) + "\n"


def default_config_path() -> Path:
    """/etc/smtp-wizard/oauth.toml for root, else ~/.config/smtp-wizard/oauth.toml."""
    if os.geteuid() == 0:
        return Path("/etc/smtp-wizard/oauth.toml")
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(base) / "smtp-wizard" / "oauth.toml"


def default_state_path(config: Path) -> Path:
    """/var/lib/smtp-wizard/<name>.state.json for root, else under $XDG_STATE_HOME."""
    if os.geteuid() == 0:
        folder = Path("/var/lib/smtp-wizard")
    else:
        base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local",
                                                                  "state")
        folder = Path(base) / "smtp-wizard"
    return folder / f"{config.stem}.state.json"


def load_config(path: Path) -> OAuthConfig:
    """Read and check a configuration file; `UsageError` says what is wrong."""
    try:
        data = read_nofollow(path)[:_MAX_CONFIG]
        table = tomllib.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise UsageError(_("There is no token configuration {path}: run smtp-wizard token "
                           "setup first, or name it with --config.").format(path=path)) from None
    except OSError as exc:
        raise UsageError(_("{path} cannot be read: {error}.").format(
            path=path, error=exc.strerror or exc)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(_("{path} is not a valid configuration file: {error}.").format(
            path=path, error=str(exc)[:200])) from None
    known = {item.name: item for item in fields(OAuthConfig)}
    values: dict[str, object] = {"path": Path(os.path.abspath(path))}
    for key, value in table.items():
        if key not in known or key == "path":
            raise UsageError(_("{path}: “{key}” is not a setting smtp-wizard knows.").format(
                path=path, key=str(key)[:60]))
        values[key] = value
    try:
        return _build(values)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(_("{path} is incomplete or has a wrong value: {error}.").format(
            path=path, error=str(exc)[:200])) from None


def _build(values: dict[str, object]) -> OAuthConfig:
    paths = ("token_file", "state_file", "secret_file", "certificate", "service_account",
             "ca_file")
    for key in paths:
        if key in values:
            values[key] = Path(str(values[key]))
    values["provider"] = Provider(str(values["provider"]))
    for key in ("margin",):
        if key in values and not isinstance(values[key], int):
            raise ValueError(key)
    if "timeout" in values:
        values["timeout"] = float(values["timeout"])  # type: ignore[arg-type]
    return OAuthConfig(**values)  # type: ignore[arg-type]
