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
import os
import sys
from contextlib import closing, suppress
from dataclasses import dataclass
from weakref import WeakKeyDictionary, WeakSet

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import N_, _
from wizard.model.shown import visible

__all__ = [
    "BACKEND_ERRORS",
    "NO_KEYRING",
    "BackendInfo",
    "backend_info",
    "mark_unlocked",
    "sudo_note",
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
    problem: Diagnosis | None = None
    """When something is set up wrong and must be fixed (not merely absent): what."""

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
            "problem": self.problem.to_dict() if self.problem else None,
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
# Fail backends standing for a configuration keyring cannot load: (problem, detail). A
# subclass would not do: keyring registers every backend class for its own discovery.
_broken: WeakKeyDictionary[KeyringBackend, tuple[Diagnosis, str]] = WeakKeyDictionary()


def mark_unlocked(ring: CryptFileKeyring) -> None:
    """`ring` holds its key now: describing it no longer warns of a terminal prompt."""
    _unlocked.add(ring)


def backend_info(backend: KeyringBackend | None = None) -> BackendInfo:
    """Describe `backend`, or the one keyring's discovery would use. May block (D-Bus)."""
    if backend is None:
        return _describe(system_backend())
    return _describe(backend)


def sudo_note() -> str:
    """Run through sudo: a sentence saying the keyring is root's, not the admin's; else ""."""
    user = os.environ.get("SUDO_USER", "")
    if os.geteuid() != 0 or not user or user == "root":
        return ""
    return _("Run through sudo, smtp-wizard uses root's keyring and root's encrypted file, "
             "not those of {user}.").format(user=_visible(user))


def system_backend() -> KeyringBackend:
    """keyring's own choice, minus the file keyrings it would chain in by itself.

    Never raises: when keyring cannot load the backend its configuration names, the
    result is a fail backend whose description says what to fix.
    """
    try:
        chosen = keyring.get_keyring()
    except Exception as exc:
        # Discovery imports and runs whatever module the configuration names, so any
        # exception means "fix the configuration". keyring keeps nothing after a
        # failure: the next call tries again.
        return _broken_config(exc)
    if isinstance(chosen, ChainerBackend):
        system = [ring for ring in chosen.backends if not _is_file_keyring(ring)]
        return system[0] if system else fail.Keyring()
    return chosen


def _is_file_keyring(ring: KeyringBackend) -> bool:
    # keyrings.cryptfile and keyrings.alt both build their file keyrings on a
    # `file_path` property; the system keyrings have none.
    return hasattr(type(ring), "file_path")


def _broken_config(exc: Exception) -> fail.Keyring:
    error = _visible(" ".join(str(exc).split())) or type(exc).__name__
    named = os.environ.get("PYTHON_KEYRING_BACKEND")
    if named is not None:
        # keyring reads the variable first and its configuration file only without it.
        problem = diagnose("keyring-env-broken", name=_visible(named), error=error)
    else:
        from keyring.util.platform_ import config_root

        path = config_root() / "keyringrc.cfg"
        problem = diagnose("keyring-config-broken", path=_visible(str(path)), error=error)
    ring = fail.Keyring()
    _broken[ring] = (problem, f"{type(exc).__name__}: {error}")
    return ring


def _visible(text: str, limit: int = 200) -> str:
    """`text` from the environment or a file, bounded and with control characters shown."""
    return visible(text[:limit]) + ("…" if len(text) > limit else "")


def _describe(ring: KeyringBackend) -> BackendInfo:
    qualified = f"{type(ring).__module__}.{type(ring).__qualname__}"
    if ring in _broken:
        broken, detail = _broken[ring]
        return BackendInfo("none", _("no keyring (its configuration is broken)"),
                           persistent=False, encrypted=False, usable=False,
                           reason=f"{broken.cause} {broken.fix}", detail=detail,
                           problem=broken)
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
