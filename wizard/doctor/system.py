"""The machine's area: SELinux and its httpd booleans, Amazon EC2's port 25 throttle, and
whether the web server's account can read LocalSettings.php and its secrets file."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

from wizard.mediawiki.localsettings import PasswordKind, WikiConfig
from wizard.mediawiki.machine import SELinux, can_read, web_server_accounts
from wizard.model.diagnosis import diagnose
from wizard.model.i18n import _
from wizard.model.report import Status, Step
from wizard.model.settings import Settings
from wizard.smtp.ports import PortResult, PortState

__all__ = ["cloud_step", "permissions_step", "selinux_step"]

# SELinux's smtp_port_t: httpd_can_sendmail also lets httpd connect to these.
_SMTP_PORTS = frozenset({25, 465, 587})


def permissions_step(config: WikiConfig, system_root: Path) -> Step:
    """wiki.permissions: the web server's account reads the file and its secrets file."""
    accounts = web_server_accounts(system_root, config.path)
    if not accounts:
        return Step("wiki.permissions", Status.SKIPPED, _("No web server process was found, "
                                                          "so who must read "
                                                          "LocalSettings.php is not known."))
    account = accounts[0]
    files = [config.path]
    source = config.smtp.password if config.smtp is not None else None
    if source is not None and source.kind is PasswordKind.FILE:
        files.append(source.path)
    for file in files:
        try:
            readable = can_read(account, file)
            info = file.stat()
        except OSError:
            continue
        if readable:
            continue
        group = account.group_name or str(account.gid)
        return Step("wiki.permissions", Status.FAIL, _("{account} cannot read {path}.").format(
            account=account.name, path=file), (account.source,), diagnose(
                "web-server-cannot-read", account=account.name, path=file,
                owner=info.st_uid, group=info.st_gid, mode=f"{stat.S_IMODE(info.st_mode):04o}",
                fix_group=shlex.quote(group), fix_path=shlex.quote(str(file))))
    return Step("wiki.permissions", Status.OK, _("The web server's account {account} can "
                                                 "read {files}.").format(
        account=account.name, files=", ".join(str(f) for f in files)), (account.source,))


def selinux_step(selinux: SELinux, *, uses_smtp: bool, port: int | None) -> Step:
    """SELinux's verdict for the web server sending mail, the way getsebool reads it.

    PHP's mail() runs sendmail: httpd_can_sendmail. PEAR connects out: either boolean
    allows SMTP's own ports (smtp_port_t: 25, 465, 587), only httpd_can_network_connect
    allows any other port.
    """
    if not selinux.enabled:
        return Step("system.selinux", Status.OK, _("SELinux is not in use."))
    if not selinux.enforcing:
        return Step("system.selinux", Status.OK, _("SELinux is permissive: it logs but "
                                                   "does not block."))
    if not selinux.booleans:
        return Step("system.selinux", Status.OK, _("SELinux is enforcing; its policy has no "
                                                   "httpd booleans."))
    if uses_smtp:
        needed = "httpd_can_network_connect"
        allowing = (needed, "httpd_can_sendmail") if port in _SMTP_PORTS else (needed,)
    else:
        needed = "httpd_can_sendmail"
        allowing = (needed,)
    states = tuple(f"{name} --> {'on' if value else 'off'}"
                   + (f" (pending: {'on' if selinux.pending[name] else 'off'})"
                      if name in selinux.pending else "")
                   for name, value in selinux.booleans.items())
    on = [name for name in allowing if selinux.booleans.get(name)]
    if on:
        return Step("system.selinux", Status.OK, _("SELinux is enforcing; {boolean} lets the "
                                                   "web server send mail.").format(
            boolean=on[0]), states)
    if needed not in selinux.booleans:
        return Step("system.selinux", Status.OK, _("SELinux is enforcing; its policy has no "
                                                   "{boolean}.").format(boolean=needed), states)
    extra = ((_("httpd_can_sendmail would also do, for ports 25, 465 and 587 only."),)
             if len(allowing) > 1 else ())
    return Step("system.selinux", Status.FAIL, _("SELinux is enforcing and blocks the web "
                                                 "server from sending mail."),
                states + extra, diagnose("selinux-httpd", boolean=needed))


def cloud_step(is_ec2: bool, evidence: str, settings: Settings | None,
               alternative: PortResult | None) -> Step:
    """Amazon EC2's port 25 throttle, with `alternative` (port 587 probed on the same
    host) as the way out when it answers."""
    if not is_ec2:
        return Step("system.cloud", Status.OK, _("Not on Amazon EC2: no port 25 throttle."))
    if settings is None or settings.port != 25:
        return Step("system.cloud", Status.OK, _("On Amazon EC2; port 25 is not used."),
                    (evidence,))
    details = [evidence]
    alt = ""
    if alternative is not None:
        state = alternative.state
        details.append(_("port {port} of {host}: {state}").format(
            port=alternative.port, host=alternative.host, state=state))
        if state.is_smtp:
            how = (_("with ssl://") if state is PortState.IMPLICIT_TLS
                   else _("with STARTTLS") if state is PortState.STARTTLS
                   else _("without TLS"))
            alt = " " + _("Port {port} of the same server answers ({how}).").format(
                port=alternative.port, how=how)
        else:
            alt = " " + _("Port {port} of the same server did not answer as SMTP ({state})."
                          ).format(port=alternative.port, state=state)
    return Step("system.cloud", Status.WARN, _("On Amazon EC2, sending through port 25."),
                tuple(details), diagnose("ec2-port-25", host=settings.host, alt=alt))
