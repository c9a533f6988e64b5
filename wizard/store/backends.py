"""Which keyring would hold the password, and whether it can keep it safely, in plain words.

The backend is the one keyring's own discovery picks (config file, PYTHON_KEYRING_BACKEND,
priorities), with one correction: file keyrings that keyring finds by itself
(keyrings.cryptfile registers three, one of them plain text) are never used implicitly,
since they would ask for a master password on the terminal or keep the password in clear.
Where no system keyring is left (over SSH: no Secret Service on D-Bus), that is reported as
a normal state, and the caller can offer the encrypted file of `wizard.store.keyring`.

Describing a backend may block (D-Bus calls): call it from a thread worker, never on an
event loop.
"""

from __future__ import annotations

import configparser
import dataclasses
import sys
from contextlib import closing, suppress
from dataclasses import dataclass
from weakref import WeakSet

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from wizard.model.i18n import N_, _

__all__ = [
    "BACKEND_ERRORS",
    "NO_KEYRING",
    "BackendInfo",
    "backend_info",
    "mark_unlocked",
    "system_backend",
]


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

NO_KEYRING = N_("No system keyring is available in this session: there is no Secret "
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


BACKEND_ERRORS = _backend_errors()

# Encrypted-file keyrings opened by `cryptfile_backend()`, so holding their key. Any
# other one would stop at a getpass() prompt in a worker thread.
_unlocked: WeakSet[CryptFileKeyring] = WeakSet()


def mark_unlocked(ring: CryptFileKeyring) -> None:
    """`ring` holds its key now: describing it no longer warns of a terminal prompt."""
    _unlocked.add(ring)


def backend_info(backend: KeyringBackend | None = None) -> BackendInfo:
    """Describe `backend`, or the one keyring's discovery would use. May block (D-Bus)."""
    if backend is None:
        return _describe(system_backend())
    return _describe(backend)


def system_backend() -> KeyringBackend:
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
                           usable=False, reason=_(NO_KEYRING),
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
    except BACKEND_ERRORS:
        return ""  # Not a known state: the real call will report it in full.
    if locked:
        return _("The keyring (Secret Service) is locked. On a desktop, saving asks to "
                 "unlock it; over SSH nobody can answer that prompt. Unlock it first, or "
                 "keep the password in the encrypted file instead.")
    return ""
