"""The command line's keyring: a broken keyring set-up is a finding, never a crash, and
without a Secret Service `rotate` and `render --password-from keyring` use the encrypted
file, with its master password from a file descriptor.

Every run is a real `smtp-wizard` process with a clean environment: a fresh HOME, no
D-Bus session (as over SSH), and keyring's configuration only where a test writes one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.compat import properties

from tests.support.common import ROOT, USER, backups_of
from tests.support.servers import Certs, SmtpServer
from wizard.mediawiki.localsettings import read_localsettings, to_settings
from wizard.store.keyring import SecretsError, cryptfile_backend, store_password
from wizard.store.rotate import rotate_password

NEW = "n3w-Rotated-pw"
OLD = "old-s3cret"
MASTER = "master-Kq7!correct"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home),
        "LANG": "C.UTF-8",
        "SMTP_WIZARD_BACKUP_DIR": os.environ["SMTP_WIZARD_BACKUP_DIR"],
        **extra,
    }
    return env


def _run(args: list[str], env: dict[str, str], *, stdin: str = "",
         fd_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """`smtp-wizard ARGS`; with `fd_text`, "{fd}" in ARGS names a pipe holding it."""
    fds: tuple[int, ...] = ()
    if fd_text is not None:
        read_end, write_end = os.pipe()
        os.write(write_end, fd_text.encode())
        os.close(write_end)
        fds = (read_end,)
        args = [arg.replace("{fd}", str(read_end)) for arg in args]
    try:
        return subprocess.run([sys.executable, "-m", "wizard", *args], input=stdin,
                              text=True, capture_output=True, cwd=ROOT, env=env,
                              pass_fds=fds, timeout=60, check=False)
    finally:
        for fd in fds:
            os.close(fd)


def _wiki(folder: Path, port: int) -> Path:
    local = folder / "LocalSettings.php"
    local.write_text(f"""<?php
$wgSMTP = array(
    'host'     => '127.0.0.1',
    'port'     => {port},
    'auth'     => true,
    'username' => '{USER}',
    'password' => '{OLD}',
    'timeout'  => 5,
);
""")
    return local


def _rotate(local: Path, certs: Certs, *extra: str) -> list[str]:
    return ["rotate", "--localsettings", str(local), "--password-stdin",
            "--ca-file", str(certs.ca_file), *extra]


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


# --- a broken keyring set-up ----------------------------------------------------------

_BROKEN = {
    "env-missing-module": ({"PYTHON_KEYRING_BACKEND": "no_such_keyring_module.Keyring"},
                           None, "keyring-env-broken", "no_such_keyring_module"),
    "env-missing-class": ({"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.NoSuchClass"},
                          None, "keyring-env-broken", "NoSuchClass"),
    "rc-missing-backend": ({}, "[backend]\ndefault-keyring = no_such_keyring_module.Keyring\n",
                           "keyring-config-broken", "no_such_keyring_module"),
    "rc-not-ini": ({}, "default-keyring = keyring.backends.fail.Keyring\n",
                   "keyring-config-broken", "no section headers"),
}


def _broken_env(home: Path, case: str) -> dict[str, str]:
    variables, keyringrc, _code, _name = _BROKEN[case]
    if keyringrc is not None:
        folder = home / "config" / "python_keyring"
        folder.mkdir(parents=True)
        (folder / "keyringrc.cfg").write_text(keyringrc)
    return _env(home, **variables)


@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_rotate_with_a_broken_keyring_still_reports_the_write(
        case: str, tmp_path: Path, certs: Certs,
        smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = _wiki(tmp_path, server.port)
    result = _run(_rotate(local, certs), _broken_env(tmp_path / "home", case),
                  stdin=NEW + "\n")
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "Updated the password in" in result.stdout
    assert f"'{NEW}'" in local.read_text() and len(backups_of(local)) == 1
    _vars, _rc, code, name = _BROKEN[case]
    [line] = [line for line in result.stdout.splitlines()
              if line.startswith("The keyring was not updated:")]
    assert name in line and "--master-password-fd" in line
    assert ("PYTHON_KEYRING_BACKEND" in line) == (code == "keyring-env-broken")
    assert NEW not in result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_render_from_a_broken_keyring_says_what_to_fix(case: str, tmp_path: Path) -> None:
    result = _run(["render", "smtp.example.org", "--user", USER, "--password-from",
                   "keyring"], _broken_env(tmp_path / "home", case))
    _no_traceback(result)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    _vars, _rc, code, name = _BROKEN[case]
    assert name in line
    fix = "Unset PYTHON_KEYRING_BACKEND" if code == "keyring-env-broken" else "move the file"
    assert fix in line


@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_doctor_reports_a_broken_keyring_as_a_finding(case: str, tmp_path: Path) -> None:
    local = _wiki(tmp_path, 1)
    # The wiki reads its password from the environment: the doctor asks the keyring.
    local.write_text(local.read_text().replace(f"'{OLD}'", "getenv('WIKI_SMTP_PW')"))
    result = _run(["doctor", "--offline", str(local)], _broken_env(tmp_path / "home", case))
    _no_traceback(result)
    code = _BROKEN[case][2]
    assert f"[{code}]" in result.stdout, result.stdout
    assert "! password" in result.stdout


class _BuggyKeyring(KeyringBackend):
    """A third-party backend with a bug of its own: not a keyring error at all."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test backend: never chosen by keyring's discovery")

    def get_password(self, service: str, username: str) -> str | None:
        raise TypeError("unexpected argument")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise TypeError(f"cannot handle {password!r}")


async def test_a_backend_bug_after_the_write_leaves_the_write_reported(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    config = read_localsettings(_wiki(tmp_path, server.port))
    found = to_settings(config)
    assert found is not None
    settings = found[0].replace(ca_file=str(certs.ca_file))
    with pytest.raises(SecretsError, match=r"^The password was not saved\. The keyring "):
        store_password(settings, NEW, backend=_BuggyKeyring())
    result = await rotate_password(config, settings, NEW, backend=_BuggyKeyring())
    assert result.tested and result.change is not None and result.stored is None
    assert any("The keyring was not updated" in note for note in result.notes)
    assert NEW not in " ".join(result.notes)


# --- the encrypted file, without a Secret Service ---------------------------------------

def test_rotate_then_render_through_the_encrypted_file(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = _wiki(tmp_path, server.port)
    home = tmp_path / "home"
    env = _env(home, SUDO_USER="alice")
    # Both from standard input: the new password, then the master password.
    rotated = _run(_rotate(local, certs, "--master-password-fd", "0"), env,
                   stdin=f"{NEW}\n{MASTER}\n")
    _no_traceback(rotated)
    assert rotated.returncode == 0, rotated.stderr
    assert "Stored the new password in the keyring (encrypted file)." in rotated.stdout
    # Run as root with SUDO_USER set is how sudo runs it: the keyring is root's.
    as_root = os.geteuid() == 0
    assert ("root's keyring and root's encrypted file, not those of alice" in
            rotated.stdout) == as_root
    ring = home / "data" / "smtp-wizard" / "keyring.cfg"
    assert ring.stat().st_mode & 0o777 == 0o600
    assert NEW not in ring.read_text() and MASTER not in rotated.stdout + rotated.stderr

    rendered = _run(["render", "127.0.0.1", "--port", str(server.port), "--user", USER,
                     "--password-from", "keyring", "--master-password-fd", "{fd}"],
                    env, fd_text=MASTER + "\n")
    assert rendered.returncode == 0, rendered.stderr
    assert f"'{NEW}'" in rendered.stdout


def test_a_wrong_master_password_changes_nothing(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = _wiki(tmp_path, server.port)
    home = tmp_path / "home"
    ring = home / "data" / "smtp-wizard" / "keyring.cfg"
    first = _run(_rotate(local, certs, "--master-password-fd", "{fd}"), _env(home),
                 stdin=NEW + "\n", fd_text=MASTER)
    assert first.returncode == 0 and ring.exists(), first.stderr
    before, kept = local.read_bytes(), ring.read_bytes()
    result = _run(_rotate(local, certs, "--master-password-fd", "{fd}"), _env(home),
                  stdin=NEW + "\n", fd_text="not-the-master\n")
    _no_traceback(result)
    assert result.returncode == 2 and "master password is wrong" in result.stderr
    assert "Testing" not in result.stdout
    assert local.read_bytes() == before and ring.read_bytes() == kept
    assert len(backups_of(local)) == 1


def test_without_a_master_password_the_wiki_changes_and_the_keyring_says_how(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = _wiki(tmp_path, server.port)
    home = tmp_path / "home"
    result = _run(_rotate(local, certs), _env(home), stdin=NEW + "\n")
    assert result.returncode == 0, result.stderr
    assert "Updated the password in" in result.stdout
    [line] = [line for line in result.stdout.splitlines()
              if line.startswith("The keyring was not updated:")]
    assert "No system keyring is available" in line and "--master-password-fd FD" in line
    assert not (home / "data" / "smtp-wizard").exists()


def test_render_from_the_keyring_without_any_keyring(tmp_path: Path) -> None:
    result = _run(["render", "smtp.example.org", "--user", USER, "--password-from",
                   "keyring"], _env(tmp_path))
    assert result.returncode == 2
    assert "There is no encrypted keyring file at" in result.stderr
    assert not (tmp_path / "data" / "smtp-wizard").exists()


@pytest.mark.parametrize(("value", "message"), [
    ("three", "takes a file descriptor number"),
    ("97", "cannot be read from file descriptor 97"),
])
def test_a_bad_master_password_descriptor_is_a_usage_error(
        value: str, message: str, tmp_path: Path) -> None:
    ring = tmp_path / "ring.cfg"
    cryptfile_backend(ring, MASTER)
    result = _run(["render", "smtp.example.org", "--user", USER, "--password-from", "keyring",
                   "--keyring-file", str(ring), "--master-password-fd", value],
                  _env(tmp_path))
    _no_traceback(result)
    assert result.returncode == 2 and message in result.stderr


def test_a_hostile_backend_name_is_shown_not_obeyed(tmp_path: Path) -> None:
    """The variable's value reaches the message with its control characters escaped."""
    name = "evil\x1b]0;owned\x07.Keyring"
    result = _run(["render", "smtp.example.org", "--user", USER, "--password-from",
                   "keyring"], _env(tmp_path, PYTHON_KEYRING_BACKEND=name))
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "evil\\x1b]0;owned\\x07.Keyring" in result.stderr
