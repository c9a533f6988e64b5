"""The hostile cases run through the real command line, and what each run did.

Shared by tests/integration/test_hostile.py (which asserts that every outcome is clean)
and scripts/reliability.py (which runs the whole matrix and prints the figures README's
"Reliability" section states). A run is one `python -m wizard ...` process; its outcome
records what a user would care about: a traceback, the password (or any form of it) in
the output, a control character that reached the terminal, and bytes of existing files
lost or half-written files left behind.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.common import ROOT, USER
from tests.support.hostile import hostile_cert, peer, tls_context

__all__ = [
    "FILE_CASES",
    "FILE_OPTIONS",
    "LOCALES",
    "MODES",
    "PASSWORD",
    "PEER_CASES",
    "STDIN_COMMANDS",
    "Outcome",
    "PeerCase",
    "run_file_case",
    "run_peer_case",
    "run_stdin_case",
    "sandbox",
]

PASSWORD = "Hunter2-é'\"\x1b[7m"
"""Quotes, a non-ASCII letter and an escape sequence: every way a password can go wrong
on its way to the screen. "Hunter2" appearing anywhere counts as a leak."""

LOCALES: dict[str, dict[str, str]] = {
    # Python reads and writes C.UTF-8 and C with surrogateescape; a real en_US.UTF-8
    # locale gives the strict handler, which PYTHONIOENCODING reproduces where that
    # locale is not installed.
    "en_US.UTF-8": {"LANG": "en_US.UTF-8", "LC_ALL": "C.UTF-8",
                    "PYTHONIOENCODING": "utf-8:strict"},
    "C.UTF-8": {"LC_ALL": "C.UTF-8"},
    "C": {"LANG": "C"},
}
MODES: dict[str, tuple[str, ...]] = {"text": (), "verbose": ("-v",), "json": ("--json",)}

# What a terminal acts on: C0 controls but the line break, DEL, C1 controls, the
# bidirectional overrides, and lone surrogates (bytes that were not UTF-8).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@dataclass(frozen=True)
class Outcome:
    case: str
    exit_code: int
    expected_exit: int
    output: str = field(repr=False)
    traceback: bool
    leaks: tuple[str, ...]
    """Forms of the password found in stdout or stderr."""
    controls: tuple[str, ...]
    """Control characters that reached the terminal."""
    bytes_lost: int = 0
    """Bytes of files that existed before the run and changed or went."""
    strays: tuple[str, ...] = ()
    """Files the run left behind although it failed."""
    problems: tuple[str, ...] = ()
    """Anything else that is wrong: not the expected diagnosis, more than one line."""

    @property
    def clean(self) -> bool:
        return (self.exit_code == self.expected_exit and not self.traceback
                and not self.leaks and not self.controls and not self.bytes_lost
                and not self.strays and not self.problems)


def password_forms(password: str = PASSWORD) -> list[str]:
    forms = {password, "Hunter2"}
    for raw in (password, f"\0{USER}\0{password}", f"{USER}\0{password}"):
        encoded = base64.b64encode(raw.encode()).decode()
        forms |= {encoded, encoded.rstrip("=")}
    return sorted(forms)


def _cli(args: Sequence[str], *, stdin: bytes, locale: str, cwd: Path = ROOT,
         extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
           **LOCALES[locale], **(extra_env or {})}
    if "SMTP_WIZARD_BACKUP_DIR" in os.environ:
        env["SMTP_WIZARD_BACKUP_DIR"] = os.environ["SMTP_WIZARD_BACKUP_DIR"]
    return subprocess.run([sys.executable, "-m", "wizard", *args], input=stdin,
                          capture_output=True, cwd=cwd, env=env, timeout=60, check=False)


def _outcome(case: str, done: subprocess.CompletedProcess[bytes], expected_exit: int, *,
             code: str | None = None, one_line: bool = False, bytes_lost: int = 0,
             strays: tuple[str, ...] = ()) -> Outcome:
    """What the run did; `code`: the diagnosis its JSON report must hold; `one_line`:
    the run must say one line on stderr and nothing on stdout."""
    out = done.stdout.decode("utf-8", "surrogateescape")
    err = done.stderr.decode("utf-8", "surrogateescape")
    problems: list[str] = []
    if code is not None:
        try:
            steps = json.loads(out)["steps"]
            codes = [s["diagnosis"]["code"] for s in steps if s["diagnosis"]]
        except (ValueError, KeyError, TypeError):
            codes = ["<stdout is not the JSON report>"]
        if codes != [code]:
            problems.append(f"diagnosis {codes}, not [{code!r}]")
    if one_line and (len(err.strip().splitlines()) != 1 or out.strip()):
        problems.append("not one line on stderr")
    both = out + err
    return Outcome(case, done.returncode, expected_exit, both, "Traceback" in both,
                   tuple(form for form in password_forms() if form in both),
                   tuple(sorted(set(_CONTROL.findall(both)))), bytes_lost, strays,
                   tuple(problems))


# --- Hostile servers ---------------------------------------------------------------------

@dataclass(frozen=True)
class PeerCase:
    """`smtp-wizard check` against one hostile peer."""

    behaviour: str
    code: str
    """The diagnosis the run must end in."""
    security: str = "tls"
    tls: bool = True
    cert: str = "test"
    """"test": the suite's CA, trusted; "hostile-trusted" / "hostile-untrusted": names
    full of escape sequences, with or without their CA trusted."""


PEER_CASES: dict[str, PeerCase] = {
    "password-quoted-in-login-refusal": PeerCase("echo-password", "auth-failed"),
    "password-quoted-in-sender-refusal": PeerCase("echo-password-later", "sender-rejected"),
    "escape-sequences-in-banner-ehlo-reply": PeerCase("escape-banner", "auth-failed"),
    "escape-sequences-in-ehlo-refusal": PeerCase("escape-ehlo-refused", "helo-rejected",
                                                 "starttls", tls=False),
    "latin1-banner-and-reply": PeerCase("latin1-banner", "auth-failed"),
    "latin1-ehlo-refusal": PeerCase("latin1-ehlo-refused", "helo-rejected", "starttls",
                                    tls=False),
    "escape-sequences-instead-of-smtp": PeerCase("escape-not-smtp", "not-smtp", "starttls",
                                                 tls=False),
    "escape-sequences-instead-of-smtp-auto": PeerCase("escape-not-smtp", "not-smtp", "auto",
                                                      tls=False),
    "silent-port-auto": PeerCase("silent", "no-banner", "auto", tls=False),
    "greeting-in-digits-that-are-not-ascii-auto": PeerCase("unicode-digits", "not-smtp",
                                                           "auto", tls=False),
    "tls-handshake-never-answered": PeerCase("silent", "tls-handshake-timeout", tls=False),
    "certificate-names-with-escapes": PeerCase("escape-banner", "auth-failed",
                                               cert="hostile-trusted"),
    "untrusted-certificate-names-with-escapes": PeerCase("echo-password", "tls-untrusted",
                                                         cert="hostile-untrusted"),
}


def run_peer_case(name: str, mode: str, locale: str, certs: Path) -> Outcome:
    """One `check` run; `certs` holds the suite's ca.pem/valid.pem/valid.key."""
    case = PEER_CASES[name]
    ca_file, cert, key = certs / "ca.pem", certs / "valid.pem", certs / "valid.key"
    if case.cert.startswith("hostile"):
        evil = hostile_cert(certs)
        cert, key = evil.cert, evil.key
        ca_file = evil.ca_file if case.cert == "hostile-trusted" else certs / "ca.pem"
    with peer(case.behaviour, tls=tls_context(cert, key) if case.tls else None) as port:
        done = _cli(["check", "127.0.0.1", "--port", str(port), "--security", case.security,
                     "--user", USER, "--password-stdin", "--sender", USER, "--timeout", "1.5",
                     "--ca-file", str(ca_file), *MODES[mode]],
                    stdin=PASSWORD.encode() + b"\n", locale=locale)
    return _outcome(f"{name}/{mode}/{locale}", done, 1,
                    code=case.code if mode == "json" else None)


# --- Files ---------------------------------------------------------------------------------

FILE_CASES = ("symlink", "missing-folder", "folder", "read-only-folder",
              "link-planted-on-the-way")
"""Where `-o` or `--secrets-file` points; each must end in one line and exit 2."""
FILE_OPTIONS = ("-o", "--secrets-file", "-o, with a secrets file")


@contextmanager
def sandbox() -> Iterator[Path]:
    """A folder other accounts may enter (as a wiki's is), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        subprocess.run(["chattr", "-R", "-i", str(folder)], capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink()}


def _bad_path(folder: Path, case: str) -> Path | None:
    """Set up the case; the path to pass, or None where it cannot be made here."""
    victim = folder / "victim"
    victim.write_text("root:$6$hash\n")
    if case == "symlink":
        (folder / "link.php").symlink_to(victim)
        return folder / "link.php"
    if case == "missing-folder":
        return folder / "missing" / "out.php"
    if case == "folder":
        (folder / "dir.php").mkdir()
        return folder / "dir.php"
    if case == "read-only-folder":
        locked = folder / "locked"
        locked.mkdir()
        if os.geteuid() != 0:
            locked.chmod(0o555)
        elif subprocess.run(["chattr", "+i", str(locked)], capture_output=True,
                            check=False).returncode != 0:
            return None
        return locked / "out.php"
    # The web server's account owns www and replaces wiki by a link to where root's
    # files are: only root can set that up with a real second account.
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    www = folder / "www"
    www.mkdir()
    os.chown(www, 65534, 65534)
    subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ln", "-s",
                    str(folder), str(www / "wiki")], check=True)
    return www / "wiki" / "victim"


def run_file_case(case: str, option: str, locale: str = "C.UTF-8") -> Outcome | None:
    """`render -o BAD` or `render --secrets-file BAD -o good`; None where the case cannot
    be set up on this machine."""
    with sandbox() as folder:
        bad = _bad_path(folder, case)
        if bad is None:
            return None
        before = _snapshot(folder)
        where = {
            "-o": ["-o", str(bad)],
            "--secrets-file": ["--password-mode", "file", "--secrets-file", str(bad),
                               "-o", str(folder / "ok.php")],
            # The secrets file could be written, the snippet not: neither may be.
            "-o, with a secrets file": ["--password-mode", "file", "--secrets-file",
                                        str(folder / "secrets.php"), "-o", str(bad)],
        }[option]
        args = ["render", "smtp.example.org", "--port", "587", "--user", USER,
                "--password-stdin", "--no-test", *where]
        done = _cli(args, stdin=PASSWORD.encode() + b"\n", locale=locale)
        after = _snapshot(folder)
        lost = sum(len(data) for name, data in before.items() if after.get(name) != data)
        strays = tuple(sorted(set(after) - set(before)))
        return _outcome(f"{option} {case}/{locale}", done, 2, one_line=True,
                        bytes_lost=lost, strays=strays)


# --- A password that is not UTF-8 --------------------------------------------------------

def _wiki(folder: Path) -> Path:
    local = folder / "LocalSettings.php"
    local.write_text("<?php\n$wgSMTP = [ 'host' => 'ssl://127.0.0.1', 'port' => 9, "
                     f"'auth' => true, 'username' => '{USER}', 'password' => 'old' ];\n")
    return local


STDIN_COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "check": lambda folder: ["check", "127.0.0.1", "--port", "9", "--user", USER,
                             "--password-stdin"],
    "render": lambda folder: ["render", "smtp.example.org", "--user", USER,
                              "--password-stdin", "--no-test"],
    "rotate": lambda folder: ["rotate", "--localsettings", str(_wiki(folder)),
                              "--password-stdin", "--no-keyring"],
}


def run_stdin_case(command: str, locale: str) -> Outcome:
    """A password with bytes that are not UTF-8 on standard input: one line, exit 2."""
    with sandbox() as folder:
        args = STDIN_COMMANDS[command](folder)
        before = _snapshot(folder)
        done = _cli(args, stdin=b"Hunter2\xff\xfe\xc0\n", locale=locale)
        after = _snapshot(folder)
        lost = sum(len(data) for name, data in before.items() if after.get(name) != data)
        return _outcome(f"{command} non-UTF-8 stdin/{locale}", done, 2, one_line=True,
                        bytes_lost=lost)
