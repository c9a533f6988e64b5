"""The machine's area: SELinux and its httpd booleans, Amazon EC2's port 25 throttle.
(Whether the accounts that send can read the wiki's files is in `wizard.doctor.access`.)"""

from __future__ import annotations

from wizard.mediawiki.machine import SELinux
from wizard.model.diagnosis import diagnose
from wizard.model.i18n import _
from wizard.model.report import Status, Step
from wizard.model.settings import Settings
from wizard.smtp.ports import PortResult, PortState

__all__ = ["cloud_step", "selinux_step"]

# SELinux's smtp_port_t: httpd_can_sendmail also lets httpd connect to these.
_SMTP_PORTS = frozenset({25, 465, 587})


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
