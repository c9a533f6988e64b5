"""Hostile servers, hostile files, hostile input, through the real command line: nothing
leaks, nothing reaches the terminal raw, nothing is overwritten, no traceback.

Each run is a `python -m wizard` process (tests/support/hostile_cli.py says what counts
as clean); scripts/reliability.py runs the same cases in every locale and prints the
figures README's "Reliability" section states.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from tests.support.common import USER, cli
from tests.support.hostile import peer
from tests.support.hostile_cli import (
    FILE_CASES,
    FILE_OPTIONS,
    LOCALES,
    MODES,
    PEER_CASES,
    STDIN_COMMANDS,
    Outcome,
    run_file_case,
    run_peer_case,
    run_stdin_case,
)
from tests.support.servers import Certs
from wizard.model.settings import Security, Settings
from wizard.smtp.check import run_check
from wizard.smtp.ports import PortState, detect_security


def assert_clean(outcome: Outcome) -> None:
    assert outcome.clean, (
        f"{outcome.case}: exit {outcome.exit_code} (expected {outcome.expected_exit}), "
        f"traceback={outcome.traceback}, leaks={outcome.leaks}, controls={outcome.controls}, "
        f"lost={outcome.bytes_lost}, strays={outcome.strays}, problems={outcome.problems}\n"
        f"{outcome.output}")


@pytest.fixture(scope="module")
def cert_folder(certs: Certs) -> Path:
    return certs.ca_file.parent


@pytest.mark.parametrize("name", PEER_CASES)
def test_hostile_peer_through_the_cli(name: str, cert_folder: Path) -> None:
    """Text, -v and --json, in a locale whose output encoding is strict (en_US.UTF-8):
    the password (as typed, or in base64) is never shown, not even when the server quotes
    it; escape sequences and bytes that are not UTF-8 are shown as escapes; the run ends
    in the diagnosis that names what the server did, with exit code 1."""
    for mode in MODES:
        assert_clean(run_peer_case(name, mode, "en_US.UTF-8", cert_folder))


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
@pytest.mark.parametrize("name", ["latin1-banner-and-reply", "latin1-ehlo-refusal",
                                  "escape-sequences-in-banner-ehlo-reply"])
def test_bytes_that_are_not_utf8_in_every_locale(name: str, locale: str,
                                                 cert_folder: Path) -> None:
    for mode in ("verbose", "json"):
        assert_clean(run_peer_case(name, mode, locale, cert_folder))


@pytest.mark.parametrize("option", FILE_OPTIONS)
@pytest.mark.parametrize("case", FILE_CASES)
def test_a_bad_path_is_one_line_exit_2_and_nothing_written(case: str, option: str) -> None:
    outcome = run_file_case(case, option)
    if outcome is None:
        pytest.skip(f"{case} needs root (a second account, or chattr +i)")
    assert_clean(outcome)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("command", STDIN_COMMANDS)
def test_a_password_that_is_not_utf8_is_refused_in_one_line(command: str,
                                                            locale: str) -> None:
    outcome = run_stdin_case(command, locale)
    assert_clean(outcome)
    assert "not UTF-8" in outcome.output


def test_a_stalled_tls_handshake_is_named() -> None:
    """A port that accepts and never answers the ClientHello: the TLS step says so
    ("tls-handshake-timeout"), instead of a connect step waiting for a greeting."""
    with peer("silent") as port:
        settings = Settings(host="127.0.0.1", port=port, security=Security.TLS, auth=False,
                            timeout=1.0)
        report = asyncio.run(run_check(settings))
    assert report.diagnoses == ["tls-handshake-timeout"]
    assert [(s.id, str(s.status)) for s in report.steps[:2]] == [("connect", "ok"),
                                                                  ("tls", "fail")]


def test_security_auto_tells_a_silent_port_from_a_filtered_one() -> None:
    with peer("silent") as port:
        settings = Settings(host="127.0.0.1", port=port, auth=False, timeout=2.0)
        security, seen = asyncio.run(detect_security(settings))
    assert security is None and seen.state is PortState.SILENT


def test_a_greeting_in_digits_that_are_not_ascii_is_not_smtp() -> None:
    """"²²⁰" passes str.isdigit() and then fails int(): the probe must say "not SMTP"."""
    with peer("unicode-digits") as port:
        settings = Settings(host="127.0.0.1", port=port, auth=False, timeout=2.0)
        security, seen = asyncio.run(detect_security(settings))
    assert security is None and seen.state is PortState.NOT_SMTP


RENDER = ["render", "smtp.example.org", "--user", USER, "--no-test"]


@pytest.mark.parametrize(("args", "stdin", "says"), [
    ([*RENDER, "--password-mode", "env", "--env-var", "A-B"], "", "environment variable"),
    ([*RENDER, "--password-stdin", "--password-mode", "file", "--secrets-file", ""],
     "pw\n", "absolute path"),
    ([*RENDER, "--password-mode", "env", "--pin-cafile", "/etc/ssl/a\nb.pem"], "", "b.pem"),
    (["check", "127.0.0.1", "--port", "9", "--user", USER, "--password-stdin"], "a\0b\n",
     "NUL"),
])
def test_bad_input_is_exit_2_with_a_sentence(args: list[str], stdin: str, says: str) -> None:
    """Input errors the renderer catches are usage errors (2), like the ones the command
    line catches; a NUL in the password is called a NUL, not a line break."""
    done = cli(*args, stdin=stdin)
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert "line break" not in done.stderr


def test_a_write_that_fails_after_the_backup_names_the_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder turns read-only between the backup and the write (a full disk, a
    remount): the error names the file, says it is unchanged, and where its copy is."""
    from tests.support.common import backups_of, read_only
    from wizard.render import PasswordMode, RenderOptions, Target, render
    from wizard.store import install

    folder = tmp_path / "wiki"
    folder.mkdir()
    out = folder / "mail.php"
    out.write_text("<?php\n// the previous snippet\n")
    real_backup = install.make_backup
    locked = contextlib.ExitStack()

    def backup_then_lock(path: Path, now: object = None) -> Path:
        made = real_backup(path, now)  # type: ignore[arg-type]
        locked.enter_context(read_only(folder))
        return made

    monkeypatch.setattr(install, "make_backup", backup_then_lock)
    settings = Settings(host="smtp.example.org", port=587, auth=False)
    rendered = render(settings, Target.MEDIAWIKI, RenderOptions(password_mode=PasswordMode.ENV))
    with locked, pytest.raises(OSError) as failed:
        install.write_snippet(rendered, out, holds_password=False)
    [backup] = backups_of(out)
    assert failed.value.filename == str(out)
    assert str(backup) in str(failed.value.strerror) and "unchanged" in str(failed.value.strerror)
    assert out.read_text() == "<?php\n// the previous snippet\n" == backup.read_text()
