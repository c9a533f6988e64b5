"""`smtp-wizard token`: OAuth 2.0 access tokens for XOAUTH2 (Microsoft 365, Google).

`setup` fetches a first token with the app's credentials (nothing is written unless
that works), then writes the token file the wiki reads, the client secret's root-only
file, the state and the configuration. `refresh` keeps the token fresh (idempotent,
quiet, exit 1 when no token can be had: for a timer and for monitoring). `timer`
installs what runs `refresh`. `status` shows the token, its expiry and the timer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.cli.common import EXIT_FAILED, EXIT_OK
from wizard.errors import UsageError, WizardError
from wizard.model.i18n import _

if TYPE_CHECKING:
    from wizard.mediawiki.senders import PhpAccounts
    from wizard.model.diagnosis import Diagnosis
    from wizard.oauth.config import OAuthConfig
    from wizard.oauth.tokens import Token

__all__ = ["add_parser", "run"]

_SECRET_MODE = 0o600


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "token", help=_("OAuth access tokens for XOAUTH2 (Microsoft 365, Google)"),
        allow_abbrev=False, description=_(
            "Get an OAuth 2.0 access token for SMTP AUTH XOAUTH2 and keep it fresh in the "
            "file the wiki reads: Microsoft 365 after basic authentication, or Google "
            "Workspace with a service account."))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    setup = actions.add_parser("setup", allow_abbrev=False, help=_(
        "fetch a first token and write the token file and the configuration"))
    setup.add_argument("--provider", choices=["microsoft", "google"], default="microsoft")
    setup.add_argument("--user", required=True, help=_("the mailbox the wiki sends as"))
    setup.add_argument("--token-file", required=True, metavar="PATH", help=_(
        "the file the wiki reads the token from, such as /etc/mediawiki/smtp-token"))
    setup.add_argument("--tenant", default="", help=_(
        "Microsoft: the Directory (tenant) ID or a domain of the tenant"))
    setup.add_argument("--client-id", default="", help=_(
        "Microsoft: the Application (client) ID"))
    secret = setup.add_mutually_exclusive_group()
    secret.add_argument("--secret-stdin", action="store_true", help=_(
        "Microsoft: read the client secret's value from standard input"))
    secret.add_argument("--secret-env", metavar="VAR", help=_(
        "Microsoft: read the client secret's value from this environment variable"))
    secret.add_argument("--certificate", metavar="PEM", help=_(
        "Microsoft: a PEM file with the app's certificate and its private key"))
    setup.add_argument("--service-account", metavar="JSON", help=_(
        "Google: the service account's key file"))
    setup.add_argument("--secret-file", metavar="PATH", help=_(
        "where the client secret is kept (0600; default: beside the configuration)"))
    setup.add_argument("--state-file", metavar="PATH", help=argparse.SUPPRESS)
    setup.add_argument("--localsettings", metavar="PATH", help=_(
        "the wiki's LocalSettings.php: the token file is made readable by the accounts "
        "that run its PHP, and by nobody else"))
    setup.add_argument("--php-user", metavar="USER", action="append", default=[],
                       dest="php_users", help=_("an account that runs the wiki's PHP; "
                                                "repeatable"))
    setup.add_argument("--authority", help=_(
        "Microsoft: the sign-in service (default: https://login.microsoftonline.com)"))
    setup.add_argument("--ca-file", metavar="PEM", help=_(
        "also trust these CAs for the token endpoint"))
    setup.add_argument("--timeout", type=float, default=10.0, help=argparse.SUPPRESS)
    _config_argument(setup)

    refresh = actions.add_parser("refresh", allow_abbrev=False, help=_(
        "replace the token when it is due (quiet; exit 1 when no token could be had)"))
    _config_argument(refresh)
    refresh.add_argument("--force", action="store_true", help=_(
        "fetch a new token even if the current one is still fresh"))
    refresh.add_argument("-v", "--verbose", action="store_true", help=_("say what was done"))

    timer = actions.add_parser("timer", allow_abbrev=False, help=_(
        "install the systemd timer (or cron entry) that runs refresh every 10 minutes"))
    _config_argument(timer)
    timer.add_argument("--cron", action="store_true", help=_(
        "write a cron entry even where systemd runs"))
    timer.add_argument("--unit-dir", metavar="DIR", help=argparse.SUPPRESS)
    timer.add_argument("--cron-dir", metavar="DIR", help=argparse.SUPPRESS)

    status = actions.add_parser("status", allow_abbrev=False, help=_(
        "the token in the file, its expiry, the last refresh and the timer"))
    _config_argument(status)


def _config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help=_(
        "the token configuration (default: /etc/smtp-wizard/oauth.toml as root, else "
        "~/.config/smtp-wizard/oauth.toml)"))


def _config_path(args: argparse.Namespace) -> Path:
    from wizard.oauth.config import default_config_path

    return Path(os.path.abspath(args.config)) if args.config else default_config_path()


def _problem(diagnosis: Diagnosis) -> str:
    return _("{cause}\n  fix: {fix}\n  [{code}]").format(
        cause=diagnosis.cause, fix=diagnosis.fix, code=diagnosis.code)


async def run(args: argparse.Namespace) -> int:
    action = {"setup": _setup, "refresh": _refresh, "timer": _timer, "status": _status}
    try:
        return await action[args.action](args)
    except OSError as exc:
        raise WizardError(_("{path}: {error}.").format(
            path=exc.filename or "", error=exc.strerror or exc)) from None


async def _refresh(args: argparse.Namespace) -> int:
    from wizard.oauth.config import load_config
    from wizard.oauth.refresh import refresh

    config = load_config(_config_path(args))
    result = await refresh(config, force=args.force)
    if result.diagnosis is not None:
        print(_("smtp-wizard token refresh: no new token for {user}: {problem}").format(
            user=config.user, problem=_problem(result.diagnosis)), file=sys.stderr)
        return EXIT_FAILED
    if args.verbose:
        expires = result.state.expires_at
        text = (_("Wrote a new token to {path}, valid until {expires}.") if result.changed
                else _("The token in {path} is valid until {expires}; nothing written."))
        print(text.format(path=config.token_file, expires=expires))
    return EXIT_OK


def _secret(args: argparse.Namespace) -> str | None:
    """The client secret's value, from standard input or the environment; never an
    argument (it would show in `ps`)."""
    if args.secret_stdin:
        line = sys.stdin.buffer.readline() if sys.stdin is not None else b""
        value = line.decode("utf-8", "replace").strip()
    elif args.secret_env:
        value = os.environ.get(args.secret_env, "").strip()
    else:
        return None
    if not value or any(ord(char) < 32 for char in value):
        raise UsageError(_("The client secret is empty or holds control characters."))
    return value


def _build_config(args: argparse.Namespace, secret: str | None) -> OAuthConfig:
    from wizard.oauth.config import (
        DEFAULT_AUTHORITY,
        OAuthConfig,
        Provider,
        default_state_path,
    )

    path = _config_path(args)
    provider = Provider(args.provider)
    if (provider is Provider.GOOGLE) == (args.service_account is None) or (
            provider is Provider.GOOGLE and (secret is not None or args.certificate)):
        raise UsageError(_("Microsoft takes --tenant, --client-id and a client secret or "
                           "--certificate; Google takes --service-account alone."))
    secret_file = None
    if provider is Provider.MICROSOFT and secret is not None:
        secret_file = Path(os.path.abspath(args.secret_file)) if args.secret_file else \
            path.with_suffix(".secret")
    elif provider is Provider.MICROSOFT and not args.certificate:
        raise UsageError(_("Give the client secret with --secret-stdin or --secret-env "
                           "VAR, or a certificate with --certificate PEM."))

    def absolute(value: str | None) -> Path | None:
        return Path(os.path.abspath(value)) if value else None

    return OAuthConfig(
        path=path, provider=provider, user=args.user,
        token_file=Path(os.path.abspath(args.token_file)),
        state_file=absolute(args.state_file) or default_state_path(path),
        tenant=args.tenant, client_id=args.client_id, secret_file=secret_file,
        certificate=absolute(args.certificate) if provider is Provider.MICROSOFT else None,
        service_account=absolute(args.service_account) if provider is Provider.GOOGLE
        else None,
        authority=args.authority or DEFAULT_AUTHORITY, ca_file=absolute(args.ca_file),
        timeout=args.timeout)


async def _setup(args: argparse.Namespace) -> int:
    from wizard.oauth.config import Provider
    from wizard.oauth.tokens import TokenError, fetch_token
    from wizard.smtp.xoauth2 import token_claims

    secret = _secret(args)
    config = _build_config(args, secret)
    print(_("Asking {endpoint} for a token for {user} …").format(
        endpoint=config.token_url, user=config.user))
    try:
        token = await fetch_token(config, secret)
    except TokenError as exc:
        print(_("✗ No token: {problem}").format(problem=_problem(exc.diagnosis)))
        print(_("Nothing was written."))
        return EXIT_FAILED
    print(_("✓ Got a token, valid until {expires:%Y-%m-%d %H:%M} UTC.").format(
        expires=token.expires_at))
    for line in _write_setup(args, config, token, secret):
        print(line)
    claims = token_claims(token.access_token)
    if config.provider is Provider.MICROSOFT and claims is not None and not claims.may_send:
        print(_("✗ The token carries no SMTP.SendAsApp permission, so Exchange Online will "
                "refuse it: in the app registration, API permissions, add Office 365 "
                "Exchange Online → Application permissions → SMTP.SendAsApp and grant "
                "admin consent, then run smtp-wizard token refresh --force. "
                "[oauth-sendasapp-missing]"))
        return EXIT_FAILED
    return EXIT_OK


def _accounts(args: argparse.Namespace) -> PhpAccounts | None:
    from wizard.mediawiki.senders import find_php_accounts

    if not args.localsettings:
        if args.php_users:
            raise UsageError(_("--php-user needs --localsettings: the token file's group "
                               "is chosen like that of LocalSettings.php."))
        return None
    try:
        return find_php_accounts(localsettings=Path(args.localsettings),
                                 given=args.php_users)
    except LookupError as exc:
        raise UsageError(_("There is no account {name} on this machine (--php-user)."
                           ).format(name=exc.args[0])) from None


def _write_setup(args: argparse.Namespace, config: OAuthConfig, token: Token,
                 secret: str | None) -> list[str]:
    """Write the secret, the token file (for the wiki's PHP accounts), the state and the
    configuration, every path checked first; the lines to show."""
    import datetime as dt

    from wizard.oauth.state import State, fingerprint, write_state
    from wizard.store.files import atomic_write, check_writable, same_file
    from wizard.store.install import Written, prove_secret_file, secret_file_owner

    if args.localsettings and same_file(Path(args.localsettings), config.token_file):
        raise UsageError(_("The token file cannot be LocalSettings.php itself; nothing was "
                           "written."))
    accounts = _accounts(args)
    owner, mode = (secret_file_owner(accounts, Path(args.localsettings), config.token_file)
                   if accounts is not None else (None, _SECRET_MODE))
    for folder in {config.path.parent, config.state_file.parent}:
        folder.mkdir(parents=True, exist_ok=True, mode=0o755)
    for path in (config.token_file, config.path, config.state_file,
                 *((config.secret_file,) if secret is not None and config.secret_file else ())):
        check_writable(path)
    lines: list[str] = []
    if secret is not None and config.secret_file is not None:
        atomic_write(config.secret_file, secret + "\n", mode=_SECRET_MODE,
                     owner=(os.geteuid(), os.getegid()))
        lines.append(_("wrote the client secret to {path} (mode 600, for this account "
                       "only)").format(path=config.secret_file))
    atomic_write(config.token_file, token.access_token + "\n", mode=mode, owner=owner)
    written = Written(config.token_file, None, mode, _("token file"))
    if accounts is not None:
        written = prove_secret_file(written, accounts)
    lines.append(written.describe())
    if accounts is None:
        lines.append(_("No --localsettings: only this account can read {path}. Run setup "
                       "again with the wiki's LocalSettings.php to make it readable by its "
                       "PHP.").format(path=config.token_file))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_state(config.state_file, State(
        refreshed_at=now, expires_at=token.expires_at.isoformat(timespec="seconds"),
        token_sha256=fingerprint(token.access_token), last_attempt=now))
    atomic_write(config.path, config.to_toml(), mode=_SECRET_MODE)
    lines.append(_("wrote the configuration {path}").format(path=config.path))
    return lines + _next_steps(config)


def _next_steps(config: OAuthConfig) -> list[str]:
    from wizard.oauth.config import Provider

    token_file, user = config.token_file, config.user
    if config.provider is Provider.MICROSOFT:
        host, port = "smtp.office365.com", "587"
        lines = [_("Exchange Online, once (PowerShell, as an Exchange administrator):"),
                 f"  Connect-ExchangeOnline -Organization {config.tenant}",
                 f"  New-ServicePrincipal -AppId {config.client_id} -ObjectId "
                 + _("<object ID of the enterprise application>"),
                 f"  Add-MailboxPermission -Identity {user} -User "
                 + _("<that service principal>") + " -AccessRights FullAccess",
                 f"  Set-CASMailbox -Identity {user} -SmtpClientAuthenticationDisabled $false"]
    else:
        host, port = "ssl://smtp.gmail.com", "465"
        lines = [_("Google Admin console, once: Security → API controls → Domain-wide "
                   "delegation → add the service account's client ID with the scope "
                   "https://mail.google.com/.")]
    where = f"{host} --port {port} --user {user} --auth-mechanism XOAUTH2 --token-file " \
        f"{token_file}"
    return [*lines, _("Then:"),
            f"  smtp-wizard check {where}",
            f"  smtp-wizard render {where} --sender {user} --patch LocalSettings.php",
            f"  smtp-wizard token timer --config {config.path}"]


async def _timer(args: argparse.Namespace) -> int:
    from wizard.oauth.config import load_config
    from wizard.oauth.units import CRON_DIR, UNIT_DIR, install_cron, install_units, systemd_running

    config = load_config(_config_path(args))
    use_cron = args.cron or args.cron_dir or (not args.unit_dir and not systemd_running())
    if use_cron:
        done = install_cron(config, Path(args.cron_dir) if args.cron_dir else CRON_DIR)
    else:
        done = install_units(config, Path(args.unit_dir) if args.unit_dir else UNIT_DIR)
    for path in done.paths:
        print(_("wrote {path}").format(path=path))
    if use_cron:
        if not args.cron and not args.cron_dir:
            print(_("systemd does not run here, so cron does the job."))
        print(_("cron runs smtp-wizard token refresh every 10 minutes and after a reboot."))
        if not (shutil.which("cron") or shutil.which("crond")):
            print(_("No cron daemon is installed: install one (Debian: apt install cron), "
                    "or nothing refreshes the token."))
    elif done.enabled:
        print(_("enabled and started {unit}.timer: it runs smtp-wizard token refresh every "
                "10 minutes (systemctl list-timers {unit}.timer).").format(
                    unit=config.unit_name))
    else:
        if done.note:
            print(_("systemctl said: {note}").format(note=done.note))
        print(_("To start it: systemctl daemon-reload && systemctl enable --now "
                "{unit}.timer").format(unit=config.unit_name))
    return EXIT_OK


async def _status(args: argparse.Namespace) -> int:
    import dataclasses
    import datetime as dt

    from wizard.cli.output import report_text
    from wizard.doctor.oauth import timer_step, token_step
    from wizard.model.report import Report
    from wizard.oauth.config import load_config

    config = load_config(_config_path(args))
    now = dt.datetime.now(dt.UTC)
    # The doctor's steps, named without the doctor's area.
    steps = (token_step(config, now), timer_step(config, now, Path("/")))
    report = Report("token", {"config": str(config.path)}, tuple(
        dataclasses.replace(step, id=step.id.removeprefix("system.")) for step in steps))
    print(report_text(report, title=_("Token for {user} ({config})").format(
        user=config.user, config=config.path)))
    return report.exit_code
