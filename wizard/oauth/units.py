"""What runs `smtp-wizard token refresh` on its own: a systemd timer, or a cron entry.

Every 10 minutes, and a minute after boot. A refresh replaces a token that has less than
half an hour left, so the file always holds one with more than 20 minutes to go, and a
failed run (the provider unreachable for a while) is tried twice more before the token in
the file runs out. The service runs as the account that may read the app's secret
(root, by default) and does nothing when the token is still fresh.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from wizard.model.i18n import _
from wizard.oauth.config import OAuthConfig
from wizard.store.files import atomic_write

__all__ = [
    "CRON_DIR",
    "INTERVAL_MINUTES",
    "UNIT_DIR",
    "Installed",
    "command_line",
    "cron_entry",
    "install_cron",
    "install_units",
    "service_unit",
    "systemd_running",
    "timer_unit",
]

INTERVAL_MINUTES = 10
UNIT_DIR = Path("/etc/systemd/system")
CRON_DIR = Path("/etc/cron.d")
_UNIT_MODE = 0o644
_SYSTEMCTL_TIMEOUT = 30.0


def command_line(config: OAuthConfig) -> list[str]:
    """The refresh command: the installed smtp-wizard, else this Python with -m wizard."""
    program = sys.argv[0] if sys.argv and os.path.basename(sys.argv[0]) == "smtp-wizard" \
        else None
    head = [os.path.abspath(program)] if program and os.path.isfile(program) else [
        sys.executable, "-m", "wizard"]
    return [*head, "token", "refresh", "--config", str(config.path)]


def _exec_line(words: list[str]) -> str:
    # systemd's own quoting is close to the shell's for these plain words; a path with a
    # space gets double quotes, which both understand.
    return " ".join(f'"{w}"' if any(c.isspace() for c in w) else w for w in words)


def _account(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def service_unit(config: OAuthConfig, user: str | None = None) -> str:
    user = user or _account(os.geteuid())
    return "\n".join([
        "[Unit]",
        "Description=" + _("Refresh the OAuth access token the wiki sends mail with "
                           "(smtp-wizard)"),
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"User={user}",
        f"ExecStart={_exec_line(command_line(config))}",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "",
    ])


def timer_unit(config: OAuthConfig) -> str:
    return "\n".join([
        "[Unit]",
        "Description=" + _("Keep the wiki's OAuth access token fresh (smtp-wizard)"),
        "",
        "[Timer]",
        "OnBootSec=1min",
        f"OnUnitActiveSec={INTERVAL_MINUTES}min",
        "AccuracySec=30s",
        f"Unit={config.unit_name}.service",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ])


def cron_entry(config: OAuthConfig, user: str | None = None) -> str:
    user = user or _account(os.geteuid())
    command = " ".join(shlex.quote(word) for word in command_line(config))
    return "\n".join([
        _("# Keeps the wiki's OAuth access token fresh; written by smtp-wizard token timer."),
        "SHELL=/bin/sh",
        f"*/{INTERVAL_MINUTES} * * * * {user} {command}",
        f"@reboot {user} {command}",
        "",
    ])


@dataclass(frozen=True)
class Installed:
    paths: tuple[Path, ...]
    enabled: bool
    """systemctl enabled and started the timer."""
    note: str = ""


def systemd_running() -> bool:
    """Whether systemd is this machine's init (sd_booted's test)."""
    return os.path.isdir("/run/systemd/system") and shutil.which("systemctl") is not None


def install_units(config: OAuthConfig, unit_dir: Path = UNIT_DIR, *,
                  enable: bool = True) -> Installed:
    """Write the service and the timer; enable and start the timer when `unit_dir` is
    systemd's own folder and systemd runs."""
    service = unit_dir / f"{config.unit_name}.service"
    timer = unit_dir / f"{config.unit_name}.timer"
    atomic_write(service, service_unit(config), mode=_UNIT_MODE)
    atomic_write(timer, timer_unit(config), mode=_UNIT_MODE)
    if not (enable and unit_dir == UNIT_DIR and systemd_running()):
        return Installed((service, timer), False)
    for command in (["systemctl", "daemon-reload"],
                    ["systemctl", "enable", "--now", timer.name]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False,
                                  timeout=_SYSTEMCTL_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as exc:
            return Installed((service, timer), False, str(exc))
        if done.returncode != 0:
            return Installed((service, timer), False, done.stderr.strip()[:300])
    return Installed((service, timer), True)


def install_cron(config: OAuthConfig, cron_dir: Path = CRON_DIR) -> Installed:
    # cron.d ignores file names with dots, so the unit name (no dots) is used as it is.
    path = cron_dir / config.unit_name
    atomic_write(path, cron_entry(config), mode=_UNIT_MODE)
    return Installed((path,), True)
