"""The SMTP password in a keyring: which backend, whether it keeps secrets, and a fallback.

The entry is `smtp-wizard/<host>:<port>` with the SMTP user name. The backend is the one
keyring's own discovery picks (config file, PYTHON_KEYRING_BACKEND, priorities), with one
correction: file keyrings that keyring finds by itself (keyrings.cryptfile registers
three, one of them plain text) are never used implicitly, since they would ask for a
master password on the terminal or keep the password in clear. Where no system keyring
is left (over SSH: no Secret Service on D-Bus), that is reported as a normal state, and
the caller can offer `cryptfile_backend()`, an encrypted file with a master password.

Every function here may block (D-Bus calls, an unlock prompt on a desktop, and about
0.3 s of Argon2 key derivation per encrypted-file operation): call them from a thread
worker, never on an event loop. Every keyring failure becomes a
`SecretsError` whose text says what happened and what to do and never holds a secret.
"""

from __future__ import annotations

import binascii
import configparser
import dataclasses
import json
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakSet

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import InitError, KeyringError, KeyringLocked, NoKeyringError
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from wizard.errors import WizardError
from wizard.model.i18n import N_, _
from wizard.model.settings import Settings, SettingsError, check_password
from wizard.smtp.transcript import Redactor

__all__ = [
    "SERVICE_PREFIX",
    "BackendInfo",
    "SecretsError",
    "backend_info",
    "cryptfile_backend",
    "default_cryptfile_path",
    "delete_password",
    "load_password",
    "service_name",
    "store_password",
]

SERVICE_PREFIX = "smtp-wizard"


class SecretsError(WizardError):
    """A keyring operation failed. The text is for the user; it never holds a secret.

    `detail` is the backend's own technical words (English, secrets redacted), for logs
    and `--json`; the text alone is enough to act on.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class BackendInfo:
    """Which keyring would hold the password, in words an admin can judge."""

    name: str
    """Short name: "Secret Service", "encrypted file", "none"."""
    description: str
    """A plain-words sentence fragment: where the password would be kept."""
    persistent: bool
    """The password survives a logout and a reboot."""
    encrypted: bool
    """The password is encrypted at rest."""
    usable: bool
    ready: bool = True
    """False when saving would first need an unlock prompt that may never show (SSH)."""
    reason: str = ""
    """When not usable or not ready: why, and what to do instead."""
    detail: str = ""
    """keyring's own technical reason (English), for logs and `--json`."""

    @property
    def needs_fallback(self) -> bool:
        """Offer the encrypted-file keyring: the system one cannot keep the password safely."""
        return not (self.usable and self.ready and self.persistent and self.encrypted)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "persistent": self.persistent,
            "encrypted": self.encrypted,
            "usable": self.usable,
            "ready": self.ready,
            "needs_fallback": self.needs_fallback,
            "reason": self.reason,
            "detail": self.detail,
        }


# Backends known by class, as "module.Class": (short name, description, encrypted).
# Anything else is described by keyring's own name and not claimed to be encrypted.
_KNOWN: dict[str, tuple[str, str, bool]] = {
    "keyring.backends.SecretService.Keyring": (
        "Secret Service",
        N_("the desktop keyring (Secret Service: GNOME Keyring, KeePassXC), encrypted "
           "with your login password"), True),
    "keyring.backends.libsecret.Keyring": (
        "libsecret",
        N_("the desktop keyring through libsecret (GNOME Keyring), encrypted with your "
           "login password"), True),
    "keyring.backends.kwallet.DBusKeyring": (
        "KWallet", N_("the KDE Wallet, encrypted with its own password"), True),
    "keyring.backends.kwallet.DBusKeyringKWallet4": (
        "KWallet", N_("the KDE Wallet, encrypted with its own password"), True),
    "keyring.backends.macOS.Keyring": (
        "macOS Keychain", N_("the macOS Keychain"), True),
    "keyring.backends.Windows.WinVaultKeyring": (
        "Windows Credential Manager", N_("the Windows Credential Manager"), True),
    "keyrings.cryptfile.file.PlaintextKeyring": (
        "plain-text file", N_("a plain-text file that anyone with a copy can read"), False),
}

_NO_KEYRING = N_("No system keyring is available in this session: there is no Secret "
                 "Service (GNOME Keyring, KWallet, KeePassXC) on its D-Bus, which is usual "
                 "over SSH. Keep the password in an encrypted file protected by a master "
                 "password instead, or do not store it.")
_KEYRING_OFF = N_("The keyring is switched off in keyring's configuration (its null "
                  "backend keeps nothing). Keep the password in an encrypted file protected "
                  "by a master password instead, or do not store it.")
_FILE_KEYRING = N_("keyring would use {name}, a file keyring that asks for its master "
                   "password on the terminal, where the wizard cannot answer. Choose the "
                   "encrypted file in the wizard instead, or do not store the password.")


def _backend_errors() -> tuple[type[BaseException], ...]:
    """What a backend may raise for a state of the world rather than a bug in the wizard."""
    errors: list[type[BaseException]] = [
        KeyringError, OSError, RuntimeError, ValueError, EOFError, configparser.Error]
    # The D-Bus libraries exist only where keyring depends on them (Linux, BSD).
    with suppress(ImportError):
        from secretstorage.exceptions import SecretStorageException
        errors.append(SecretStorageException)
    with suppress(ImportError):
        from jeepney.wrappers import DBusErrorResponse
        errors.append(DBusErrorResponse)
    return tuple(errors)


_BACKEND_ERRORS = _backend_errors()

# Encrypted-file keyrings opened by `cryptfile_backend()`, so holding their key. Any
# other one would stop at a getpass() prompt in a worker thread.
_unlocked: WeakSet[CryptFileKeyring] = WeakSet()


def service_name(settings: Settings) -> str:
    """The keyring entry's service: `smtp-wizard/<host>:<port>`, host in its ASCII form."""
    return f"{SERVICE_PREFIX}/{settings.ascii_host}:{settings.port}"


def default_cryptfile_path() -> Path:
    """Where the encrypted-file keyring lives unless the user picks another file."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or "")
    if not data_home.is_absolute():  # unset or relative: the XDG spec says ignore it
        data_home = Path.home() / ".local" / "share"
    return data_home / "smtp-wizard" / "keyring.cfg"


def backend_info(backend: KeyringBackend | None = None) -> BackendInfo:
    """Describe `backend`, or the one keyring's discovery would use. May block (D-Bus)."""
    if backend is None:
        return _describe(_system_backend())
    return _describe(backend)


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
    _unlocked.add(ring)
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
    ring = _system_backend() if backend is None else backend
    info = _describe(ring)
    if not info.usable:
        raise SecretsError(info.reason, info.detail)
    return ring, info


def _system_backend() -> KeyringBackend:
    """keyring's own choice, minus the file keyrings it would chain in by itself."""
    chosen = keyring.get_keyring()
    if isinstance(chosen, ChainerBackend):
        system = [ring for ring in chosen.backends if not _is_file_keyring(ring)]
        return system[0] if system else fail.Keyring()
    return chosen


def _is_file_keyring(ring: KeyringBackend) -> bool:
    # keyrings.cryptfile and keyrings.alt both build their file keyrings on a
    # `file_path` property; the system keyrings have none.
    return hasattr(type(ring), "file_path")


def _describe(ring: KeyringBackend) -> BackendInfo:
    qualified = f"{type(ring).__module__}.{type(ring).__qualname__}"
    if isinstance(ring, fail.Keyring):
        return BackendInfo("none", _("no keyring"), persistent=False, encrypted=False,
                           usable=False, reason=_(_NO_KEYRING),
                           detail=_secret_service_problem())
    if isinstance(ring, null.Keyring):
        return BackendInfo("none", _("no keyring (switched off)"), persistent=False,
                           encrypted=False, usable=False, reason=_(_KEYRING_OFF))
    if isinstance(ring, CryptFileKeyring):
        info = BackendInfo("encrypted file", _("an encrypted file, {path}, locked with a "
                                               "master password").format(
                                                   path=ring.file_path),
                           persistent=True, encrypted=True, usable=True)
        if ring in _unlocked:
            return info
    elif qualified in _KNOWN:
        name, description, encrypted = _KNOWN[qualified]
        info = BackendInfo(name, _(description), persistent=True, encrypted=encrypted,
                           usable=True)
    else:
        info = BackendInfo(ring.name, _("the keyring backend {name}").format(name=ring.name),
                           persistent=True, encrypted=False, usable=True)
    if qualified == "keyring.backends.SecretService.Keyring":
        problem = _collection_problem(ring)
        if problem:
            return dataclasses.replace(info, ready=False, reason=problem)
    if _is_file_keyring(ring):
        # Configured in keyring's settings, or the only backend keyring found; only
        # `cryptfile_backend()` opens a file keyring without a terminal prompt.
        return dataclasses.replace(info, usable=False,
                                   reason=_(_FILE_KEYRING).format(name=ring.name))
    return info


def _secret_service_problem() -> str:
    """Why keyring found no Secret Service, in its own words ("" off Linux and BSD)."""
    if sys.platform in ("darwin", "win32"):
        return ""
    from keyring.backends import SecretService

    try:
        SecretService.Keyring.priority  # noqa: B018 -- the property is the check
    except Exception as exc:  # keyring reports viability by raising, any type
        return str(exc)
    return ""


def _collection_problem(ring: KeyringBackend) -> str:
    """Why saving into the Secret Service would need a prompt, found without one.

    keyring itself would unlock (or create) the collection with a prompt, which on a
    desktop works and over SSH fails; here only the state is read.
    """
    import secretstorage
    from secretstorage.collection import DEFAULT_COLLECTION
    from secretstorage.exceptions import ItemNotFoundException

    path = getattr(ring, "preferred_collection", DEFAULT_COLLECTION)
    try:
        with closing(secretstorage.dbus_init()) as bus:
            locked = secretstorage.Collection(bus, path).is_locked()
    except ItemNotFoundException:
        return _("The keyring (Secret Service) has no default collection yet. Creating one "
                 "needs a desktop login, so over SSH saving will fail: keep the password "
                 "in the encrypted file instead, or do not store it.")
    except _BACKEND_ERRORS:
        return ""  # Not a known state: the real call will report it in full.
    if locked:
        return _("The keyring (Secret Service) is locked. On a desktop, saving asks to "
                 "unlock it; over SSH nobody can answer that prompt. Unlock it first, or "
                 "keep the password in the encrypted file instead.")
    return ""


@contextmanager
def _translated(action: str, info: BackendInfo, settings: Settings,
                password: str = "") -> Iterator[None]:
    """Turn a backend's exception into a `SecretsError` that says what to do.

    Raised `from None`: the original exception (and any D-Bus message in it) must not
    reach a traceback printed for the user; its redacted text is kept in `detail`.
    """
    try:
        yield
    except _BACKEND_ERRORS as exc:
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
            why = _(_NO_KEYRING)
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
