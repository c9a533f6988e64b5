"""What a doctor run returns: the report, and the typed facts behind it that the wizard
needs to fix the wiki (the settings found, the contacts, what to ask again)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from wizard.model.report import Report, Status, Step
from wizard.model.settings import Settings

__all__ = ["DoctorResult"]

# What the wizard must ask again for each finding; "password" is not a Settings field.
_STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "wiki.sender": ("sender",),
    "wiki.emergency_contact": ("emergency_contact",),
    "wiki.timeout": ("timeout",),
    "wiki.password": ("password",),
}
_CODE_FIELDS: dict[str, tuple[str, ...]] = {
    "smtp-disabled": ("host", "port", "security"),
    "smtp-invalid": ("host", "port", "security"),
    "dns-nxdomain": ("host",),
    "dns-no-address": ("host",),
    "tcp-refused": ("port",),
    "tcp-timeout": ("port",),
    "ec2-port-25": ("port",),
    "no-banner": ("port",),
    "not-smtp": ("port",),
    "plain-on-tls-port": ("security", "port"),
    "tls-on-starttls-port": ("security", "port"),
    "tls-hostname-mismatch": ("host",),
    "starttls-missing": ("security", "port"),
    "starttls-key-ignored": ("security", "auth"),
    "mail-in-clear": ("security", "auth"),
    "auth-in-clear": ("security",),
    "auth-not-offered": ("auth", "port"),
    "auth-required": ("auth", "username", "password"),
    "auth-failed": ("username", "password"),
    "auth-app-password": ("password",),
    "auth-mechanism": ("auth_mechanism",),
    "pear-sasl-mechanism": ("auth_mechanism",),
    "sender-rejected": ("sender",),
    "helo-rejected": ("helo_name",),
}


@dataclass(frozen=True)
class DoctorResult:
    """The doctor's report on a wiki, with what it found there."""

    report: Report
    settings: Settings | None = None
    """The settings the file holds, in PEAR's semantics (the ones the live check used);
    None when it holds none that work."""
    sender: str = ""
    """`$wgPasswordSender` as MediaWiki sends with it; "" when it is not usable."""
    emergency_contact: str = ""
    """`$wgEmergencyContact` likewise."""

    @property
    def prefill(self) -> dict[str, object]:
        """The readable values to prefill the wizard with: the settings' fields, else
        (no usable `$wgSMTP`) the contacts."""
        values = (dataclasses.asdict(self.settings) if self.settings is not None else
                  {"sender": self.sender, "emergency_contact": self.emergency_contact})
        return {key: value for key, value in values.items() if value not in (None, "")}

    @property
    def to_fix(self) -> tuple[Step, ...]:
        """Failed and warning steps that carry a diagnosis, in report order."""
        return tuple(step for step in self.report.steps
                     if step.status in (Status.FAIL, Status.WARN) and step.diagnosis)

    @property
    def fields(self) -> tuple[str, ...]:
        """Settings fields (and "password") the wizard should ask again, first first."""
        names = [name for step in self.to_fix for name in _STEP_FIELDS.get(
            step.id, _CODE_FIELDS.get(step.diagnosis.code, ()) if step.diagnosis else ())]
        return tuple(dict.fromkeys(names))
