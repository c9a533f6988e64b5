"""The keyring wrapper against real backends: the encrypted file, GNOME Keyring, and none.

The encrypted-file keyring runs in-process in a temp folder (each open, store and read
costs about 0.3 s of Argon2, so tests keep their operations few). The Secret Service and
the no-D-Bus cases run in subprocesses with a clean environment (tests/keyring_env.py),
since keyring picks its backend once per process from the environment.
"""

from __future__ import annotations

import base64
import configparser
import logging
import os
import re
import stat
import traceback
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.compat import properties
from keyring.errors import KeyringError, PasswordSetError
from keyrings.cryptfile.cryptfile import CryptFileKeyring
from keyrings.cryptfile.escape import escape as escape_for_ini

from tests.support.common import USER, require_program
from tests.support.keyring_env import (
    LOGIN_PASSWORD,
    Outcome,
    with_bare_dbus,
    with_secret_service,
    without_dbus,
)
from wizard.model.fields import SettingsError
from wizard.model.settings import Settings
from wizard.smtp.transcript import REDACTED
from wizard.store.backends import BackendInfo, backend_info
from wizard.store.keyring import (
    SecretsError,
    cryptfile_backend,
    delete_password,
    load_password,
    service_name,
    store_password,
)

# Distinctive, so a leak cannot hide behind a common word.
PASSWORD = "Tr0ub4dor&3-zebra"
MASTER = "master-Kq7!correct"
SETTINGS = Settings(host="smtp.example.org", port=587, username=USER)


@pytest.fixture
def keyring_file(tmp_path: Path) -> Path:
    return tmp_path / "wizard" / "keyring.cfg"


@pytest.fixture
def ring(keyring_file: Path) -> CryptFileKeyring:
    return cryptfile_backend(keyring_file, MASTER)


def test_service_name_is_ascii_host_and_port() -> None:
    assert service_name(SETTINGS) == "smtp-wizard/smtp.example.org:587"
    assert (service_name(Settings(host="Mail.Bücher.example", port=465, username=USER))
            == "smtp-wizard/mail.xn--bcher-kva.example:465")
    assert (service_name(Settings(host="[2001:db8::1]", port=25, username=USER))
            == "smtp-wizard/2001:db8::1:25")


def test_cryptfile_round_trip(ring: CryptFileKeyring) -> None:
    info = store_password(SETTINGS, PASSWORD, backend=ring)
    assert (info.name, info.usable, info.persistent, info.encrypted) == (
        "encrypted file", True, True, True)
    assert not info.needs_fallback
    assert load_password(SETTINGS, backend=ring) == PASSWORD
    assert delete_password(SETTINGS, backend=ring) is True
    assert delete_password(SETTINGS, backend=ring) is False
    assert load_password(SETTINGS, backend=ring) is None


def test_cryptfile_is_private_and_holds_no_clear_password(keyring_file: Path) -> None:
    """Created 0600 in a 0700 folder whatever the umask; the password only encrypted."""
    old_umask = os.umask(0)
    try:
        ring = cryptfile_backend(keyring_file, MASTER)
        store_password(SETTINGS, PASSWORD, backend=ring)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(keyring_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keyring_file.parent.stat().st_mode) == 0o700

    raw = keyring_file.read_bytes()
    # Each value is base64 of a JSON object whose fields are base64 again: look in
    # every layer, not only in the bytes on disk.
    layers = [raw]
    for blob in re.findall(rb"[A-Za-z0-9+/=]{16,}", raw.replace(b"\n\t", b"")):
        decoded = base64.b64decode(blob + b"=" * (-len(blob) % 4))
        layers.append(decoded)
        layers += [base64.b64decode(field) for field in re.findall(rb'"([^"]+)"', decoded)
                   if re.fullmatch(rb"[A-Za-z0-9+/=]+", field) and len(field) % 4 == 0]
    assert len(layers) > 5
    for layer in layers:
        assert PASSWORD.encode() not in layer
        assert MASTER.encode() not in layer

    # The entry is found under the service name and the user name, as documented.
    config = configparser.RawConfigParser()
    config.read(keyring_file)
    assert config.has_option(escape_for_ini("smtp-wizard/smtp.example.org:587"),
                             escape_for_ini(USER))


def test_loose_existing_file_is_tightened(keyring_file: Path) -> None:
    keyring_file.parent.mkdir()
    keyring_file.touch(mode=0o644)
    keyring_file.chmod(0o644)
    cryptfile_backend(keyring_file, MASTER)
    assert stat.S_IMODE(keyring_file.stat().st_mode) == 0o600


def test_entries_are_kept_apart_per_port_and_user(ring: CryptFileKeyring) -> None:
    other_port = SETTINGS.replace(port=465, security="tls")
    other_user = SETTINGS.replace(username="bot@example.org")
    store_password(SETTINGS, "pw-587", backend=ring)
    store_password(other_port, "pw-465", backend=ring)
    assert load_password(other_user, backend=ring) is None
    assert load_password(SETTINGS, backend=ring) == "pw-587"
    assert load_password(other_port, backend=ring) == "pw-465"


def test_wrong_master_password_is_a_clear_error(keyring_file: Path,
                                                ring: CryptFileKeyring) -> None:
    store_password(SETTINGS, PASSWORD, backend=ring)
    with pytest.raises(SecretsError, match="master password is wrong") as caught:
        cryptfile_backend(keyring_file, "not-the-master")
    assert "not-the-master" not in str(caught.value) + caught.value.detail
    assert str(keyring_file) in str(caught.value)
    # Nothing was changed by the failed attempt.
    again = cryptfile_backend(keyring_file, MASTER)
    assert load_password(SETTINGS, backend=again) == PASSWORD


@pytest.mark.parametrize("content", [
    "this is not a keyring\n",
    # A file of cryptfile's older PyCrypto scheme: readable INI, wrong format.
    "[keyring_2Dsetting]\npassword_20reference = eyJ4IjogMX0=\n"
    "scheme = [PBKDF2] AES256.CFB\nversion = 1.0\n",
])
def test_foreign_or_damaged_file_is_not_called_a_wrong_password(keyring_file: Path,
                                                                 content: str) -> None:
    keyring_file.parent.mkdir()
    keyring_file.write_text(content)
    with pytest.raises(SecretsError, match="damaged or was not written by this wizard"):
        cryptfile_backend(keyring_file, MASTER)
    assert keyring_file.read_text() == content


def test_master_password_must_not_be_empty(keyring_file: Path) -> None:
    with pytest.raises(SecretsError, match="master password is empty"):
        cryptfile_backend(keyring_file, "  ")
    assert not keyring_file.exists()


def test_keyring_file_in_an_impossible_place(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(SecretsError, match="cannot be created or opened"):
        cryptfile_backend(blocker / "keyring.cfg", MASTER)


def test_unusable_new_password_keeps_the_old_one(ring: CryptFileKeyring) -> None:
    store_password(SETTINGS, PASSWORD, backend=ring)
    with pytest.raises(SettingsError) as caught:
        store_password(SETTINGS, "two\nlines", backend=ring)
    assert caught.value.field == "password"
    assert load_password(SETTINGS, backend=ring) == PASSWORD


def test_no_user_name_means_nothing_to_store_under(ring: CryptFileKeyring) -> None:
    no_auth = Settings(host="smtp.example.org", port=25, auth=False)
    with pytest.raises(SettingsError) as caught:
        store_password(no_auth, PASSWORD, backend=ring)
    assert caught.value.field == "username"


def test_write_failure_becomes_secrets_error(keyring_file: Path,
                                             ring: CryptFileKeyring) -> None:
    """An I/O error mid-store is reported with the keyring's name, and nothing is lost."""
    store_password(SETTINGS, PASSWORD, backend=ring)
    saved = keyring_file.with_suffix(".saved")
    keyring_file.rename(saved)
    keyring_file.mkdir()  # cryptfile's open(path, "w") now fails
    try:
        with pytest.raises(SecretsError, match=r"^The password was not saved\. The keyring "
                                               r"\(encrypted file\) failed") as caught:
            store_password(SETTINGS, "new-password-1", backend=ring)
    finally:
        keyring_file.rmdir()
        saved.rename(keyring_file)
    assert "new-password-1" not in str(caught.value) + caught.value.detail
    assert load_password(SETTINGS, backend=ring) == PASSWORD


def test_no_keyring_backend_is_a_normal_state() -> None:
    info = backend_info(fail.Keyring())
    assert not info.usable and info.needs_fallback and not info.persistent
    assert "SSH" in info.reason and "encrypted file" in info.reason
    for call in (lambda: store_password(SETTINGS, PASSWORD, backend=fail.Keyring()),
                 lambda: load_password(SETTINGS, backend=fail.Keyring()),
                 lambda: delete_password(SETTINGS, backend=fail.Keyring())):
        with pytest.raises(SecretsError, match="No system keyring is available"):
            call()


def test_null_backend_is_refused_rather_than_silently_keeping_nothing() -> None:
    info = backend_info(null.Keyring())
    assert not info.usable and info.needs_fallback
    with pytest.raises(SecretsError, match="switched off"):
        store_password(SETTINGS, PASSWORD, backend=null.Keyring())


def test_file_keyring_not_opened_by_the_wizard_is_refused(tmp_path: Path) -> None:
    """keyring's own CryptFileKeyring would stop at getpass(); it must never be called."""
    foreign = CryptFileKeyring()
    foreign.file_path = str(tmp_path / "foreign.cfg")
    info = backend_info(foreign)
    assert not info.usable
    assert "asks for its master password on the terminal" in info.reason
    with pytest.raises(SecretsError, match="master password on the terminal"):
        store_password(SETTINGS, PASSWORD, backend=foreign)
    assert not (tmp_path / "foreign.cfg").exists()


class _LeakyKeyring(KeyringBackend):
    """A backend whose errors quote the secret, as a careless third-party one might."""

    @properties.classproperty
    def priority(cls) -> float:
        # Never chosen by keyring's discovery in this process; only passed explicitly.
        raise RuntimeError("test backend")

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError(f"no access to {service} for {username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"cannot store {password!r} for {username}")


def test_password_never_appears_in_errors_or_output(
        keyring_file: Path, ring: CryptFileKeyring,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[SecretsError] = []
    for call in (lambda: store_password(SETTINGS, PASSWORD, backend=_LeakyKeyring()),
                 lambda: load_password(SETTINGS, backend=_LeakyKeyring()),
                 lambda: store_password(SETTINGS, PASSWORD, backend=fail.Keyring()),
                 lambda: store_password(SETTINGS, PASSWORD, backend=null.Keyring()),
                 lambda: cryptfile_backend(keyring_file, PASSWORD)):
        with pytest.raises(SecretsError) as caught:
            call()
        errors.append(caught.value)

    leaky = errors[0]
    assert leaky.message.startswith("The password was not saved.")
    assert REDACTED in leaky.message and REDACTED in leaky.detail
    for error in errors:
        # Raised from None: the backend's own exception never shows in a traceback.
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
        shown = "".join(traceback.format_exception(error)) + repr(error) + error.detail
        assert PASSWORD not in shown
    captured = capsys.readouterr()
    assert PASSWORD not in captured.out + captured.err + caplog.text


# --- real Secret Service and no D-Bus, in subprocesses --------------------------------

_COMMON = f"""
from wizard.store.backends import *
from wizard.store.keyring import *
from wizard.model.settings import Settings
SETTINGS = Settings(host="smtp.example.org", port=587, username={USER!r})
PASSWORD = {PASSWORD!r}
"""


def _no_secret_in(outcome: Outcome) -> None:
    assert PASSWORD not in outcome.stdout + outcome.stderr
    assert "second-Pw-9" not in outcome.stdout + outcome.stderr


@pytest.fixture
def secret_service() -> None:
    require_program("dbus-run-session")
    require_program("gnome-keyring-daemon")


@pytest.mark.usefixtures("secret_service")
def test_gnome_keyring_round_trip(tmp_path: Path) -> None:
    outcome = with_secret_service(tmp_path, _COMMON + """
import keyring, secretstorage
info = backend_info()
store_password(SETTINGS, PASSWORD)
loaded = load_password(SETTINGS)
items = list(secretstorage.Collection(secretstorage.dbus_init()).search_items(
    {"service": service_name(SETTINGS), "username": SETTINGS.username}))
emit(info=info.to_dict(), loaded_ok=loaded == PASSWORD, items=len(items),
     chained=[type(ring).__name__ for ring in getattr(keyring.get_keyring(), "backends", [])],
     deleted=delete_password(SETTINGS), deleted_again=delete_password(SETTINGS),
     after=load_password(SETTINGS))
""")
    data = outcome.data
    info = data["info"]
    assert isinstance(info, dict)
    assert info["name"] == "Secret Service"
    assert info["usable"] and info["ready"] and info["persistent"] and info["encrypted"]
    assert not info["needs_fallback"]
    # keyring alone would chain cryptfile's file keyrings behind the Secret Service;
    # the wizard used the Secret Service itself, under the documented entry name.
    chained = data["chained"]
    assert isinstance(chained, list) and "CryptFileKeyring" in chained
    assert data["loaded_ok"] is True and data["items"] == 1
    assert (data["deleted"], data["deleted_again"], data["after"]) == (True, False, None)
    _no_secret_in(outcome)


@pytest.mark.usefixtures("secret_service")
def test_locked_gnome_keyring_fails_clearly_and_keeps_the_old_password(
        tmp_path: Path) -> None:
    outcome = with_secret_service(tmp_path, _COMMON + """
store_password(SETTINGS, PASSWORD)
lock_keyring()
info = backend_info()
try:
    store_password(SETTINGS, "second-Pw-9")
except SecretsError as error:
    failure = str(error)
else:
    failure = None
unlock_keyring()
emit(info=info.to_dict(), failure=failure, kept=load_password(SETTINGS) == PASSWORD)
""")
    info = outcome.data["info"]
    assert isinstance(info, dict)
    assert info["usable"] and not info["ready"] and info["needs_fallback"]
    assert "is locked" in str(info["reason"])
    failure = str(outcome.data["failure"])
    assert failure.startswith("The password was not saved. The keyring (Secret Service) "
                              "is locked")
    assert outcome.data["kept"] is True
    assert LOGIN_PASSWORD not in outcome.stdout + outcome.stderr
    _no_secret_in(outcome)


@pytest.mark.usefixtures("secret_service")
def test_gnome_keyring_without_a_login_collection(tmp_path: Path) -> None:
    """The daemon runs but nobody ever logged in graphically: no collection to write to."""
    outcome = with_secret_service(tmp_path, _COMMON + """
info = backend_info()
try:
    store_password(SETTINGS, PASSWORD)
except SecretsError as error:
    failure = str(error)
emit(info=info.to_dict(), failure=failure)
""", login=False)
    info = outcome.data["info"]
    assert isinstance(info, dict)
    assert info["usable"] and not info["ready"] and info["needs_fallback"]
    assert "no default collection" in str(info["reason"])
    assert "could not be opened" in str(outcome.data["failure"])
    _no_secret_in(outcome)


def test_without_dbus_the_keyring_is_unusable_and_the_file_fallback_works(
        tmp_path: Path) -> None:
    outcome = without_dbus(tmp_path, _COMMON + """
import keyring
from pathlib import Path
info = backend_info()
try:
    store_password(SETTINGS, PASSWORD)
except SecretsError as error:
    failure = str(error)
files_before = sorted(str(p) for p in Path.home().rglob("*") if p.is_file())
ring = cryptfile_backend(None, "fallback-master")
store_password(SETTINGS, PASSWORD, backend=ring)
emit(info=info.to_dict(), failure=failure, files_before=files_before,
     keyring_choice=str(keyring.get_keyring()), file=ring.file_path,
     default=str(default_cryptfile_path()),
     loaded_ok=load_password(SETTINGS, backend=cryptfile_backend(None, "fallback-master"))
     == PASSWORD)
""")
    data = outcome.data
    info = data["info"]
    assert isinstance(info, dict)
    assert not info["usable"] and info["needs_fallback"]
    assert "SSH" in str(info["reason"])
    assert "DBUS_SESSION_BUS_ADDRESS" in str(info["detail"])
    assert str(data["failure"]) == info["reason"]
    # keyring alone would have picked its chainer, whose first member is a file keyring
    # that prompts on the terminal; the wizard stored nothing anywhere instead.
    assert "ChainerBackend" in str(data["keyring_choice"])
    assert data["files_before"] == []
    assert data["file"] == data["default"] == str(
        tmp_path / "data" / "smtp-wizard" / "keyring.cfg")
    assert data["loaded_ok"] is True
    _no_secret_in(outcome)


def test_dbus_without_a_secret_service(tmp_path: Path) -> None:
    """A server with a user bus but no desktop keyring: D-Bus works, nothing answers."""
    require_program("dbus-run-session")
    outcome = with_bare_dbus(tmp_path, _COMMON + """
import os
info = backend_info()
try:
    store_password(SETTINGS, PASSWORD)
except SecretsError as error:
    failure = str(error)
emit(info=info.to_dict(), failure=failure, bus=bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS")))
""")
    info = outcome.data["info"]
    assert isinstance(info, dict)
    assert outcome.data["bus"] is True
    assert not info["usable"] and info["needs_fallback"]
    assert "neither running nor activatable" in str(info["detail"])
    assert outcome.data["failure"] == info["reason"]
    _no_secret_in(outcome)


def test_backend_info_serialises_every_field() -> None:
    info = BackendInfo("x", "y", persistent=True, encrypted=False, usable=True)
    assert info.to_dict() == {
        "name": "x", "description": "y", "persistent": True, "encrypted": False,
        "usable": True, "ready": True, "needs_fallback": True, "reason": "", "detail": "",
        "problem": None}
