"""What reading and patching LocalSettings.php report, as typed results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from wizard.mediawiki.php import Call, Unparsed, Value, string_expression
from wizard.model.settings import Security

__all__ = [
    "LintOutcome",
    "ManagedBlock",
    "PasswordChange",
    "PasswordKind",
    "PasswordSource",
    "PatchAction",
    "PatchResult",
    "Problem",
    "SmtpConfig",
    "SmtpState",
    "WikiConfig",
]


@dataclass(frozen=True)
class Problem:
    """Something in the file the wizard could not follow, or that will break mail."""

    path: Path
    line: int
    message: str


class PasswordKind(StrEnum):
    INLINE = "inline"
    """A literal in LocalSettings.php itself."""
    FILE = "file"
    """A literal in another file that LocalSettings.php requires: update that file."""
    ENV = "env"
    """`getenv('X')`, `$_ENV['X']` or `$_SERVER['X']`: set in the web server's environment."""
    UNKNOWN = "unknown"
    """An expression the wizard cannot follow."""


@dataclass(frozen=True)
class PasswordSource:
    """Where `$wgSMTP['password']` comes from. Never shows the password itself."""

    kind: PasswordKind
    path: Path
    """The file holding the literal (INLINE, FILE) or the expression (ENV, UNKNOWN)."""
    line: int
    name: str | None = None
    """The environment variable (ENV), or the PHP variable it went through (`$secret`)."""
    password: str | None = field(default=None, repr=False, compare=False)


class SmtpState(StrEnum):
    ABSENT = "absent"
    """No `$wgSMTP`: MediaWiki uses PHP's mail()."""
    DISABLED = "disabled"
    """`$wgSMTP = false` (or null): PHP's mail() as well."""
    ARRAY = "array"
    UNPARSED = "unparsed"
    """Set by an expression the wizard cannot read."""


@dataclass(frozen=True)
class SmtpConfig:
    """The readable parts of a `$wgSMTP` array; None where a key is absent or unreadable."""

    line: int
    host: str | None = None
    """As written, with any `ssl://`/`tls://` prefix."""
    host_name: str | None = None
    security: Security | None = None
    """TLS for a prefix; None without one (PEAR then decides, see `starttls`)."""
    port: int | None = None
    auth: bool | str | None = None
    """True/False, or a forced mechanism such as 'PLAIN'."""
    username: str | None = None
    id_host: str | None = None
    localhost: str | None = None
    timeout: float | None = None
    starttls: bool | None = None
    ca_file: str | None = None
    password: PasswordSource | None = None
    unreadable: tuple[str, ...] = ()
    """Keys whose values are expressions the wizard cannot read."""


@dataclass(frozen=True)
class ManagedBlock:
    start: int
    end: int
    line: int
    end_line: int


@dataclass(frozen=True)
class WikiConfig:
    """What LocalSettings.php sets, as far as it can be read without running it."""

    path: Path
    raw: bytes = field(repr=False)
    """The bytes read: pass them as `expected` to `patch_localsettings`."""
    newline: str
    values: dict[str, Value] = field(repr=False)
    """Every variable the top level assigns, with its final value (may hold a password)."""
    smtp_state: SmtpState
    smtp: SmtpConfig | None
    include_path_calls: tuple[Call, ...]
    """The set_include_path() and ini_set('include_path', ...) calls, in file order."""
    managed_block: ManagedBlock | None
    problems: tuple[Problem, ...]
    wiki_root: Path
    pear_mail_version: str | None
    """The wiki's own pear/mail (vendor/), if it bundles one; else see
    `system_pear_mail_version()`."""

    def value(self, name: str) -> Value:
        """The final value of `$name`, None when unset (or null)."""
        return self.values.get(name)

    @property
    def include_path_lines(self) -> tuple[int, ...]:
        """Lines calling set_include_path() or ini_set('include_path', ...)."""
        return tuple(call.line for call in self.include_path_calls)

    @property
    def server(self) -> Value:
        return self.value("wgServer")

    @property
    def server_name(self) -> Value:
        return self.value("wgServerName")

    @property
    def password_sender(self) -> Value:
        return self.value("wgPasswordSender")

    @property
    def emergency_contact(self) -> Value:
        return self.value("wgEmergencyContact")

    @property
    def enable_email(self) -> Value:
        return self.value("wgEnableEmail")

    @property
    def user_email_use_reply_to(self) -> Value:
        return self.value("wgUserEmailUseReplyTo")

    @property
    def password_sender_is_default(self) -> bool:
        """Unset, empty or MediaWiki's own `"apache@$wgServerName"`."""
        return _is_default(self.password_sender, "apache")

    @property
    def emergency_contact_is_default(self) -> bool:
        """Unset, empty or MediaWiki's own `"wikiadmin@$wgServerName"`."""
        return _is_default(self.emergency_contact, "wikiadmin")


class PatchAction(StrEnum):
    REPLACED_BLOCK = "replaced-block"
    REPLACED_STATEMENT = "replaced-statement"
    APPENDED = "appended"


class LintOutcome(StrEnum):
    OK = "ok"
    SKIPPED = "skipped"
    """PHP is not installed (or did not answer): the syntax was not checked."""


@dataclass(frozen=True)
class PatchResult:
    path: Path
    backup: Path | None
    """None when the file already held exactly this block (nothing written)."""
    action: PatchAction
    changed: bool
    line: int
    """Where the block starts in the new file."""
    lint: LintOutcome
    lint_message: str = ""
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """What a merging patch kept or changed beside the block."""


@dataclass(frozen=True)
class PasswordChange:
    path: Path
    """The file that held the literal: LocalSettings.php or the secrets file it requires."""
    backup: Path
    lint: LintOutcome


def _is_default(value: Value, local: str) -> bool:
    if value is None or value is False or value == "":
        return True
    if isinstance(value, Unparsed):
        marker = "\0"
        built = string_expression(value.tokens, {"wgServerName": marker}, {})
        return built == f"{local}@{marker}"
    return False
