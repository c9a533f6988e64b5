"""The doctor against a real MediaWiki: its exit status is MediaWiki's outcome.

A wiki is installed once with MediaWiki's own `maintenance/install.php` (Debian's
mediawiki 1.39 in /usr/share/mediawiki, SQLite), in a folder laid out like Debian's
/var/lib/mediawiki (links to the install, its own LocalSettings.php) and readable by the
web server's account. Each test appends to the installer's LocalSettings.php and runs the
doctor, whose `smtp.via_php` step makes MediaWiki load its settings through its own
maintenance bootstrap and talk through the PEAR it loads, as www-data, to a loopback
server. The doctor must exit 1 exactly when MediaWiki's own send would fail.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.common import PASSWORD, USER, cli
from tests.support.mediawiki import MEDIAWIKI, NO_SYSTEM_PEAR, UPSTREAM_PEAR, Start, required
from wizard.doctor import DoctorOptions, DoctorResult, run_doctor
from wizard.model.report import Report, Status, Step

# The wiki and its servers: `make_wiki` and `mediawiki_server` (tests.support.mediawiki).
pytestmark = pytest.mark.mediawiki

async def doctor(folder: Path, **options: Any) -> DoctorResult:
    """The doctor on this machine as it is (its web server's account, SELinux, PHP),
    with no system PEAR on PHP's path unless asked."""
    options.setdefault("php_args", NO_SYSTEM_PEAR)
    return await run_doctor(DoctorOptions(folder, cwd=folder, roots=(), use_keyring=False,
                                          **options))


def step(report: Report, step_id: str) -> Step:
    found = report.step(step_id)
    assert found is not None, [(s.id, s.status, s.summary) for s in report.steps]
    return found


def code(report: Report, step_id: str) -> str | None:
    diagnosis = step(report, step_id).diagnosis
    return diagnosis.code if diagnosis else None


def failures(report: Report) -> list[tuple[str, str]]:
    return [(s.id, s.summary) for s in report.steps if s.status is Status.FAIL]


# --- The PEAR MediaWiki loads -------------------------------------------------------------

async def test_a_wiki_that_sends_exits_0_with_the_vendored_pear(
        make_wiki: Callable[..., Path], mediawiki_server: Start) -> None:
    """No system PEAR on PHP's path, only MediaWiki's vendor/: no pear-missing, and the
    versions and folder reported are the vendored ones MediaWiki loads."""
    smtp = mediawiki_server(mode="starttls")
    folder = make_wiki("$wgPasswordSender = 'wiki@example.org';\n", smtp.port)
    report = (await doctor(folder)).report
    assert report.exit_code == 0, failures(report)
    assert "pear-missing" not in report.diagnoses
    pear = step(report, "php.pear")
    assert pear.status is Status.OK
    assert "pear/mail 1.5.1 (/usr/share/mediawiki/vendor/pear/mail)" in pear.summary
    assert "Net_SMTP 1.10.0" in pear.summary
    assert "/usr/share/php" not in pear.summary + " ".join(pear.details)
    # MediaWiki's own verdict, as the web server's account.
    via = step(report, "smtp.via_php")
    assert via.status is Status.OK and "as www-data" in via.summary
    assert "MAIL FROM wiki@example.org" in via.summary
    assert any(d.startswith("pear/mail 1.5.1: /usr/share/mediawiki/vendor/pear/mail/")
               for d in via.details)
    assert smtp.messages == []  # nothing sent


async def test_starttls_key_is_judged_by_the_pear_mediawiki_loads(
        make_wiki: Callable[..., Path], mediawiki_server: Start) -> None:
    """'starttls' => true without AUTH: the vendored pear/mail 1.5.1 honours it (the
    system's 1.4.1 would not), so the mail goes encrypted: no starttls-key-ignored, no
    mail-in-clear, and PEAR's own connection is TLS."""
    smtp = mediawiki_server(mode="starttls")
    folder = make_wiki(f"$wgPasswordSender = '{USER}';\n$wgSMTP['auth'] = false;\n"
                       "$wgSMTP['starttls'] = true;\n", smtp.port)
    report = (await doctor(folder, php_args=())).report  # the system PEAR on the path too
    assert report.exit_code == 0, failures(report)
    assert not {"starttls-key-ignored", "mail-in-clear"} & set(report.diagnoses)
    assert "pear/mail 1.5.1" in step(report, "php.pear_mail").summary
    via = step(report, "smtp.via_php")
    assert via.status is Status.OK and "TLSv1" in via.summary


async def test_debian_layout_finds_the_install_through_its_links(
        make_wiki: Callable[..., Path], mediawiki_server: Start, mediawiki_dir: Path) -> None:
    """The settings in an /etc-like folder, linked from the install folder (Debian): the
    doctor finds MediaWiki's vendor/ through the link, not beside the settings."""
    smtp = mediawiki_server(mode="starttls")
    folder = make_wiki("$wgPasswordSender = 'wiki@example.org';\n", smtp.port)
    etc = mediawiki_dir / "etc-mediawiki"
    etc.mkdir(exist_ok=True)
    (folder / "LocalSettings.php").rename(etc / "LocalSettings.php")
    (folder / "LocalSettings.php").symlink_to(etc / "LocalSettings.php")
    report = (await run_doctor(DoctorOptions(
        etc / "LocalSettings.php", cwd=etc, roots=(folder,), use_keyring=False,
        php_args=NO_SYSTEM_PEAR))).report
    assert report.exit_code == 0, failures(report)
    assert "/usr/share/mediawiki/vendor/pear/mail" in step(report, "php.pear").summary
    assert step(report, "smtp.via_php").status is Status.OK


async def test_settings_outside_the_install_with_mw_install_path(
        make_wiki: Callable[..., Path], mediawiki_server: Start, mediawiki_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings kept apart from the code, the install named by MediaWiki's own
    MW_INSTALL_PATH (scripts then get --conf): the doctor uses that install."""
    smtp = mediawiki_server(mode="starttls")
    folder = make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port)
    conf = mediawiki_dir / "conf-apart"
    conf.mkdir()
    (folder / "LocalSettings.php").rename(conf / "LocalSettings.php")
    monkeypatch.setenv("MW_INSTALL_PATH", str(MEDIAWIKI))
    report = (await doctor(conf)).report
    assert report.exit_code == 0, failures(report)
    assert step(report, "smtp.via_php").status is Status.OK


async def test_upstream_pear_first_is_what_mediawiki_uses(
        make_wiki: Callable[..., Path], mediawiki_server: Start) -> None:
    """pear/mail 2.0.0 and Net_SMTP 1.12.2 (what MediaWiki 1.45 bundles) loaded first by
    LocalSettings.php: the conversation goes through them, as www-data."""
    if not (UPSTREAM_PEAR / "mail" / "Mail.php").is_file():
        required(f"upstream PEAR in {UPSTREAM_PEAR}")
    smtp = mediawiki_server(mode="starttls")
    paths = " . PATH_SEPARATOR . ".join(
        f"'{UPSTREAM_PEAR / name}'" for name in ("mail", "net_smtp", "net_socket"))
    folder = make_wiki(f"""$wgPasswordSender = 'wiki@example.org';
set_include_path( {paths} . PATH_SEPARATOR . get_include_path() );
require_once 'Mail.php';
""", smtp.port)
    report = (await doctor(folder)).report
    assert report.exit_code == 0, failures(report)
    via = step(report, "smtp.via_php")
    assert via.status is Status.OK and "as www-data" in via.summary
    assert any(d.startswith(f"pear/mail ?: {UPSTREAM_PEAR}/mail/Mail.php") for d in via.details)
    assert any(f"{UPSTREAM_PEAR}/net_smtp/Net/SMTP.php" in d for d in via.details)
    assert f"{UPSTREAM_PEAR}/mail" in step(report, "php.pear").summary


# --- Exit 1 exactly when MediaWiki fails ---------------------------------------------------

async def test_set_include_path_that_hides_pear_fails_as_mediawiki_does(
        make_wiki: Callable[..., Path], mediawiki_server: Start) -> None:
    """An include path set by an expression the doctor cannot evaluate: without PHP the
    doctor only warns; MediaWiki fails with “Failed opening required 'PEAR.php'”."""
    smtp = mediawiki_server(mode="starttls")
    folder = make_wiki("$wgPasswordSender = 'wiki@example.org';\n"
                       "set_include_path( __DIR__ . '/lib' );\n", smtp.port)
    guess = (await doctor(folder, via_php=False)).report
    assert guess.exit_code == 0  # the model alone cannot tell
    report = (await doctor(folder)).report
    assert report.exit_code == 1
    via = step(report, "smtp.via_php")
    assert via.status is Status.FAIL and code(report, "smtp.via_php") == "include-path"
    assert any("Failed opening required 'PEAR.php'" in d for d in via.details)
    # The doctor's own check passed: the disagreement is said.
    assert any("The doctor's own check passed every step" in d for d in via.details)


async def test_an_expired_certificate_in_pears_own_words(make_wiki: Callable[..., Path],
                                                         mediawiki_server: Start) -> None:
    """The seed's STARTTLS failure: PEAR's error quotes the server's real 220 reply, and
    so does the doctor's explanation."""
    smtp = mediawiki_server(mode="starttls", cert="expired")
    report = (await doctor(make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port))).report
    assert report.exit_code == 1
    via = step(report, "smtp.via_php")
    assert via.status is Status.FAIL and code(report, "smtp.via_php") == "tls-expired"
    pear = "STARTTLS failed (code: 220, response: Ready to start TLS)"
    assert any(pear in d for d in via.details)
    assert via.diagnosis is not None and f"“{pear}”" in via.diagnosis.cause


async def test_nothing_listens_on_the_port(make_wiki: Callable[..., Path]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    report = (await doctor(make_wiki(f"$wgPasswordSender = '{USER}';\n", port))).report
    assert report.exit_code == 1
    assert code(report, "smtp.via_php") == "tcp-refused"
    assert any(f"Failed to connect to 127.0.0.1:{port}" in d
               for d in step(report, "smtp.via_php").details)


async def test_unset_sender_is_tried_as_mediawiki_sends_it(
        make_wiki: Callable[..., Path], mediawiki_server: Start) -> None:
    """$wgPasswordSender unset: MediaWiki sends as apache@ + the server name, which this
    account may not use; Postfix-like, the server refuses it only at RCPT TO."""
    smtp = mediawiki_server(mode="starttls", sender_owners={USER: USER})
    report = (await doctor(make_wiki(smtp_port=smtp.port))).report
    assert report.exit_code == 1
    assert code(report, "smtp.via_php") == "sender-rejected"
    via = step(report, "smtp.via_php")
    assert "RCPT TO" in via.summary
    assert any("Sender address rejected" in d for d in via.details)
    sender = step(report, "wiki.sender")
    assert sender.status is Status.FAIL and "apache@wiki.test" in sender.summary
    assert smtp.recorder.mail_commands[-1].startswith("FROM:<apache@wiki.test>")


async def test_a_sender_the_account_may_not_use(make_wiki: Callable[..., Path],
                                                mediawiki_server: Start) -> None:
    smtp = mediawiki_server(mode="starttls", sender_owners={USER: USER})
    folder = make_wiki("$wgPasswordSender = 'noreply@wiki.test';\n", smtp.port)
    report = (await doctor(folder)).report
    assert report.exit_code == 1
    assert code(report, "smtp.via_php") == "sender-rejected"
    assert code(report, "wiki.sender") == "contact-unset"

    owned = (await doctor(make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port,
                                    name="owned"))).report
    assert owned.exit_code == 0, failures(owned)
    assert step(owned, "smtp.via_php").status is Status.OK


async def test_a_secrets_file_only_root_can_read(make_wiki: Callable[..., Path],
                                                 mediawiki_server: Start,
                                                 mediawiki_dir: Path) -> None:
    """The doctor (root) reads the password; the web server's account cannot, and
    MediaWiki dies with “Failed opening required”."""
    smtp = mediawiki_server(mode="starttls")
    secrets = mediawiki_dir / "smtp-secret.php"
    secrets.write_text(f"<?php\n$smtpPassword = '{PASSWORD}';\n")
    secrets.chmod(0o600)
    folder = make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port,
                       password="$smtpPassword", head=f"require '{secrets}';\n")
    report = (await doctor(folder)).report
    assert report.exit_code == 1
    via = step(report, "smtp.via_php")
    assert via.status is Status.FAIL and "loading its settings" in via.summary
    assert any(f"Failed opening required '{secrets}'" in d for d in via.details)
    permissions = step(report, "wiki.permissions")
    assert permissions.status in (Status.FAIL, Status.WARN)
    assert code(report, "wiki.permissions") in ("web-server-cannot-read",
                                                "job-runner-cannot-read")
    assert any("Opened as www-data" in d for d in permissions.details)
    assert PASSWORD not in str(report.to_dict())

    secrets.chmod(0o644)
    fixed = (await doctor(folder)).report
    assert fixed.exit_code == 0, failures(fixed)


# --- What a command-line PHP cannot see ----------------------------------------------------

async def test_env_password_is_not_a_false_failure(make_wiki: Callable[..., Path],
                                                   mediawiki_server: Start,
                                                   mediawiki_dir: Path) -> None:
    """getenv('SMTP_PASSWORD'): the web server passes it (SetEnv, env[...]), a command-line
    PHP does not. Without the password the doctor says so, and tries no sender without
    logging in first (the server would refuse it, as this one does); with the password
    given, it stands in for the web server's variable."""
    smtp = mediawiki_server(mode="starttls", sender_owners={USER: USER})
    folder = make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port,
                       password="getenv( 'SMTP_PASSWORD' )")
    report = (await doctor(folder)).report
    via = step(report, "smtp.via_php")
    assert via.status is Status.OK and "AUTH and the sender were not tried" in via.summary
    assert "TLSv1" in via.summary  # connected and started TLS as AUTH would
    assert step(report, "smtp.sender").status is Status.SKIPPED
    assert report.exit_code == 0, failures(report)

    # PHP behind a wrapper that writes down its command line and environment: the
    # stand-in password must reach PHP through neither (others can read both in /proc).
    seen = mediawiki_dir / "php-seen.txt"
    seen.touch(mode=0o666)
    seen.chmod(0o666)
    wrapper = mediawiki_dir / "php-wrapper"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {seen}\nenv >> {seen}\n'
                       f'exec {shutil.which("php")} "$@"\n')
    wrapper.chmod(0o755)
    given = (await doctor(folder, password=PASSWORD, php=str(wrapper))).report
    via = step(given, "smtp.via_php")
    assert via.status is Status.OK and "RCPT TO" in via.summary
    assert any("stood in for it" in d for d in via.details)
    assert ("LOGIN", USER, True) in smtp.recorder.logins
    assert PASSWORD not in str(given.to_dict())
    assert "--conf" in seen.read_text() and PASSWORD not in seen.read_text()


async def test_what_mediawiki_gets_past_is_a_warning(make_wiki: Callable[..., Path],
                                                     mediawiki_server: Start) -> None:
    """A server that offers AUTH but no STARTTLS: the doctor's own check refuses to send
    the password in clear; PEAR logs in anyway and MediaWiki's mail goes out. The exit
    status is MediaWiki's outcome, the finding stays as a warning, and the disagreement
    is said on both sides."""
    smtp = mediawiki_server(mode="plain-auth")
    report = (await doctor(make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port))).report
    assert report.exit_code == 0, failures(report)
    flagged = [s for s in report.steps if s.id.startswith("smtp.") and s.diagnosis
               and s.diagnosis.code == "starttls-missing"]
    assert flagged and flagged[0].status is Status.WARN
    assert any("MediaWiki's own PHP got past this step" in d for d in flagged[0].details)
    via = step(report, "smtp.via_php")
    assert via.status is Status.OK and "no TLS" in via.summary
    assert any(d.startswith("The doctor's own check failed at") for d in via.details)
    assert ("LOGIN", USER, True) in smtp.recorder.logins


async def test_a_silent_port_is_not_waited_for(make_wiki: Callable[..., Path],
                                               mediawiki_server: Start) -> None:
    """465 without ssl://: PEAR connects and waits for a greeting forever ('timeout'
    bounds only the connect); the doctor says so instead of hanging with it."""
    smtp = mediawiki_server(mode="implicit")
    folder = make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port)
    report = (await doctor(folder)).report
    assert report.exit_code == 1
    assert code(report, "smtp.connect") == "plain-on-tls-port"
    via = step(report, "smtp.via_php")
    assert via.status is Status.FAIL and "not waited for" in via.summary


def test_cli_names_the_wiki_with_localsettings(make_wiki: Callable[..., Path],
                                               mediawiki_server: Start) -> None:
    """`doctor --localsettings PATH`, as rotate takes it; the via-php verdict shows."""
    smtp = mediawiki_server(mode="starttls", sender_owners={USER: USER})
    folder = make_wiki(smtp_port=smtp.port)
    result = cli("doctor", "--localsettings", str(folder / "LocalSettings.php"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "via_php" in result.stdout and "[sender-rejected]" in result.stdout
    off = cli("doctor", "--localsettings", str(folder), "--no-via-php", "--json")
    assert "smtp.via_php" not in off.stdout
    both = cli("doctor", str(folder), "--localsettings", str(folder))
    assert both.returncode == 2 and "not allowed with" in both.stderr
