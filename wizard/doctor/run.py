"""`smtp-wizard doctor`: why does this wiki not send mail?

Every troubleshooting item of MediaWiki's `$wgSMTP` manual becomes a check of the real
machine and the real LocalSettings.php, and then the live check runs with the settings
found there, in PEAR's semantics. The result's `Report` (command "doctor") has step ids
"area.name", areas in the order of `AREAS`:

- wiki: the file, `$wgEnableEmail`, `$wgSMTP`, its timeout and password, the contacts
  and `$wgUserEmailUseReplyTo`, `set_include_path`, whether the web server can read it;
- php: the `php` program, openssl, PEAR Mail/Net_SMTP, Auth_SASL, pear/mail's version;
- system: SELinux and its httpd booleans, Amazon EC2's port 25 throttle;
- smtp: the steps of `run_check`, prefixed "smtp.", then "smtp.via_php": the same
  conversation through the wiki's own PHP and PEAR as the web server's account, which is
  MediaWiki's verdict (see `wizard.doctor.verdict`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from wizard.doctor.access import permissions_step, php_accounts
from wizard.doctor.contacts import Contact, contact_steps, read_contacts, sender_verdict
from wizard.doctor.live import (
    check_live,
    live_password,
    live_settings,
    live_steps,
    not_run_step,
    probe_alternative,
)
from wizard.doctor.oauth import token_steps
from wizard.doctor.options import DoctorOptions, ProgressCallback
from wizard.doctor.php import auth_sasl_step, pear_mail_step, pear_mail_version, php_steps
from wizard.doctor.result import DoctorResult
from wizard.doctor.system import cloud_step, selinux_step
from wizard.doctor.verdict import reconcile, sender_refused, silent_server, via_php_step
from wizard.doctor.via import ViaPlan, install_root_of, plan_via_php, run_via_php
from wizard.doctor.wiki import (
    include_path_calls,
    include_path_step,
    password_step,
    read_wiki,
    setup_steps,
)
from wizard.mediawiki.localsettings import SmtpState, WikiConfig
from wizard.mediawiki.machine import detect_cloud, read_selinux
from wizard.mediawiki.pear import knows_starttls
from wizard.mediawiki.phpenv import probe_php
from wizard.mediawiki.via_php import PhpConversation
from wizard.model.report import Report, Step
from wizard.model.settings import Client, Security, Settings

__all__ = ["AREAS", "run_doctor"]

AREAS = ("wiki", "php", "system", "smtp")
T = TypeVar("T")


class _Steps:
    """Steps by area, reported to `on_progress` as they are put."""

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self.on_progress = on_progress
        self.by_area: dict[str, list[Step]] = {area: [] for area in AREAS}

    def start(self, step_id: str) -> None:
        if self.on_progress is not None:
            self.on_progress(step_id, None)

    def put(self, *steps: Step | None) -> None:
        """Keep and report each step; None stands for a step that does not apply."""
        for step in steps:
            if step is not None:
                self.keep((step,))
                if self.on_progress is not None:
                    self.on_progress(step.id, step)

    def keep(self, steps: Iterable[Step]) -> None:
        """Keep steps that were reported already (the live check reports its own)."""
        for step in steps:
            self.by_area[step.id.partition(".")[0]].append(step)

    def steps(self) -> tuple[Step, ...]:
        return tuple(step for area in AREAS for step in self.by_area[area])


async def _timed(awaitable: Awaitable[T]) -> tuple[T, float]:
    started = time.monotonic()
    return await awaitable, time.monotonic() - started


def _target(config: WikiConfig, settings: Settings | None, client: Client,
            sender: Contact, contact: Contact) -> dict[str, object]:
    target: dict[str, object] = {
        "localsettings": str(config.path), "wiki_root": str(config.wiki_root),
        "client": str(client), "smtp_state": str(config.smtp_state),
        "sender": sender.address or "", "emergency_contact": contact.address or "",
    }
    if settings is not None:
        target.update(
            host=settings.host, port=settings.port, security=str(settings.security),
            auth=settings.auth, username=settings.username, sender=settings.sender,
            emergency_contact=settings.emergency_contact, id_host=settings.id_host,
            helo_name=settings.helo_name, timeout=settings.timeout,
            ca_file=settings.ca_file, auth_mechanism=settings.auth_mechanism,
            mediawiki_host=settings.mediawiki_host)
    return target


async def run_doctor(options: DoctorOptions, *,
                     on_progress: ProgressCallback | None = None) -> DoctorResult:
    """Check a wiki's mail set-up end to end; see the module docstring for the steps.

    The password for the live check is `options.password`, else the one in the file,
    else (with `options.use_keyring`) the keyring's. Nothing is sent: MAIL FROM and RCPT
    TO (`options.rcpt`, else the sender), then RSET; the same through the wiki's own PHP
    (`options.via_php`).
    """
    out = _Steps(on_progress)
    config = read_wiki(options)
    if isinstance(config, Step):
        out.put(config)
        return DoctorResult(Report("doctor", {"localsettings": str(options.localsettings or "")},
                                   out.steps()))
    sender, contact = read_contacts(config)
    # MediaWiki loads PEAR through the vendor/ of its install, which on Debian is not the
    # folder of LocalSettings.php.
    install_root = install_root_of(config, options.roots)
    pear_root = install_root or config.wiki_root
    # PHP first: which pear/mail it loads decides what 'starttls' means (below).
    php = options.php
    if php is not None:
        out.start("php.binary")
    env, php_elapsed = (await _timed(probe_php(php, wiki_root=pear_root,
                                                args=options.php_args))
                        if php is not None else (None, 0.0))
    mail_version = pear_mail_version(pear_root, options.system_root, env)[0]
    settings, file_password, error = live_settings(config, options.ca_file, sender, contact,
                                                   knows_starttls(mail_version))
    uses_smtp = config.smtp_state is SmtpState.ARRAY
    out.put(*setup_steps(config, settings, error))

    password, keyring_note, keyring_problem = await live_password(settings, file_password,
                                                                  options)
    if settings is not None and settings.auth:
        out.put(password_step(config, given=options.password is not None,
                              keyring_note=keyring_note, have=password is not None,
                              keyring_problem=keyring_problem))

    # The include path's effect, the live check, MediaWiki's own PHP and EC2's
    # alternative port are independent: run them together.
    calls = include_path_calls(config)
    include_literal = calls[-1][1] if calls else None
    cloud = detect_cloud(options.system_root)
    accounts = php_accounts(config, options.system_root)
    plan = plan_via_php(config, options, env, install_root, accounts)
    via_task: asyncio.Task[PhpConversation] | None = None

    async def live_check(settings: Settings) -> Report:
        report = await check_live(settings, password, options, on_progress)
        # PEAR bounds only the connect: where the server stays silent, MediaWiki's PHP
        # would wait until its deadline, so it is not waited for.
        if via_task is not None and not via_task.done() and silent_server(report):
            via_task.cancel()
        return report

    async with asyncio.TaskGroup() as group:
        include_task = (group.create_task(probe_php(
            php, wiki_root=pear_root, include_path=include_literal,
            args=options.php_args))
            if php is not None and include_literal is not None else None)
        if isinstance(plan, ViaPlan):
            out.start("smtp.via_php")
            via_task = group.create_task(run_via_php(plan, config, options, password,
                                                     file_password))
        check_task = (group.create_task(live_check(settings))
                      if settings is not None and options.live else None)
        alt_task = (group.create_task(probe_alternative(settings))
                    if options.live and settings is not None and cloud.is_ec2
                    and settings.port == 25 else None)
    live = check_task.result() if check_task is not None else None
    via = via_task.result() if via_task is not None and not via_task.cancelled() else None

    out.put(*contact_steps(config, sender, contact, sender_verdict(
                live, sender_refused(via), via.sender if via is not None else "")),
            include_path_step(calls, include_task.result() if include_task else None),
            await permissions_step(config, options.system_root, accounts))

    tls_needed = settings is not None and (
        settings.security is not Security.NONE or settings.auth)
    first, *rest = php_steps(env, tls_needed=tls_needed, pear_needed=uses_smtp, via=via)
    out.put(dataclasses.replace(first, elapsed=php_elapsed), *rest,
            auth_sasl_step(env, settings, live.auth_offered if live is not None else None),
            pear_mail_step(config, *pear_mail_version(pear_root, options.system_root, env,
                                                      via)))

    out.put(selinux_step(read_selinux(options.system_root), uses_smtp=uses_smtp,
                         port=settings.port if settings is not None else None),
            cloud_step(cloud.is_ec2, cloud.evidence, settings,
                       alt_task.result() if alt_task is not None else None))
    out.put(*token_steps(options.system_root, settings))

    if live is not None:
        out.keep(reconcile(live_steps(live), via))
    else:
        out.put(not_run_step(uses_smtp=uses_smtp, settings=settings))
    if via_task is not None or isinstance(plan, str):
        out.put(via_php_step(via, live, config, stopped=via_task is not None and
                             via_task.cancelled(), why_not=plan if isinstance(plan, str)
                             else "", note=plan.note if isinstance(plan, ViaPlan) else ""))
    report = Report("doctor", _target(config, settings, options.client, sender, contact),
                    out.steps())
    return DoctorResult(report, settings, sender.address or "", contact.address or "")
