"""`smtp-wizard token timer`: the systemd units (checked by systemd-analyze verify, where
it is installed) and the cron entry, and that the command they run really refreshes.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.common import ROOT, cli, mode
from tests.support.token_server import (
    CLIENT,
    MAILBOX,
    SECRET,
    TENANT,
    TokenServer,
)

UNIT = "smtp-wizard-token-oauth"


@pytest.fixture
def config(tokens: TokenServer, tmp_path: Path, ca_file: Path) -> Path:
    path = tmp_path / "etc" / "oauth.toml"
    done = cli("token", "setup", "--tenant", TENANT, "--client-id", CLIENT, "--user", MAILBOX,
               "--token-file", str(tmp_path / "smtp-token"), "--config", str(path),
               "--state-file", str(tmp_path / "oauth.state.json"), "--authority", tokens.base,
               "--ca-file", str(ca_file), "--secret-stdin", stdin=SECRET)
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def exec_start(service: str) -> list[str]:
    [line] = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def test_systemd_units(config: Path, tmp_path: Path, tokens: TokenServer) -> None:
    units = tmp_path / "units"
    units.mkdir()
    done = cli("token", "timer", "--config", str(config), "--unit-dir", str(units))
    assert done.returncode == 0, done.stderr
    service = (units / f"{UNIT}.service").read_text()
    timer = (units / f"{UNIT}.timer").read_text()
    assert mode(units / f"{UNIT}.timer") == 0o644
    assert "Type=oneshot" in service and "User=" in service
    assert "OnUnitActiveSec=10min" in timer and f"Unit={UNIT}.service" in timer
    assert "WantedBy=timers.target" in timer
    assert f"systemctl enable --now {UNIT}.timer" in done.stdout
    command = exec_start(service)
    assert command[-4:] == ["token", "refresh", "--config", str(config)]
    # What the unit runs refreshes, quietly: the token is fresh, nothing is fetched.
    ran = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60,
                         check=False)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")
    assert len(tokens.grants()) == 1

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (not needed in CI)")
    verified = subprocess.run([analyze, "verify", str(units / f"{UNIT}.timer"),
                               str(units / f"{UNIT}.service")],
                              capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stderr
    # Unknown keys are only warned about: none may be there.
    assert "Unknown" not in verified.stderr and "ignoring" not in verified.stderr, \
        verified.stderr


def test_cron_entry(config: Path, tmp_path: Path) -> None:
    cron = tmp_path / "cron.d"
    cron.mkdir()
    done = cli("token", "timer", "--config", str(config), "--cron-dir", str(cron))
    assert done.returncode == 0, done.stderr
    entry = (cron / UNIT).read_text()
    lines = [line for line in entry.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "SHELL=/bin/sh"
    schedule, reboot = lines[1].split(None, 6), lines[2].split(None, 2)
    assert schedule[:5] == ["*/10", "*", "*", "*", "*"] and reboot[0] == "@reboot"
    command = shlex.split(schedule[6])
    assert command[-4:] == ["token", "refresh", "--config", str(config)]
    assert schedule[5] == reboot[1]  # the same account both times
