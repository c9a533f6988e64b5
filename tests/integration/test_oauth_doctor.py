"""The doctor's view of an XOAUTH2 set-up: the token's expiry, the last refresh and the
timer, read from a machine laid out below a system root (the configuration in
etc/smtp-wizard, the units in etc/systemd/system, the cron entry in etc/cron.d)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.support.common import cli
from tests.support.token_server import (
    CLIENT,
    MAILBOX,
    SECRET,
    TENANT,
    TokenServer,
    diagnosed,
)
from wizard.doctor.oauth import token_steps
from wizard.model.report import Status
from wizard.model.settings import Settings

UNIT = "smtp-wizard-token-oauth"


@pytest.fixture
def root(tokens: TokenServer, tmp_path: Path, ca_file: Path) -> Path:
    """A system root with one token configuration, set up and refreshed."""
    config = tmp_path / "etc" / "smtp-wizard" / "oauth.toml"
    done = cli("token", "setup", "--tenant", TENANT, "--client-id", CLIENT, "--user", MAILBOX,
               "--token-file", str(tmp_path / "smtp-token"), "--config", str(config),
               "--state-file", str(tmp_path / "var" / "oauth.state.json"),
               "--authority", tokens.base, "--ca-file", str(ca_file), "--secret-stdin",
               stdin=SECRET)
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path


def install_timer(root: Path) -> None:
    units = root / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    done = cli("token", "timer", "--config", str(root / "etc/smtp-wizard/oauth.toml"),
               "--unit-dir", str(units))
    assert done.returncode == 0, done.stderr


def edit_state(root: Path, **changes: str) -> None:
    path = root / "var" / "oauth.state.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def xoauth2() -> Settings:
    return Settings("smtp.office365.com", username=MAILBOX, auth_mechanism="XOAUTH2")


def by_id(root: Path, now: dt.datetime | None = None) -> dict[str, tuple[Status, str | None]]:
    steps = token_steps(root, xoauth2(), now=now)
    return {step.id: (step.status, step.diagnosis.code if step.diagnosis else None)
            for step in steps}


def test_fresh_token_and_timer(root: Path) -> None:
    install_timer(root)
    assert by_id(root) == {"system.token": (Status.OK, None),
                           "system.token_timer": (Status.OK, None)}


def test_no_timer(root: Path) -> None:
    assert by_id(root)["system.token_timer"] == (Status.FAIL, "oauth-timer-missing")


def test_cron_entry_counts(root: Path) -> None:
    cron = root / "etc" / "cron.d"
    cron.mkdir(parents=True)
    cli("token", "timer", "--config", str(root / "etc/smtp-wizard/oauth.toml"),
        "--cron-dir", str(cron))
    assert by_id(root)["system.token_timer"] == (Status.OK, None)


def test_expired_token(root: Path) -> None:
    install_timer(root)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert by_id(root, later)["system.token"] == (Status.FAIL, "oauth-token-expired")


def test_last_refresh_failed(root: Path, tokens: TokenServer) -> None:
    install_timer(root)
    tokens.tenants[TENANT][CLIENT].secret_expired = True
    done = cli("token", "refresh", "--force", "--config",
               str(root / "etc/smtp-wizard/oauth.toml"))
    assert done.returncode == 1
    steps = by_id(root)
    assert steps["system.token_timer"] == (Status.WARN, "oauth-refresh-failed")
    assert steps["system.token"] == (Status.OK, None)  # the old token still works


def test_token_changed_by_hand(root: Path) -> None:
    install_timer(root)
    (root / "smtp-token").write_text("eyJ.hand.made\n")
    assert by_id(root)["system.token"] == (Status.WARN, None)


def test_xoauth2_wiki_without_configuration(tmp_path: Path) -> None:
    steps = token_steps(tmp_path, xoauth2())
    assert [(s.id, s.status, s.diagnosis and s.diagnosis.code) for s in steps] == [
        ("system.token_timer", Status.FAIL, "oauth-timer-missing")]
    assert token_steps(tmp_path, Settings("smtp.example.org", username="u")) == []


def test_status_command(root: Path) -> None:
    edit_state(root, expires_at=(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
               .isoformat(timespec="seconds"))
    done = cli("token", "status", "--config", str(root / "etc/smtp-wizard/oauth.toml"))
    assert done.returncode == 1
    assert diagnosed(done.stdout, "oauth-token-expired")
    assert diagnosed(done.stdout, "oauth-timer-missing")
