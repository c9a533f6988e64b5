"""Which keyring `render --password-from keyring` and `rotate` use: the system's, or the file.

The same choice as the wizard's: the system keyring when it can keep the password safely,
else the encrypted file of `wizard.store.keyring` (over SSH there is no Secret Service).
The file's master password never comes from an argument: it is read from a file
descriptor the caller names (`--master-password-fd 3 3<file`; 0 is standard input, after
the SMTP password when both come from there) or asked for without echo on a terminal.

Run through sudo, every keyring here is root's: `sudo_note()` of `wizard.store.backends`
says so where it matters.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.errors import UsageError
from wizard.model.i18n import _

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from wizard.store.backends import BackendInfo

__all__ = ["KeyringChoice", "choose_keyring", "keyring_arguments"]

# A master password is one line; anything longer is not one.
_MAX_LINE = 4096


@dataclass(frozen=True)
class KeyringChoice:
    backend: KeyringBackend | None
    """The keyring to use, unlocked; None when none can be used (see `hint`)."""
    info: BackendInfo | None = None
    """What `backend` is, in words."""
    hint: str = ""
    """Without a backend: why, and what to do."""


def keyring_arguments(parser: argparse.ArgumentParser) -> None:
    # The keyring modules are imported only when a command uses them: every command
    # line builds this parser.
    parser.add_argument(
        "--keyring-file", metavar="PATH",
        help=_("use the encrypted-file keyring at PATH instead of the system keyring (where "
               "there is none, the file is used anyway: by default "
               "~/.local/share/smtp-wizard/keyring.cfg); under sudo both are root's"))
    parser.add_argument(
        "--master-password-fd", metavar="FD",
        help=_("read the encrypted file's master password from the first line of file "
               "descriptor FD (0: standard input, the line after the SMTP password when "
               "that comes from standard input too)"))


def choose_keyring(args: argparse.Namespace, *, create: bool) -> KeyringChoice:
    """The keyring for this command; `create`: a new encrypted file may be made.

    May block (D-Bus, about half a second of key derivation, a prompt on a terminal).
    Raises `UsageError` for an unreadable master password source or a wrong master
    password, before anything is changed.
    """
    from wizard.store.backends import backend_info, sudo_note, system_backend
    from wizard.store.keyring import SecretsError, cryptfile_backend, default_cryptfile_path

    reason = ""
    if not args.keyring_file:
        ring = system_backend()
        info = backend_info(ring)
        if not info.needs_fallback:
            return KeyringChoice(ring, info)
        reason = info.reason or _("The system keyring ({keyring}) cannot keep the password "
                                  "safely.").format(keyring=info.name)
    path = Path(args.keyring_file) if args.keyring_file else default_cryptfile_path()
    new = not path.exists()
    if new and not create:
        return KeyringChoice(None, hint=" ".join(filter(None, (reason, _(
            "There is no encrypted keyring file at {path}.").format(path=path),
            sudo_note()))))
    master = _master_password(args, path, new=new)
    if master is None:
        return KeyringChoice(None, hint=" ".join(filter(None, (reason, _(
            "To use the encrypted file {path}, give its master password with "
            "--master-password-fd FD (or run on a terminal).").format(path=path),
            sudo_note()))))
    try:
        file_ring = cryptfile_backend(path, master)
    except SecretsError as exc:
        raise UsageError(exc.message) from None
    return KeyringChoice(file_ring, backend_info(file_ring))


def _master_password(args: argparse.Namespace, path: Path, *, new: bool) -> str | None:
    if args.master_password_fd is not None:
        return _read_fd(args.master_password_fd)
    if not sys.stdin.isatty():
        return None
    if not new:
        return _ask(_("Master password of {path}: ").format(path=path))
    first = _ask(_("Master password for a new encrypted keyring file {path}: ").format(
        path=path))
    if _ask(_("The same again: ")) != first:
        raise UsageError(_("The two master passwords differ; nothing was changed."))
    return first


def _ask(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:  # ctrl+d at the prompt
        raise UsageError(_("No master password was given; nothing was changed.")) from None


def _read_fd(value: str) -> str:
    """One line from file descriptor `value`; the descriptor stays open."""
    if not value.isdigit() or len(value) > 6:
        raise UsageError(_("--master-password-fd takes a file descriptor number, such as 3."))
    fd = int(value)
    try:
        if fd == 0:
            # Standard input is shared with --password-stdin, which reads through
            # sys.stdin's buffer: read the next line from the same buffer.
            line = sys.stdin.readline(_MAX_LINE + 1)
        else:
            with open(fd, encoding="utf-8", closefd=False) as stream:
                line = stream.readline(_MAX_LINE + 1)
    except OSError as exc:
        raise UsageError(_("The master password cannot be read from file descriptor {fd}: "
                           "{error}.").format(fd=fd, error=exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise UsageError(_("The master password from file descriptor {fd} is not UTF-8 "
                           "text.").format(fd=fd)) from None
    line = line.rstrip("\r\n")
    if len(line) > _MAX_LINE or any(not ch.isprintable() for ch in line):
        raise UsageError(_("The master password from file descriptor {fd} must be one line "
                           "of at most {n} printable characters.").format(fd=fd, n=_MAX_LINE))
    return line
