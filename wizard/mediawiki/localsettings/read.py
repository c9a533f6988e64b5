"""Read LocalSettings.php without running it, and map what it sets to `Settings`."""

from __future__ import annotations

from pathlib import Path

from wizard.mediawiki.localsettings.errors import LocalSettingsError
from wizard.mediawiki.localsettings.interpret import Reader
from wizard.mediawiki.localsettings.layout import Layout
from wizard.mediawiki.localsettings.model import Problem, SmtpConfig, SmtpState, WikiConfig
from wizard.mediawiki.localsettings.source import newline_of, parse_source, read_source
from wizard.mediawiki.pear import pear_mail_version
from wizard.mediawiki.php import PhpArray, Unparsed, Value, find_calls
from wizard.model.fields import SettingsError
from wizard.model.i18n import _
from wizard.model.memory import collector_paused
from wizard.model.settings import Security, Settings, parse_host

__all__ = ["read_localsettings", "to_settings"]


def read_localsettings(path: Path) -> WikiConfig:
    """Read `path` without running it; raises LocalSettingsError if it cannot be read."""
    path = Path(path)
    raw = read_source(path)
    parsed = parse_source(raw, path)
    layout = Layout(parsed)
    reader = Reader(path)
    with collector_paused():  # its values are copies of arrays: many objects, no cycles
        reader.run(path, parsed, 0)
    problems = reader.problems
    if layout.damage:
        problems.append(Problem(path, layout.damage_line, layout.damage))

    include_path_calls = tuple(call for call in find_calls(
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
        path=path, raw=raw, newline=newline_of(raw), values=reader.values,
        smtp_state=state, smtp=smtp, include_path_calls=include_path_calls,
        managed_block=layout.block, problems=tuple(problems), wiki_root=roots[0],
        pear_mail_version=version)


def _smtp_config(value: PhpArray, reader: Reader, problems: list[Problem]) -> SmtpConfig:
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
