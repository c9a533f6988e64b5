"""Run a Python snippet against a real Secret Service, or against no D-Bus at all.

keyring chooses its backend once per process from the environment, so each case runs in
its own subprocess with a clean environment and a fresh HOME: nothing of the developer's
own keyring is read or touched.

`with_bare_dbus()` gives a session bus on which nothing can be activated: D-Bus works but
no Secret Service exists, as on a server with a systemd user bus and no desktop.
`with_secret_service()` starts a private D-Bus session (`dbus-run-session`) and
gnome-keyring-daemon in it, unlocked with `LOGIN_PASSWORD`, which on a fresh
XDG_DATA_HOME creates the "login" collection that keyring writes into. Headless, no
unlock prompt can appear (gcr-prompter has no display), exactly as over SSH.

A snippet reports through `emit(**data)`, which prints one JSON line; the helpers
return that data together with the raw output, so tests can also check what the
snippet printed (for instance that no password leaked into it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOGIN_PASSWORD", "Outcome", "with_bare_dbus", "with_secret_service",
           "without_dbus"]

REPO = Path(__file__).resolve().parents[2]
LOGIN_PASSWORD = "login-keyring-pw"
"""The test keyring's own unlock password (not an SMTP password)."""
_MARK = "RESULT "
# Starting a D-Bus session and the keyring daemon takes well under a second; the
# encrypted-file tests in a snippet take a few seconds more.
_TIMEOUT = 60.0

# Defined before every snippet: a way to report, and ways to lock and unlock the
# default collection the way a desktop session or a timeout would.
_PRELUDE = f"""
import json, subprocess, time

def emit(**data):
    print({_MARK!r} + json.dumps(data), flush=True)

def default_collection():
    import secretstorage
    return secretstorage.Collection(secretstorage.dbus_init())

def lock_keyring():
    default_collection().lock()

def unlock_keyring():
    # A running daemon cannot be unlocked without a prompt; a replacement started
    # with the password on stdin opens the same files unlocked.
    subprocess.run(["gnome-keyring-daemon", "--replace", "--unlock",
                    "--components=secrets"], input={LOGIN_PASSWORD!r}.encode(),
                   capture_output=True, check=True, timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if not default_collection().is_locked():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise RuntimeError("the keyring did not come back unlocked")
"""

# Unlock (and on a fresh home create) the login collection, then run the snippet.
_UNLOCKED_SESSION = (
    'printf "%s" "$LOGIN_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets '
    '>/dev/null && unset LOGIN_PASSWORD && exec "$PYTHON" -c "$SNIPPET"'
)
# The daemon as a desktop session that was never logged into starts it: no collection.
_BARE_SESSION = (
    'gnome-keyring-daemon --start --components=secrets >/dev/null '
    '&& exec "$PYTHON" -c "$SNIPPET"'
)


# A session bus with no service directories, so no Secret Service can be activated.
_BARE_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True)
class Outcome:
    data: dict[str, object]
    """What the snippet passed to `emit()`."""
    stdout: str
    stderr: str


def with_secret_service(home: Path, snippet: str, *, login: bool = True) -> Outcome:
    """Run `snippet` in a private D-Bus session with gnome-keyring running.

    With `login` the login collection exists and is unlocked; without, the daemon runs
    but has no collection at all, as on a machine nobody has logged into graphically.
    """
    env = _clean_env(home)
    env.update(LOGIN_PASSWORD=LOGIN_PASSWORD, SNIPPET=_PRELUDE + snippet,
               PYTHON=sys.executable)
    script = _UNLOCKED_SESSION if login else _BARE_SESSION
    return _run(["dbus-run-session", "--", "sh", "-c", script], env)


def with_bare_dbus(home: Path, snippet: str) -> Outcome:
    """Run `snippet` on a private session bus that offers no Secret Service."""
    env = _clean_env(home)
    config = home / "session-bus.conf"
    config.write_text(_BARE_BUS_CONFIG.format(runtime=env["XDG_RUNTIME_DIR"]))
    return _run(["dbus-run-session", f"--config-file={config}", "--",
                 sys.executable, "-c", _PRELUDE + snippet], env)


def without_dbus(home: Path, snippet: str) -> Outcome:
    """Run `snippet` with no D-Bus session at all, as in a plain SSH login."""
    return _run([sys.executable, "-c", _PRELUDE + snippet], _clean_env(home))


def _clean_env(home: Path) -> dict[str, str]:
    """Only what Python needs, a fresh HOME and XDG folders, and no session bus."""
    runtime = home / "run"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
    }


def _run(command: list[str], env: dict[str, str]) -> Outcome:
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=_TIMEOUT, check=False, cwd=env["HOME"])
    results = [line[len(_MARK):] for line in done.stdout.splitlines()
               if line.startswith(_MARK)]
    if done.returncode != 0 or len(results) != 1:
        raise AssertionError(f"snippet failed (exit {done.returncode}):\n"
                             f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}")
    return Outcome(json.loads(results[0]), done.stdout, done.stderr)
