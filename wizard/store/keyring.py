"""The SMTP password in a keyring: stored, read and deleted, or kept in an encrypted file.

The entry is `smtp-wizard/<host>:<port>` with the SMTP user name, in the backend that
`wizard.store.backends` picks and describes. Where no system keyring is left (over SSH: no
Secret Service on D-Bus), the caller can offer `cryptfile_backend()`, an encrypted file
with a master password.

Every function here may block (D-Bus calls, an unlock prompt on a desktop, and about
0.3 s of Argon2 key derivation per encrypted-file operation): call them from a thread
worker, never on an event loop. Every keyring failure becomes a
`SecretsError` whose text says what happened and what to do and never holds a secret.
"""

from __future__ import annotations

import binascii
import configparser
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import InitError, KeyringLocked, NoKeyringError
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from wizard.errors import WizardError
from wizard.model.diagnosis import Diagnosis
from wizard.model.fields import SettingsError, check_password
from wizard.model.i18n import N_, _
from wizard.model.settings import Settings
from wizard.smtp.transcript import Redactor
from wizard.store.backends import (
    NO_KEYRING,
    BackendInfo,
    backend_info,
    mark_unlocked,
    system_backend,
)
from wizard.store.names import SERVICE_PREFIX, service_name

__all__ = [
    "SERVICE_PREFIX",
    "SecretsError",
    "cryptfile_backend",
    "default_cryptfile_path",
    "delete_password",
    "load_password",
    "service_name",
    "store_password",
]

class SecretsError(WizardError):
    """A keyring operation failed. The text is for the user; it never holds a secret.

    `detail` is the backend's own technical words (English, secrets redacted), for logs
    and `--json`; the text alone is enough to act on. `problem`: the keyring is set up
    wrong (not merely absent), as a diagnosis a report can show.
    """

    def __init__(self, message: str, detail: str = "", problem: Diagnosis | None = None,
                 ) -> None:
        super().__init__(message)
        self.detail = detail
        self.problem = problem


def default_cryptfile_path() -> Path:
    """Where the encrypted-file keyring lives unless the user picks another file."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or "")
    if not data_home.is_absolute():  # unset or relative: the XDG spec says ignore it
        data_home = Path.home() / ".local" / "share"
    return data_home / "smtp-wizard" / "keyring.cfg"


def cryptfile_backend(path: Path | str | None, master_password: str) -> CryptFileKeyring:
    """An encrypted-file keyring at `path` (default `default_cryptfile_path()`), unlocked.

    A new file is created with mode 0600 in a folder with mode 0700; an existing one must
    open with `master_password`, else `SecretsError` ("the master password is wrong").
    Blocks for about half a second (Argon2 key derivation).
    """
    if not master_password.strip():
        raise SecretsError(_("The master password is empty: choose one for the encrypted "
                             "file, and keep it somewhere safe."))
    file = Path(path) if path else default_cryptfile_path()
    redact = Redactor([("", master_password)])
    try:
        _prepare_file(file)
    except OSError as exc:
        raise SecretsError(_("The keyring file {path} cannot be created or opened: {error}. "
                             "Choose a file in a folder you can write to.").format(
                                 path=file, error=exc.strerror or exc),
                           _detail(exc, redact)) from None
    ring = CryptFileKeyring()
    ring.file_path = str(file)
    try:
        # Setting the key opens the file: it checks the stored reference value, or
        # writes one into a new file. On failure cryptfile keeps the wrong key in the
        # instance, so that instance is dropped, never returned.
        ring.keyring_key = master_password
    except (json.JSONDecodeError, binascii.Error, UnicodeDecodeError, KeyError,
            configparser.Error) as exc:
        raise _damaged(file, exc, redact) from None
    except ValueError as exc:
        if str(exc).startswith("Encryption scheme"):
            raise _damaged(file, exc, redact) from None
        # AES-GCM refuses to decrypt the reference value ("MAC check failed"), or it
        # decrypts to something else ("Incorrect Password"): the key is not the one
        # the file was written with.
        raise SecretsError(_("The master password is wrong: {path} was locked with a "
                             "different one. Try again, or move the file away to start "
                             "a new one (its stored passwords are then lost).").format(
                                 path=file), _detail(exc, redact)) from None
    except OSError as exc:
        raise SecretsError(_("The keyring file {path} cannot be read or written: {error}."
                             ).format(path=file, error=exc.strerror or exc),
                           _detail(exc, redact)) from None
    mark_unlocked(ring)
    return ring


def store_password(settings: Settings, password: str, *,
                   backend: KeyringBackend | None = None) -> BackendInfo:
    """Keep `password` for `settings`' server and user; returns where it went.

    Raises `SettingsError` for an unusable password or a missing user name, and
    `SecretsError` when the keyring fails, in which case the previous entry is untouched.
    """
    check_password(password)
    service, user = _entry(settings)
    ring, info = _usable(backend)
    with _translated(N_("The password was not saved."), info, settings, password):
        ring.set_password(service, user, password)
    return info


def load_password(settings: Settings, *,
                  backend: KeyringBackend | None = None) -> str | None:
    """The stored password for `settings`' server and user, or None when there is none."""
    service, user = _entry(settings)
    ring, info = _usable(backend)
    with _translated(N_("The stored password could not be read."), info, settings):
        return ring.get_password(service, user)


def delete_password(settings: Settings, *, backend: KeyringBackend | None = None) -> bool:
    """Remove the stored password; False when there was none."""
    service, user = _entry(settings)
    ring, info = _usable(backend)
    with _translated(N_("The stored password was not deleted."), info, settings):
        # Backends signal "no such entry" and real failures with the same
        # PasswordDeleteError, so look first rather than guess from the exception.
        if ring.get_password(service, user) is None:
            return False
        ring.delete_password(service, user)
    return True


def _entry(settings: Settings) -> tuple[str, str]:
    if not settings.username:
        raise SettingsError("username", _("A password is stored under the SMTP user name; "
                                          "enter the user name first."))
    return service_name(settings), settings.username


def _usable(backend: KeyringBackend | None) -> tuple[KeyringBackend, BackendInfo]:
    """The backend to call and its description; `SecretsError` if it cannot keep anything.

    Checked before every call because the null backend "succeeds" while keeping nothing.
    """
    ring = system_backend() if backend is None else backend
    info = backend_info(ring)
    if not info.usable:
        raise SecretsError(info.reason, info.detail, info.problem)
    return ring, info


@contextmanager
def _translated(action: str, info: BackendInfo, settings: Settings,
                password: str = "") -> Iterator[None]:
    """Turn a backend's exception into a `SecretsError` that says what to do.

    Raised `from None`: the original exception (and any D-Bus message in it) must not
    reach a traceback printed for the user; its redacted text is kept in `detail`. Any
    exception counts: the backend is whatever keyring's configuration names, and a
    caller such as rotation may already have written the wiki's file and must still
    say so.
    """
    try:
        yield
    except Exception as exc:
        redact = Redactor([(settings.username, password)])
        if isinstance(exc, KeyringLocked):
            why = _("The keyring ({keyring}) is locked and could not be unlocked (over SSH "
                    "nobody can answer the unlock prompt). Unlock it on the desktop, or "
                    "keep the password in the encrypted file instead.")
        elif isinstance(exc, InitError):
            why = _("The keyring ({keyring}) could not be opened; it may have no default "
                    "collection yet, which needs a desktop login to create. Keep the "
                    "password in the encrypted file instead, or do not store it.")
        elif isinstance(exc, NoKeyringError):
            why = _(NO_KEYRING)
        else:
            why = _("The keyring ({keyring}) failed: {error}. Try again, or keep the "
                    "password in the encrypted file instead.")
        message = " ".join((_(action), why.format(
            keyring=info.name, error=redact(str(exc)) or type(exc).__name__)))
        raise SecretsError(message, _detail(exc, redact)) from None


def _detail(exc: BaseException, redact: Redactor) -> str:
    return redact(f"{type(exc).__name__}: {exc}")


def _damaged(file: Path, exc: BaseException, redact: Redactor) -> SecretsError:
    return SecretsError(_("The keyring file {path} is damaged or was not written by this "
                          "wizard. Move it away to start a new one, or choose another file."
                          ).format(path=file), _detail(exc, redact))


def _prepare_file(file: Path) -> None:
    """Create the keyring file owner-only before cryptfile writes into it.

    cryptfile would create it with the umask's mode and chmod it afterwards; creating
    it ourselves closes that window and makes the folder private too.
    """
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(file.stat().st_mode)
        if mode & 0o077:
            file.chmod(0o600)
    else:
        os.close(fd)
