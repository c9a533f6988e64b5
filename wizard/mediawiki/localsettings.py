"""Read a wiki's LocalSettings.php and patch its `$wgSMTP` as one managed block.

Reading follows the file's unconditional top-level statements in order, the way PHP
runs them (a later assignment wins, `$wgSMTP['port'] = ...` changes one key, a
`require`d secrets file is read in place), and reports what it cannot follow instead of
guessing. Patching changes exactly one region (the managed block, else the one
`$wgSMTP = ...;` statement, else an append), keeps every other byte, makes a backup
first, checks the result with `php -l` when PHP is installed, and writes atomically.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from wizard.errors import WizardError
from wizard.mediawiki import php
from wizard.mediawiki.pear import SYSTEM_PEAR_DIRS, pear_mail_version, system_pear_mail_version
from wizard.mediawiki.php import (
    APPEND,
    PhpArray,
    PhpFile,
    PhpSyntaxError,
    Statement,
    TokenKind,
    Unparsed,
    Value,
    literal,
    tokenize,
)
from wizard.model.i18n import _
from wizard.model.settings import Security, Settings, SettingsError, parse_host
from wizard.render.literals import php_string
from wizard.store.files import atomic_write, make_backup

__all__ = [
    "BEGIN_MARKER",
    "END_MARKER",
    "SYSTEM_PEAR_DIRS",
    "USUAL_ROOTS",
    "DamagedBlockError",
    "FileChangedError",
    "LintOutcome",
    "LocalSettingsError",
    "ManagedBlock",
    "NotFoundError",
    "NotWritableError",
    "ParseError",
    "PasswordChange",
    "PasswordKind",
    "PasswordSource",
    "PatchAction",
    "PatchResult",
    "PhpLintError",
    "Problem",
    "SmtpConfig",
    "SmtpState",
    "SymlinkError",
    "WikiConfig",
    "find_localsettings",
    "managed_block",
    "patch_localsettings",
    "pear_mail_version",
    "read_localsettings",
    "replace_password",
    "system_pear_mail_version",
    "to_settings",
]

FILE_NAME = "LocalSettings.php"
BEGIN_MARKER = "# BEGIN smtp-wizard"
END_MARKER = "# END smtp-wizard"
"""The managed block runs from the start of the BEGIN comment to the end of this text;
anything after it on the END line (a note the admin added) is kept."""

USUAL_ROOTS = tuple(Path(p) for p in (
    "/var/www/html", "/var/www/mediawiki", "/var/www/html/w", "/usr/share/mediawiki",
    "/var/lib/mediawiki", "/srv/mediawiki", "/etc/mediawiki"))

_WATCHED = frozenset({"wgSMTP", "wgServer", "wgServerName", "wgPasswordSender",
                      "wgEmergencyContact", "wgEnableEmail", "wgUserEmailUseReplyTo"})
_INCLUDES = frozenset({"require", "require_once", "include", "include_once"})
# A settings file includes extensions and skins too; those never hold mail settings and
# can be large, so only files outside the MediaWiki tree's code folders are followed.
_CODE_FOLDERS = frozenset({"extensions", "skins", "vendor", "includes", "maintenance"})
_MAX_INCLUDE_DEPTH = 4
_MAX_INCLUDE_BYTES = 1 << 20
_PHP_LINT_TIMEOUT = 30.0
_MARKER_END = re.compile(r"(?![\w-])")


class LocalSettingsError(WizardError):
    """Anything that stops reading or patching; the text is for the user."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class NotFoundError(LocalSettingsError):
    pass


class ParseError(LocalSettingsError):
    """The file is not PHP that PHP would accept; `line` says where."""

    def __init__(self, message: str, path: Path, line: int) -> None:
        super().__init__(message, path)
        self.line = line


class SymlinkError(LocalSettingsError):
    """Refused to replace a symbolic link; `real_path` is the file to pass instead."""

    def __init__(self, message: str, path: Path, real_path: Path) -> None:
        super().__init__(message, path)
        self.real_path = real_path


class FileChangedError(LocalSettingsError):
    pass


class NotWritableError(LocalSettingsError):
    pass


class DamagedBlockError(LocalSettingsError):
    pass


class PhpLintError(LocalSettingsError):
    """`php -l` rejected the patched text; `php_message` is PHP's own words."""

    def __init__(self, message: str, path: Path, php_message: str) -> None:
        super().__init__(message, path)
        self.php_message = php_message


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
    include_path_lines: tuple[int, ...]
    """Lines calling set_include_path() or ini_set('include_path', ...)."""
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


# --- Finding -----------------------------------------------------------------------------

def find_localsettings(given: Path | None, cwd: Path, *,
                       roots: tuple[Path, ...] = USUAL_ROOTS) -> Path | None:
    """The LocalSettings.php to use: the given file or wiki folder, else the current
    folder, else the usual install paths. A given path that holds none is an error.

    The path is returned as found, not resolved, so a symbolic link stays visible.
    """
    if given is not None:
        candidate = given / FILE_NAME if given.is_dir() else given
        if candidate.is_file():
            return candidate
        raise NotFoundError(_("There is no LocalSettings.php at {path}. Give the file "
                              "itself or the wiki's folder.").format(path=given), given)
    for folder in (cwd, *roots):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


# --- Reading -----------------------------------------------------------------------------

def read_localsettings(path: Path) -> WikiConfig:
    """Read `path` without running it; raises LocalSettingsError if it cannot be read."""
    path = Path(path)
    raw = _read(path)
    parsed = _parse(raw, path)
    layout = _Layout(parsed)
    reader = _Reader(path)
    reader.run(path, parsed, 0)
    problems = reader.problems
    if layout.damage:
        problems.append(Problem(path, layout.damage_line, layout.damage))

    include_path_lines = tuple(call.line for call in php.find_calls(
        parsed, "set_include_path", "ini_set")
        if call.name == "set_include_path" or call.args[:1] == ("include_path",))

    smtp_value = reader.values.get("wgSMTP")
    smtp: SmtpConfig | None = None
    if isinstance(smtp_value, dict):
        state = SmtpState.ARRAY
        smtp = _smtp_config(smtp_value, reader, problems)
    elif isinstance(smtp_value, Unparsed):
        state = SmtpState.UNPARSED
        origin = reader.origin("wgSMTP")
        # The expression may contain the password: name the line, not the text.
        problems.append(Problem(origin[0], origin[1], _(
            "$wgSMTP is set by an expression the wizard cannot read.")))
    else:
        state = SmtpState.ABSENT if "wgSMTP" not in reader.values else SmtpState.DISABLED

    roots = _wiki_roots(path, reader.values.get("IP"))
    version = next((v for v in map(pear_mail_version, roots) if v is not None), None)
    if version is None and any((r / "vendor" / "pear" / "mail").is_dir() for r in roots):
        problems.append(Problem(path, 0, _(
            "The wiki bundles pear/mail in vendor/, but its version could not be read.")))
    return WikiConfig(
        path=path, raw=raw, newline=_newline(raw), values=reader.values,
        smtp_state=state, smtp=smtp, include_path_lines=include_path_lines,
        managed_block=layout.block, problems=tuple(problems), wiki_root=roots[0],
        pear_mail_version=version)


class _Reader:
    """Runs the unconditional top-level assignments of a file and what it requires."""

    def __init__(self, main: Path) -> None:
        self.main = main
        self.values: dict[str, Value] = {}
        self.origins: dict[tuple[str | int, ...], tuple[Path, int]] = {}
        """(name,) or (name, first key) -> the file and line that last set it."""
        self.problems: list[Problem] = []
        self.password: PasswordSource | None = None
        self.seen: set[Path] = set()

    def origin(self, name: str, key: int | str | None = None) -> tuple[Path, int]:
        if key is not None and (name, key) in self.origins:
            return self.origins[(name, key)]
        return self.origins.get((name,), (self.main, 0))

    def run(self, path: Path, parsed: PhpFile, depth: int) -> None:
        self.seen.add(path.resolve())
        for statement in parsed.statements:
            if statement.depth > 0:
                if statement.target in _WATCHED:
                    self.problems.append(Problem(path, statement.line, _(
                        "${name} is set inside a condition, loop or function here; the "
                        "wizard reads only settings that always apply.").format(
                            name=statement.target)))
            elif statement.keyword in _INCLUDES:
                self.include(path, statement, depth)
            elif statement.target is not None:
                self.assign(path, parsed, statement)

    def include(self, path: Path, statement: Statement, depth: int) -> None:
        variables = {k: v for k, v in self.values.items() if isinstance(v, str)}
        # MediaWiki sets $IP to its install folder, normally that of LocalSettings.php.
        variables.setdefault("IP", str(self.main.absolute().parent))
        end = -1 if statement.tokens[-1].text == ";" else len(statement.tokens)
        real = path.resolve()  # PHP's __FILE__ and __DIR__ have symbolic links resolved
        target = php.string_expression(statement.tokens[1:end], variables, {
            "__DIR__": str(real.parent), "__FILE__": str(real)})
        if target is None or "\0" in target or depth >= _MAX_INCLUDE_DEPTH:
            return
        included = Path(os.path.normpath(path.absolute().parent / target))
        root = self.main.absolute().parent
        inside = included.relative_to(root).parts[:1] if included.is_relative_to(root) else ()
        if _CODE_FOLDERS.intersection(inside) or included.resolve() in self.seen:
            return
        try:
            if included.stat().st_size > _MAX_INCLUDE_BYTES:
                return
            data = included.read_bytes()
        except FileNotFoundError:
            if statement.keyword.startswith("require"):
                self.problems.append(Problem(path, statement.line, _(
                    "This line requires {file}, which does not exist: PHP stops here."
                    ).format(file=included)))
            return
        except OSError as exc:
            self.problems.append(Problem(path, statement.line, _(
                "Could not read {file}, which this line includes: {error}.").format(
                    file=included, error=_reason(exc))))
            return
        try:
            parsed = php.parse(data)
        except PhpSyntaxError as exc:
            self.problems.append(Problem(included, exc.line, exc.reason))
            return
        self.run(included, parsed, depth + 1)

    def assign(self, path: Path, parsed: PhpFile, statement: Statement) -> None:
        name = statement.target
        assert name is not None
        here = (path, statement.line)
        keys = statement.keys
        updated: Value
        if statement.operator != "=" or any(isinstance(k, Unparsed) for k in keys):
            updated = Unparsed(parsed.text(statement.start, statement.end))
        elif not keys:
            updated = statement.value
        else:
            current = self.values.get(name)
            updated = _set_key(current, keys, statement.value)
            if updated is None:
                updated = current if isinstance(current, Unparsed) else Unparsed(
                    parsed.text(statement.start, statement.end))
        self.values[name] = updated
        if not keys or statement.operator != "=":
            for key in [k for k in self.origins if k[0] == name]:
                del self.origins[key]
            self.origins[(name,)] = here
        elif isinstance(keys[0], int | str):
            self.origins[(name, keys[0])] = here
        if name == "wgSMTP":
            self.password = self.password_source()

    def password_source(self) -> PasswordSource | None:
        smtp = self.values.get("wgSMTP")
        if not isinstance(smtp, dict) or "password" not in smtp:
            return None
        value = smtp["password"]
        path, line = self.origin("wgSMTP", "password")
        if isinstance(value, str):
            return self.literal_source(value, path, line, None)
        if isinstance(value, Unparsed):
            if env := _env_name(value):
                return PasswordSource(PasswordKind.ENV, path, line, env)
            tokens = value.tokens
            if len(tokens) == 1 and tokens[0].kind is php.TokenKind.VARIABLE:
                variable = tokens[0].text[1:]
                held = self.values.get(variable)
                var_path, var_line = self.origin(variable)
                if isinstance(held, str):
                    return self.literal_source(held, var_path, var_line, variable)
                if isinstance(held, Unparsed) and (env := _env_name(held)):
                    return PasswordSource(PasswordKind.ENV, var_path, var_line, env)
                return PasswordSource(PasswordKind.UNKNOWN, path, line, variable)
        return PasswordSource(PasswordKind.UNKNOWN, path, line)

    def literal_source(self, password: str, path: Path, line: int,
                       variable: str | None) -> PasswordSource:
        kind = PasswordKind.INLINE if path == self.main else PasswordKind.FILE
        return PasswordSource(kind, path, line, variable, password)


def _set_key(current: Value, keys: tuple[object, ...], value: Value) -> Value | None:
    """`current` with `$x[k1][k2] = value` applied (copied), or None if PHP would not
    simply do that (a string offset, PHP-version-dependent indexes)."""
    if current is None or current is False:
        current = {}  # PHP turns null (and, deprecated, false) into an array here
    if not isinstance(current, dict):
        return None
    root: PhpArray = copy.deepcopy(current)
    node = root
    for position, key in enumerate(keys):
        if key is APPEND:
            index = php.next_index(node)
            if index is None:
                return None
            key = index
        assert isinstance(key, int | str)
        if position == len(keys) - 1:
            node[key] = value
            break
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        if not isinstance(child, dict):
            return None
        node = child
    return root


def _env_name(value: Unparsed) -> str | None:
    """`X` for `getenv('X')`, `$_ENV['X']` or `$_SERVER['X']`."""
    texts = [t.text.lower() for t in value.tokens]
    if len(texts) >= 4 and texts[0].lstrip("\\") == "getenv" and texts[1] == "(" and (
            texts[-1] == ")"):
        name = php.literal(value.tokens[2].text) if len(texts) in (4, 6) else None
    elif len(texts) == 4 and texts[0] in ("$_env", "$_server") and texts[1] == "[" and (
            texts[3] == "]"):
        name = php.literal(value.tokens[2].text)
    else:
        return None
    return name if isinstance(name, str) and name else None


def _smtp_config(value: PhpArray, reader: _Reader, problems: list[Problem]) -> SmtpConfig:
    line = reader.origin("wgSMTP")[1]
    unreadable = tuple(str(k) for k, v in value.items()
                       if isinstance(v, Unparsed) and k != "password")
    for key in unreadable:
        where = reader.origin("wgSMTP", key)
        problems.append(Problem(where[0], where[1], _(
            "$wgSMTP['{key}'] is an expression the wizard cannot read.").format(key=key)))

    def text(key: str) -> str | None:
        item = value.get(key)
        return item if isinstance(item, str) else None

    def wrong(key: str, message: str) -> None:
        where = reader.origin("wgSMTP", key)
        problems.append(Problem(where[0], where[1], _("$wgSMTP['{key}']: {message}").format(
            key=key, message=message)))

    host, host_name, security = text("host"), None, None
    if host is not None:
        try:
            host_name, security = parse_host(host)
        except SettingsError as exc:
            wrong("host", exc.message)
    port = value.get("port")
    if isinstance(port, str) and port.strip().isdigit():
        port = int(port)  # PEAR passes it on as a string; PHP converts it
    if port is not None and not isinstance(port, Unparsed) and (
            isinstance(port, bool) or not isinstance(port, int)):
        wrong("port", _("it must be a port number, such as 587."))
        port = None
    auth = value.get("auth")
    if not isinstance(auth, bool | str):
        auth = None
    timeout = value.get("timeout")
    starttls = value.get("starttls")
    ssl = value.get("socket_options")
    ssl = ssl.get("ssl") if isinstance(ssl, dict) else None
    ca_file = ssl.get("cafile") if isinstance(ssl, dict) else None
    return SmtpConfig(
        line=line, host=host, host_name=host_name, security=security,
        port=port if isinstance(port, int) else None, auth=auth,
        username=text("username"), id_host=text("IDHost"), localhost=text("localhost"),
        timeout=float(timeout) if isinstance(timeout, int | float) and not isinstance(
            timeout, bool) else None,
        starttls=starttls if isinstance(starttls, bool) else None,
        ca_file=ca_file if isinstance(ca_file, str) else None,
        password=reader.password, unreadable=unreadable)


def _is_default(value: Value, local: str) -> bool:
    if value is None or value is False or value == "":
        return True
    if isinstance(value, Unparsed):
        marker = "\0"
        built = php.string_expression(value.tokens, {"wgServerName": marker}, {})
        return built == f"{local}@{marker}"
    return False


def _wiki_roots(path: Path, ip: Value) -> list[Path]:
    """Folders that may be the wiki's install root: the file's own folder, the folder
    of its real file (Debian links it from /etc), and `$IP` when set to a literal."""
    roots = [path.absolute().parent, path.resolve().parent]
    if isinstance(ip, str) and ip:
        roots.append(Path(ip))
    return list(dict.fromkeys(roots))


def to_settings(config: WikiConfig) -> tuple[Settings, str | None] | None:
    """The `Settings` the file describes and the password if the wizard can read it
    (inline or in a required file); None when the wiki does not use SMTP or the host
    cannot be read. Raises LocalSettingsError for values that cannot work.
    """
    smtp = config.smtp
    if smtp is None or smtp.host is None:
        return None
    auth = smtp.auth if smtp.auth is not None else False  # PEAR's default
    fields: dict[str, object] = {
        "port": smtp.port if smtp.port is not None else 25,  # PEAR's default port
        "auth": bool(auth),
        "auth_mechanism": auth if isinstance(auth, str) else None,
        "username": smtp.username or "",
        "id_host": smtp.id_host or "",
        "helo_name": smtp.localhost or "",
        "ca_file": smtp.ca_file,
    }
    if smtp.timeout is not None:
        fields["timeout"] = smtp.timeout
    if smtp.security is None:
        # No prefix: PEAR >= 1.5 with starttls => true insists on STARTTLS; otherwise it
        # upgrades only inside AUTH, and only if offered.
        fields["security"] = Security.STARTTLS if smtp.starttls else Security.NONE
    for field_name, value in (("sender", config.password_sender),
                              ("emergency_contact", config.emergency_contact)):
        if isinstance(value, str):
            fields[field_name] = value
    try:
        settings = Settings.from_mediawiki_host(smtp.host, **fields)
    except SettingsError as exc:
        raise LocalSettingsError(_("{path}, line {line}: {message}").format(
            path=config.path, line=smtp.line, message=exc.message), config.path) from None
    password = smtp.password.password if smtp.password is not None else None
    return settings, password


# --- Patching ----------------------------------------------------------------------------

def managed_block(body: str) -> str:
    """`body` between the marker lines (unchanged if it already starts with them)."""
    text = body.replace("\r\n", "\n").strip("\n")
    if text.startswith(BEGIN_MARKER):
        return text
    return f"{BEGIN_MARKER}\n{text}\n{END_MARKER}"


class _Layout:
    """Where the managed block and the `$wgSMTP` statements are in a parsed file."""

    def __init__(self, parsed: PhpFile) -> None:
        self.parsed = parsed
        comments = parsed.comments()
        begins = [t for t in comments if _is_marker(t.text, BEGIN_MARKER)]
        ends = [t for t in comments if _is_marker(t.text, END_MARKER)]
        self.block: ManagedBlock | None = None
        self.damage = ""
        self.damage_line = 0
        if len(begins) == len(ends) == 1 and begins[0].start < ends[0].start:
            self.block = ManagedBlock(begins[0].start, ends[0].start + len(END_MARKER),
                                      begins[0].line, ends[0].line)
        elif begins or ends:
            self.damage_line = (begins or ends)[0].line
            self.damage = _(
                "The smtp-wizard markers are damaged: there must be exactly one "
                "“{begin}” line and one “{end}” line after it. Fix them by hand (or "
                "remove both) and run the wizard again.").format(
                    begin=BEGIN_MARKER, end=END_MARKER)
        self.smtp_statements = [s for s in parsed.statements if s.target == "wgSMTP"]

    def append_point(self) -> int:
        """Before a final `?>` (code after it would be HTML), else the end of the file."""
        tokens = self.parsed.tokens
        for token in reversed(tokens):
            if token.kind is php.TokenKind.CLOSE_TAG:
                return token.start
            if token.kind is not php.TokenKind.INLINE_HTML:
                break
        return len(self.parsed.source)


def _is_marker(comment: str, marker: str) -> bool:
    return comment.startswith(marker) and bool(_MARKER_END.match(comment, len(marker)))


def patch_localsettings(path: Path, block: str, *, expected: bytes | str | None = None,
                        now: datetime | None = None) -> PatchResult:
    """Put `block` (PHP statements; see `managed_block`) into LocalSettings.php.

    The managed block is replaced if present; else the `$wgSMTP = ...;` statement that
    decides the value; else the block is appended (before a final `?>`). Every other
    byte is kept; the file's line endings are used. `expected` is the content read
    earlier: if the file differs now, nothing is written (FileChangedError).
    """
    path = Path(path)
    if path.is_symlink():
        real = path.resolve()
        raise SymlinkError(_("{path} is a symbolic link to {real}. To change that file, "
                             "run again with {real}.").format(path=path, real=real),
                           path, real)
    old = _read(path)
    if expected is not None and not _same(old, expected):
        raise _changed(path)
    layout = _Layout(_parse(old, path))
    if layout.damage:
        raise DamagedBlockError(_("{path}, line {line}: {message}").format(
            path=path, line=layout.damage_line, message=layout.damage), path)
    newline = _newline(old)
    text = managed_block(block)
    _check_block(text, path)
    insert = text.replace("\n", newline).encode("utf-8")

    start, end, action = _region(layout)
    if action is PatchAction.APPENDED:
        before = old[:start]
        nl = newline.encode()
        lead = b"" if not before or before.endswith(nl * 2) else (
            nl if before.endswith(nl) else nl * 2)
        insert = lead + insert + nl
    new = old[:start] + insert + old[end:]
    first_line = new[:start + (len(insert) - len(insert.lstrip(b"\r\n")))].count(b"\n") + 1
    shift = insert.count(b"\n") - old[start:end].count(b"\n")
    warnings = tuple(_(
        "Line {line} changes $wgSMTP after the wizard's block and so overrides it; "
        "remove that line or merge it into the block.").format(line=s.line + shift)
        for s in layout.smtp_statements if s.start >= end)
    if new == old:
        return PatchResult(path, None, action, False, first_line, LintOutcome.SKIPPED,
                           _("Nothing to check: the file already holds this block."),
                           warnings)

    backup, lint, lint_message = _commit(path, old, new, now)
    return PatchResult(path, backup, action, True, first_line, lint, lint_message, warnings)


def _commit(path: Path, old: bytes, new: bytes, now: datetime | None,
            ) -> tuple[Path, LintOutcome, str]:
    """Lint `new`, back up `old`, then replace the file atomically if it is still `old`."""
    lint, lint_message = _lint(new, old, path)
    _check_writable(path)
    try:
        backup = make_backup(path, now)
    except OSError as exc:
        raise NotWritableError(_("Could not make a backup of {path}: {error}. Nothing was "
                                 "changed.").format(path=path, error=_reason(exc)),
                               path) from None
    # Narrow the window for a concurrent editor: compare again just before replacing.
    if _read(path) != old:
        raise _changed(path)
    try:
        atomic_write(path, new)
    except OSError as exc:
        raise NotWritableError(_("Could not write {path}: {error}. The file is unchanged "
                                 "(a backup is at {backup}).").format(
                                     path=path, error=_reason(exc), backup=backup),
                               path) from None
    return backup, lint, lint_message


@dataclass(frozen=True)
class PasswordChange:
    path: Path
    """The file that held the literal: LocalSettings.php or the secrets file it requires."""
    backup: Path
    lint: LintOutcome


def replace_password(config: WikiConfig, password: str, *, now: datetime | None = None,
                     ) -> PasswordChange:
    """Replace the password literal, where the wiki keeps it, and nothing else.

    Only the bytes of the one string literal change (in LocalSettings.php, or in the
    secrets file it requires); the file is linted, backed up and written atomically.
    """
    source = config.smtp.password if config.smtp else None
    if source is None or source.kind not in (PasswordKind.INLINE, PasswordKind.FILE) \
            or source.password is None:
        raise LocalSettingsError(_("The password in {path} is not a literal the wizard can "
                                   "replace; change it where it comes from.").format(
                                       path=config.path), config.path)
    path = source.path
    old = _read(path)
    if path == config.path and not _same(old, config.raw):
        raise _changed(path)
    # The statement starts at `source.line`; the literal is in it, after a key or `=`.
    tokens = [token for token in tokenize(old)
              if token.kind not in (TokenKind.WHITESPACE, TokenKind.COMMENT)]
    spans = [(token.start, token.end) for i, token in enumerate(tokens)
             if token.kind is TokenKind.STRING and token.line >= source.line
             and literal(old[token.start:token.end]) == source.password
             and i > 0 and tokens[i - 1].text in ("=", "=>")]
    if len(spans) > 1:
        spans = [(token.start, token.end) for i, token in enumerate(tokens)
                 if (token.start, token.end) in spans and tokens[i - 1].text == "=>"
                 and literal(old[tokens[i - 2].start:tokens[i - 2].end]) == "password"]
    if len(spans) != 1:
        raise LocalSettingsError(_("{path}, line {line}: the password literal could not be "
                                   "told apart from other text there; change it by hand."
                                   ).format(path=path, line=source.line), path)
    start, end = spans[0]
    new = old[:start] + php_string(password).encode("utf-8") + old[end:]
    backup, lint, _message = _commit(path, old, new, now)
    return PasswordChange(path, backup, lint)


def _region(layout: _Layout) -> tuple[int, int, PatchAction]:
    if layout.block is not None:
        return layout.block.start, layout.block.end, PatchAction.REPLACED_BLOCK
    # Replace the statement only if it decides the value: the last one touching
    # $wgSMTP, a plain top-level assignment. Otherwise an appended block wins.
    last = layout.smtp_statements[-1] if layout.smtp_statements else None
    if last is not None and last.depth == 0 and not last.keys and last.operator == "=":
        return last.start, last.end, PatchAction.REPLACED_STATEMENT
    point = layout.append_point()
    return point, point, PatchAction.APPENDED


def _check_block(text: str, path: Path) -> None:
    """Refuse a block that would swallow or break the rest of the file."""
    problem = None
    try:
        tokens = php.tokenize("<?php\n" + text + "\n")
    except PhpSyntaxError as exc:
        problem = exc.reason
    else:
        kinds = {t.kind for t in tokens[1:]}
        if kinds & {php.TokenKind.OPEN_TAG, php.TokenKind.CLOSE_TAG,
                    php.TokenKind.INLINE_HTML}:
            problem = _("it must not contain <?php or ?>")
        comments = [t.text for t in tokens if t.kind is php.TokenKind.COMMENT]
        if sum(_is_marker(c, BEGIN_MARKER) for c in comments) != 1 or sum(
                _is_marker(c, END_MARKER) for c in comments) != 1:
            problem = _("it must have one BEGIN and one END marker")
        if not php.brackets_balanced(tokens):
            problem = _("its brackets do not match")
    if problem is not None:
        raise LocalSettingsError(_("The block to write into {path} is not valid: {problem}. "
                                   "Nothing was changed.").format(path=path, problem=problem),
                                 path)


def _lint(new: bytes, old: bytes, path: Path) -> tuple[LintOutcome, str]:
    """`php -l` on the new text before it is written, so the wiki never runs a broken
    file, not even for a moment."""
    program = shutil.which("php")
    if program is None:
        return LintOutcome.SKIPPED, _("PHP is not installed here, so the syntax was not "
                                      "checked.")
    ok, message = _php_lint(program, new, path)
    if ok is None:
        return LintOutcome.SKIPPED, message
    if ok:
        return LintOutcome.OK, message
    if _php_lint(program, old, path)[0] is False:
        raise PhpLintError(_("PHP already rejects {path} as it is: {message} Fix that "
                             "first; nothing was changed.").format(path=path, message=message),
                           path, message)
    raise PhpLintError(_("PHP rejects the file with the new block: {message} Nothing was "
                         "changed.").format(message=message), path, message)


def _php_lint(program: str, content: bytes, path: Path) -> tuple[bool | None, str]:
    try:
        done = subprocess.run(
            [program, "-d", "display_errors=stderr", "-d", "log_errors=0", "-l"],
            input=content, capture_output=True, timeout=_PHP_LINT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, _("PHP could not check the syntax: {error}.").format(error=exc)
    if done.returncode == 0:
        return True, _("PHP found no syntax errors.")
    output = (done.stderr or done.stdout).decode("utf-8", "replace")
    lines = [line.strip() for line in output.splitlines() if "error" in line.lower()]
    message = (lines[0] if lines else output.strip()).replace("Standard input code",
                                                                str(path))
    return False, _QUOTED_TOKEN.sub(_hide_token, message)


# PHP quotes the offending token ('unexpected identifier "s3cret"'), which may be a
# password; only punctuation (`unexpected token ";"`) is kept.
_QUOTED_TOKEN = re.compile(r'(unexpected [\w -]+?) ("(?:[^"\\]|\\.)*")')


def _hide_token(match: re.Match[str]) -> str:
    quoted = match.group(2)
    return match.group(0) if not re.search(r"\w", quoted) else match.group(1)


def _check_writable(path: Path) -> None:
    folder = path.parent
    if not os.access(path, os.W_OK):
        raise NotWritableError(_("{path} is read-only for this user. Make it writable or "
                                 "run the wizard as its owner; nothing was changed."
                                 ).format(path=path), path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise NotWritableError(_("The folder {folder} is not writable for this user, so "
                                 "no backup and no safe replacement can be made there; "
                                 "nothing was changed.").format(folder=folder), path)


# --- Helpers -----------------------------------------------------------------------------

def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise NotFoundError(_("There is no LocalSettings.php at {path}.").format(path=path),
                            path) from None
    except OSError as exc:
        raise LocalSettingsError(_("Could not read {path}: {error}. Run the wizard as a "
                                   "user who may read it (its owner or root).").format(
                                       path=path, error=_reason(exc)), path) from None


def _parse(raw: bytes, path: Path) -> PhpFile:
    try:
        parsed = php.parse(raw)
    except PhpSyntaxError as exc:
        raise ParseError(_("{path}, line {line}: {message}. PHP cannot run this file "
                           "either.").format(path=path, line=exc.line, message=exc.reason),
                         path, exc.line) from None
    if not any(t.kind is php.TokenKind.OPEN_TAG for t in parsed.tokens):
        raise ParseError(_("{path} holds no PHP code (no “<?php”).").format(path=path),
                         path, 1)
    return parsed


def _newline(raw: bytes) -> str:
    crlf = raw.count(b"\r\n")
    return "\r\n" if crlf > raw.count(b"\n") - crlf else "\n"


def _same(data: bytes, expected: bytes | str) -> bool:
    if isinstance(expected, bytes):
        return data == expected
    # Text read with Path.read_text() has its line endings translated: accept that form.
    text = data.decode("utf-8", "surrogateescape")
    return expected in (text, text.replace("\r\n", "\n").replace("\r", "\n"))


def _changed(path: Path) -> FileChangedError:
    return FileChangedError(_("{path} changed since it was read (another editor, or a "
                              "second run?). Nothing was written: read it again and retry."
                              ).format(path=path), path)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
