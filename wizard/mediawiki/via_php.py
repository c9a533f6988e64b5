"""The wiki's mail, tried through its own PHP: MediaWiki's verdict, not a model of it.

MediaWiki loads its settings the way every maintenance script does (its own bootstrap,
`--conf` naming the settings file: defaults, Composer's autoloader, LocalSettings.php and
what it requires, then Setup's defaults such as `$wgPasswordSender`), and the PEAR classes
MediaWiki loaded talk to the server exactly as `UserMailer` makes them: connect, STARTTLS,
AUTH, then MAIL FROM and RCPT TO, then RSET. Nothing is sent.

It runs as the web server's account when this process may act as it (root: the child
takes that account's uid, gid and groups before PHP starts), so a file that account
cannot read fails here as it fails in the wiki. The password never appears on a command
line or in an environment: the wiki's own comes from its files; a stand-in (for a
password the web server passes in its environment, which a command-line PHP does not
get) goes through a pipe on stdin.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import pwd
import re
import signal
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.mediawiki.machine import Account
from wizard.mediawiki.via_php_script import SCRIPT
from wizard.model.i18n import _
from wizard.smtp.transcript import Redactor

__all__ = ["STAGES", "PhpConversation", "converse_via_php"]

STAGES = ("bootstrap", "config", "pear", "connect", "auth-skipped", "sender", "recipient",
          "done")
"""How far the conversation got, in order. "auth-skipped": connected (and TLS as AUTH
would start it) but no password to log in with."""

_MARK = "SMTP-WIZARD-VIA-PHP "
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""PHP's PATH: system folders only, as a web server's PHP has."""
_MAX_TEXT = 600
_KEYWORD = re.compile(r"[A-Z0-9][A-Z0-9-]{0,40}")
_MAX_OUTPUT = 1 << 20
_PEAR_AUTH = 10002
"""Mail_smtp's code for a failed AUTH (PEAR_MAIL_SMTP_ERROR_AUTH, pear/mail 1.4 to 2.0),
which also covers a STARTTLS that AUTH started and failed."""


@dataclass(frozen=True)
class PhpConversation:
    """What MediaWiki's own PHP did with the wiki's `$wgSMTP`; every text is bounded,
    control characters shown and secrets redacted."""

    ran_as: str
    """The account PHP ran as ("www-data"); "" when it did not start."""
    stage: str = "bootstrap"
    """The last of `STAGES` reached; "done" means the server took sender and recipient."""
    error: str = ""
    """PEAR's own error text (or MediaWiki's, PHP's) at `stage`; "" when none."""
    code: int | None = None
    """Mail_smtp's error code (10001 connect, 10002 AUTH, ...), when it gave one."""
    reply: tuple[int, str] | None = None
    """The server's last reply, as Net_SMTP saw it."""
    problem: str = ""
    """Why there is no verdict (PHP did not start, did not answer in time, printed no
    answer); "" when it answered."""
    timed_out: bool = False
    sender: str = ""
    """$wgPasswordSender as MediaWiki has it after its own defaults."""
    rcpt: str = ""
    enable_email: bool | None = None
    smtp_array: bool | None = None
    tls: str = ""
    """Protocol and cipher when the connection was encrypted; "" when in clear."""
    extensions: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    """Class (Mail, Mail_smtp, Net_SMTP, Net_Socket, PEAR) -> the file PHP loaded it from."""
    knows_starttls: bool | None = None
    password: str = ""
    """"stand-in" (the given password replaced an empty one), "missing" (none to log in
    with: AUTH not tried), or ""."""
    include_path: str = ""
    php_version: str = ""
    elapsed: float = 0.0

    @property
    def answered(self) -> bool:
        return not self.problem

    @property
    def ok(self) -> bool:
        """The server accepted the wiki's sender and recipient through PEAR."""
        return self.stage == "done" and not self.error

    @property
    def failed_stage(self) -> str:
        """Where it failed, by PEAR's code and words: "bootstrap", "pear", "connect",
        "tls", "auth", "sender", "recipient"; "" when it did not fail."""
        if self.ok or not self.answered or self.stage == "auth-skipped":
            return ""
        if self.stage == "connect":
            if "STARTTLS failed" in self.error or "enable_crypto" in self.error:
                return "tls"
            return "auth" if self.code == _PEAR_AUTH else "connect"
        return self.stage if self.stage != "config" else "bootstrap"


def _visible(text: object, redact: Redactor) -> str:
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}"
                    for ch in redact(str(text)))
    return shown if len(shown) <= _MAX_TEXT else shown[:_MAX_TEXT - 1] + "…"


async def converse_via_php(php: str, install_root: Path, localsettings: Path, *,
                           account: Account | None, rcpt: str = "",
                           password: str | None = None, ca_file: str | None = None,
                           php_args: Sequence[str] = (), timeout: float = 30.0,
                           secrets: Iterable[str] = (), smtp: Mapping[str, object] | None = None,
                           sender: str = "") -> PhpConversation:
    """Run the conversation through MediaWiki's PHP at `install_root` with the settings
    file `localsettings`, as `account` (None: as this process).

    `password` stands in only for a password the wiki's PHP sees as empty. `ca_file`
    replaces `$wgSMTP['socket_options']['ssl']['cafile']`. `smtp` and `sender` (settings
    under test) replace `$wgSMTP` and `$wgPasswordSender` after MediaWiki loaded the
    file; they travel on stdin, like the password. `secrets` (and the passwords) are
    redacted from everything PHP says. After `timeout` seconds PHP is stopped: PEAR
    bounds only the connect, so a server that stays silent holds it forever.
    """
    redact = Redactor()
    for secret in (*secrets, password or "", str((smtp or {}).get("password") or "")):
        redact.add("", secret)
    command = [php, *php_args, "-d", "display_errors=stderr", "-r", SCRIPT, "--",
               "--conf", str(localsettings)]
    as_account: dict[str, Any] = {}
    if account is not None and account.uid != os.geteuid():
        if os.geteuid() != 0:
            return PhpConversation("", problem=_(
                "This process cannot act as {account}: run the doctor as root (or as "
                "{account}) to try the wiki's PHP as the web server does.").format(
                    account=account.name))
        as_account = {"user": account.uid,
                      "group": account.gid if account.gid >= 0 else account.uid,
                      "extra_groups": sorted(account.groups)}
    request = json.dumps({"ip": str(install_root), "mark": _MARK, "rcpt": rcpt,
                          "password": password, "ca_file": ca_file, "smtp": smtp,
                          "sender": sender}) + "\n"
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=install_root, start_new_session=True,
            env={"PATH": _PATH, "LANG": "C.UTF-8"}, **as_account)
    except OSError as exc:
        return PhpConversation("", problem=_("PHP ({php}) could not be started: {error}."
                                             ).format(php=php, error=exc.strerror or exc))
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate(request.encode("utf-8"))
    except TimeoutError:
        return PhpConversation(account.name if account else "", timed_out=True, problem=_(
            "MediaWiki's PHP did not finish within {n} s.").format(n=f"{timeout:g}"),
            elapsed=time.monotonic() - started)
    finally:
        # Also when our caller is cancelled: PHP and anything it started are one process
        # group of our own making.
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    said = _parse(stdout[-_MAX_OUTPUT:], stderr[-_MAX_OUTPUT:], process.returncode, redact,
                  time.monotonic() - started)
    # PHP names its account when it has the posix extension; otherwise it is the one
    # the child was started as.
    return said if said.ran_as else dataclasses.replace(
        said, ran_as=account.name if account is not None else _own_name())


def _own_name() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _parse(stdout: bytes, stderr: bytes, returncode: int | None, redact: Redactor,
           elapsed: float) -> PhpConversation:
    text = stdout.decode("utf-8", "replace")
    line = next((line for line in reversed(text.splitlines()) if line.startswith(_MARK)), None)
    try:
        data = json.loads(line[len(_MARK):]) if line is not None else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        said = (stderr.decode("utf-8", "replace").strip() or text.strip())[-300:]
        return PhpConversation("", problem=_(
            "MediaWiki's PHP gave no answer (exit status {status}): {said}").format(
                status=returncode, said=_visible(said or "-", redact)), elapsed=elapsed)

    def text_of(key: str) -> str:
        value = data.get(key)
        return _visible(value, redact) if isinstance(value, str) else ""

    def flag(key: str) -> bool | None:
        value = data.get(key)
        return value if isinstance(value, bool) else None

    stage = text_of("stage")
    error = text_of("error")
    # A fatal PHP error (a require that fails) or an exception ends the run where it was.
    for key in ("fatal", "exception"):
        if not error and text_of(key):
            error = text_of(key)
    reply = data.get("reply")
    files = data.get("files")
    code = data.get("code")
    extensions = data.get("extensions")
    return PhpConversation(
        text_of("user"), stage=stage if stage in STAGES else "bootstrap", error=error,
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        reply=(int(reply[0]), _visible(reply[1], redact)) if isinstance(reply, list)
        and len(reply) == 2 and isinstance(reply[0], int) else None,
        sender=text_of("sender"), rcpt=text_of("rcpt"),
        enable_email=flag("enable_email"), smtp_array=flag("smtp_array"),
        tls=text_of("tls"),
        # Net_SMTP keeps the greeting's host name among the EHLO keywords: leave it out.
        extensions=tuple(e for e in extensions[:50] if isinstance(e, str)
                         and _KEYWORD.fullmatch(e)) if isinstance(extensions, list) else (),
        files={_visible(k, redact): _visible(v, redact) for k, v in files.items()
               if isinstance(v, str)} if isinstance(files, dict) else {},
        knows_starttls=flag("knows_starttls"), password=text_of("password"),
        include_path=text_of("include_path"), php_version=text_of("php"), elapsed=elapsed)
