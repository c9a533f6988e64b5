"""The OAuth token a wiki sends with: is it valid, is it refreshed, and by what?

An access token lives about an hour, so a wiki on XOAUTH2 works only while something
replaces it: `smtp-wizard token refresh` from its systemd timer or cron entry. This looks
at each token configuration of this machine (`etc/smtp-wizard/*.toml` below the system
root, and the caller's own), the state its refresher keeps, the token file and the
timer, and says what will stop the mail and when.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

from wizard.errors import UsageError
from wizard.model.diagnosis import diagnose
from wizard.model.i18n import _
from wizard.model.report import Status, Step
from wizard.model.settings import Settings
from wizard.oauth.config import OAuthConfig, default_config_path, load_config
from wizard.oauth.refresh import remaining
from wizard.oauth.state import fingerprint, read_state, read_token
from wizard.oauth.units import CRON_DIR, UNIT_DIR, systemd_running

__all__ = ["find_configs", "timer_step", "token_step", "token_steps"]

_SYSTEMCTL_TIMEOUT = 10.0


def find_configs(system_root: Path = Path("/")) -> list[OAuthConfig | str]:
    """The token configurations of this machine; a text for one that cannot be read."""
    paths = sorted((system_root / "etc/smtp-wizard").glob("*.toml"))
    own = default_config_path()
    if system_root == Path("/") and own.is_file() and own not in paths:
        paths.append(own)
    found: list[OAuthConfig | str] = []
    for path in paths:
        try:
            found.append(load_config(path))
        except UsageError as exc:
            found.append(exc.message)
    return found


def _when(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if moment else _("never")


def token_step(config: OAuthConfig, now: dt.datetime) -> Step:
    state = read_state(config.state_file)
    token = read_token(config.token_file)
    path = config.token_file
    if token is None:
        return Step("system.token", Status.FAIL, _(
            "There is no access token in {path}.").format(path=path), (), diagnose(
                "oauth-token-expired", path=path, expires=_("(no token)")))
    left = remaining(state, now)
    expires = _when(state.expires() if state else None)
    details = (_("user: {user}; provider: {provider}; configuration: {config}").format(
        user=config.user, provider=config.provider, config=config.path),
        _("last refreshed: {when}").format(when=_when(state.refreshed() if state else None)))
    if state is None or state.token_sha256 != fingerprint(token):
        return Step("system.token", Status.WARN, _(
            "{path} holds a token this refresher did not write; its expiry is unknown."
            ).format(path=path), details)
    if left <= 0:
        return Step("system.token", Status.FAIL, _("The access token in {path} has "
                                                   "expired.").format(path=path),
                    details, diagnose("oauth-token-expired", path=path, expires=expires))
    summary = _("The access token in {path} is valid until {expires} ({minutes} min).").format(
        path=path, expires=expires, minutes=int(left // 60))
    return Step("system.token", Status.OK, summary, details)


def _systemctl(*args: str) -> str:
    try:
        done = subprocess.run(["systemctl", *args], capture_output=True, text=True,
                              timeout=_SYSTEMCTL_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _schedule(config: OAuthConfig, system_root: Path) -> tuple[str | None, str]:
    """What runs the refresher (None: nothing found), and why not when nothing."""
    unit = config.unit_name
    timer = system_root / UNIT_DIR.relative_to("/") / f"{unit}.timer"
    cron = system_root / CRON_DIR.relative_to("/") / unit
    if timer.is_file():
        if system_root != Path("/") or not systemd_running():
            return _("the systemd timer {path}").format(path=timer), ""
        enabled = _systemctl("is-enabled", f"{unit}.timer")
        active = _systemctl("is-active", f"{unit}.timer")
        if enabled == "enabled" and active == "active":
            return _("the systemd timer {unit}.timer (enabled, active)").format(unit=unit), ""
        return None, _(" ({unit}.timer is {enabled} and {active})").format(
            unit=unit, enabled=enabled or "?", active=active or "?")
    if cron.is_file():
        if system_root == Path("/") and not (shutil.which("cron") or shutil.which("crond")):
            return None, _(" (the cron entry {path} is there, but no cron daemon is "
                           "installed)").format(path=cron)
        return _("the cron entry {path}").format(path=cron), ""
    return None, ""


def timer_step(config: OAuthConfig, now: dt.datetime, system_root: Path) -> Step:
    state = read_state(config.state_file)
    runner, why = _schedule(config, system_root)
    if runner is None:
        return Step("system.token_timer", Status.FAIL, _(
            "Nothing refreshes the access token."), (), diagnose(
                "oauth-timer-missing", path=config.token_file, why=why))
    if state is not None and state.last_error_code:
        return Step("system.token_timer", Status.WARN, _(
            "{runner} runs the refresher, and its last run failed [{code}].").format(
                runner=runner, code=state.last_error_code), (state.last_error,), diagnose(
                    "oauth-refresh-failed", when=_when(state.attempted()),
                    detail=state.last_error, expires=_when(state.expires())))
    return Step("system.token_timer", Status.OK, _(
        "{runner} refreshes the token; last run: {when}.").format(
            runner=runner, when=_when(state.attempted() if state else None)))


def token_steps(system_root: Path = Path("/"), settings: Settings | None = None, *,
                now: dt.datetime | None = None) -> list[Step]:
    """The token and timer of each configuration; a failure when the wiki logs in with
    XOAUTH2 (`settings`) and there is none."""
    now = now or dt.datetime.now(dt.UTC)
    xoauth2 = settings is not None and settings.auth_mechanism == "XOAUTH2"
    steps: list[Step] = []
    for config in find_configs(system_root):
        if isinstance(config, str):
            steps.append(Step("system.token", Status.FAIL, config))
            continue
        steps += [token_step(config, now), timer_step(config, now, system_root)]
    if not steps and xoauth2:
        where = system_root / "etc/smtp-wizard"
        steps.append(Step("system.token_timer", Status.FAIL, _(
            "The wiki logs in with XOAUTH2, and no token configuration is in {where}."
            ).format(where=where), (), diagnose("oauth-timer-missing", path=_(
                "the token file"), why=_(" (no smtp-wizard token setup was run as root "
                                         "here)"))))
    return steps
