"""Config snippets: one module per target, each a pure function `Settings -> text`.

Nothing here writes files or touches the network: `render()` returns the text (and, for
a separate secrets file, its path and content); the caller decides where it goes.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath

from wizard.errors import UsageError
from wizard.model.i18n import _
from wizard.model.settings import Settings

__all__ = [
    "PasswordMode",
    "RenderError",
    "RenderOptions",
    "Rendered",
    "Target",
    "php_file",
    "render",
]


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Target(StrEnum):
    """The software that will send the mail; its value names the module that renders it."""

    MEDIAWIKI = "mediawiki"
    DJANGO = "django"
    SMTPLIB = "smtplib"
    MOINMOIN = "moinmoin"


class PasswordMode(StrEnum):
    """Where the snippet takes the password from."""

    INLINE = "inline"
    """Written into the snippet itself."""
    ENV = "env"
    """An environment variable of the process that sends (`RenderOptions.env_var`)."""
    FILE = "file"
    """A separate secrets file (mode 0600) that the snippet reads."""
    KEYRING = "keyring"
    """Looked up in the OS keyring at run time (Python targets only)."""


class RenderError(UsageError):
    """These settings and options cannot make a working snippet; the text says why.
    Always a matter of the input (a value, a combination of options): exit code 2."""


@dataclass(frozen=True)
class RenderOptions:
    """How to render, beyond the settings themselves."""

    password_mode: PasswordMode = PasswordMode.INLINE
    password: str | None = field(default=None, repr=False)
    """Needed for INLINE and FILE; never shown in a repr."""
    env_var: str = "SMTP_PASSWORD"
    secrets_path: str | None = None
    """Absolute path of the secrets file for FILE mode; the snippet reads it from there."""
    pear_starttls: bool | None = None
    """Whether the installed pear/mail knows the `starttls` key (>= 1.5); None: unknown.
    Only True emits it."""
    pinned_cafile: str | None = None
    """MediaWiki: trust exactly this CA or certificate file (self-signed opt-in)."""
    use_reply_to: bool = False
    """MediaWiki: emit `$wgUserEmailUseReplyTo = true;`."""
    moinmoin_version: str = "2"
    """"2" (mail_username / mail_password) or "1.9" (mail_login, Python 2)."""
    token_file: str | None = None
    """XOAUTH2: the absolute path of the file `smtp-wizard token refresh` keeps the
    access token in; the snippet reads it each time it sends."""

    def checked_token_file(self) -> str:
        path = self.token_file
        if not path or not PurePosixPath(path).is_absolute():
            raise RenderError(_("XOAUTH2 reads the access token from the token file: give "
                                "its absolute path with --token-file (the one smtp-wizard "
                                "token setup wrote)."))
        return path

    def checked_password(self) -> str:
        """The password, for the modes that write it (INLINE, FILE)."""
        if not self.password:
            raise RenderError(_("This password mode writes the password into a file, but "
                                "no password was given."))
        return self.password

    def checked_env_var(self) -> str:
        if not _ENV_NAME.fullmatch(self.env_var):
            raise RenderError(_("“{name}” is not a usable environment variable name: use "
                                "letters, digits and _, like SMTP_PASSWORD."
                                ).format(name=self.env_var))
        return self.env_var

    def checked_secrets_path(self) -> str:
        # A relative path would depend on the working directory (and, in PHP, the
        # include_path) of whatever process loads the snippet.
        path = self.secrets_path
        if not path or not PurePosixPath(path).is_absolute():
            raise RenderError(_("The secrets file needs an absolute path, like "
                                "/etc/smtp-wizard/password."))
        return path


@dataclass(frozen=True)
class Rendered:
    """A finished snippet, and the secrets file it needs, if any."""

    target: Target
    snippet: str = field(repr=False)
    """Holds the password in INLINE mode, hence kept out of the repr."""
    secrets_file: tuple[str, str] | None = field(repr=False)
    """(path, content) to write with mode 0600, or None."""
    language: str
    """"php" or "python", for syntax highlighting."""
    filename: str
    """A name for the snippet when it is written to a file of its own."""


def render(settings: Settings, target: Target, options: RenderOptions) -> Rendered:
    """The config snippet for `target`; `RenderError` when it cannot work."""
    # The target modules import the types above from this package, so they are loaded
    # here rather than at the top, where they would find this module half-initialised;
    # and only the one asked for is.
    module = importlib.import_module(f"wizard.render.{Target(target).value}")
    renderer: Callable[[Settings, RenderOptions], Rendered] = module.render
    return renderer(settings, options)


def php_file(snippet: str) -> str:
    """A standalone PHP file holding `snippet` (for `-o FILE`; LocalSettings.php
    takes the bare snippet inside its managed block)."""
    return "<?php\n" + snippet
