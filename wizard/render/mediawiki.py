"""MediaWiki: `$wgSMTP` and the mail globals, for LocalSettings.php.

MediaWiki's UserMailer hands `$wgSMTP` unchanged to PEAR `Mail::factory('smtp', ...)`,
so PEAR's own keys (`timeout`, `socket_options`, `starttls`) work here too. The output is
the bare block: no `<?php`, no markers (the LocalSettings patcher adds those).
"""

from __future__ import annotations

from wizard.model.i18n import _
from wizard.model.settings import Security, Settings
from wizard.render import PasswordMode, Rendered, RenderError, RenderOptions, Target
from wizard.render.literals import number, php_comment, php_string

__all__ = ["SECRET_VARIABLE", "render"]

SECRET_VARIABLE = "$wgSMTPPassword"
"""What the secrets file sets and the snippet passes on as `'password'`."""

_INDENT = "\t"


def render(settings: Settings, options: RenderOptions) -> Rendered:
    lines: list[str] = []
    secrets: tuple[str, str] | None = None
    password_expr = ""
    password_note: str | None = None
    if settings.auth and settings.auth_mechanism == "XOAUTH2":
        password_expr = _token(options)
        password_note = _(
            "An OAuth access token, not a password: PEAR sends it with AUTH XOAUTH2. "
            "smtp-wizard token refresh (its timer) replaces the file before the token "
            "expires; it is read on every request, so no PHP cache keeps an old one.")
    elif settings.auth:
        password_expr, secrets = _password(options)
        if options.password_mode is PasswordMode.ENV:
            password_note = _(
                "getenv() sees what the web server passes on (Apache: SetEnv; php-fpm: "
                "env[{name}] in the pool). Mail sent by the job queue from cron or "
                "maintenance scripts needs the variable there too.").format(
                    name=options.env_var)
        if secrets is not None:
            lines += php_comment(_("The SMTP password lives in a separate file that only "
                                   "the accounts running the wiki's PHP (the web server "
                                   "and the job runner) may read, so this file holds no "
                                   "secret."))
            lines.append(f"require {php_string(secrets[0])};")

    lines.append("$wgEnableEmail = true;")
    if settings.sender:
        lines.append(f"$wgPasswordSender = {php_string(settings.sender)};")
    else:
        lines += php_comment(_("Set $wgPasswordSender to an address this account may "
                               "send as; MediaWiki's default apache@<server> is rejected "
                               "by most servers."))
    if settings.emergency_contact:
        lines.append(f"$wgEmergencyContact = {php_string(settings.emergency_contact)};")
    if options.use_reply_to:
        lines += php_comment(_("User-to-user mail comes from $wgPasswordSender, with the "
                               "sender in Reply-To, so the server accepts it."))
        lines.append("$wgUserEmailUseReplyTo = true;")

    lines.append("$wgSMTP = [")
    lines += _entries(settings, options, password_expr, password_note)
    lines.append("];")
    return Rendered(Target.MEDIAWIKI, "\n".join(lines) + "\n", secrets, "php",
                    "smtp_settings.php")


def _entries(settings: Settings, options: RenderOptions, password_expr: str,
             password_note: str | None) -> list[str]:
    out: list[str] = []

    def entry(key: str, value: str, comment: str | None = None) -> None:
        if comment:
            out.extend(php_comment(comment, _INDENT))
        out.append(f"{_INDENT}{php_string(key)} => {value},")

    host_notes: list[str] = []
    if settings.security is Security.TLS:
        host_notes.append(_("ssl:// means TLS from the first byte (implicit TLS): nothing, "
                            "the password included, is sent before the encryption is in "
                            "place."))
    if settings.ascii_host != settings.host:
        host_notes.append(_("{name} in the ASCII form PHP needs.").format(name=settings.host))
    entry("host", php_string(settings.mediawiki_host), " ".join(host_notes) or None)
    if settings.id_host:
        entry("IDHost", php_string(settings.id_host),
              _("The right-hand side of Message-IDs (default: the host of $wgServer)."))
    if settings.helo_name:
        entry("localhost", php_string(settings.helo_name),
              _("The EHLO name. PEAR sends literally \"localhost\" by default, which some "
                "servers reject."))
    entry("port", str(settings.port))
    entry("auth", _auth_value(settings), _auth_note(settings))
    if settings.auth:
        entry("username", php_string(settings.username))
        entry("password", password_expr, password_note)
    if settings.security is Security.STARTTLS:
        # pear/mail before 1.5 ignores keys it does not know, so the key is always safe.
        entry("starttls", "true", _starttls_note(settings, options))
    elif settings.security is Security.NONE:
        out.extend(php_comment(_no_tls_note(settings), _INDENT))
    entry("timeout", number(settings.timeout),
          _("Seconds PEAR waits for the connection to open. It does not limit the wait "
            "for replies: a port that accepts and then stays silent (465 without ssl://) "
            "hangs every page that sends mail, whatever this says. So test host, prefix "
            "and port (smtp-wizard check) before changing them."))
    if options.pinned_cafile:
        out.extend(php_comment(_(
            "SELF-SIGNED OPT-IN: PHP trusts only the certificate(s) in {path} for this "
            "server. The name is still checked. Remove this when the server has a "
            "certificate from a public CA.").format(path=options.pinned_cafile), _INDENT))
        out.append(f"{_INDENT}'socket_options' => ['ssl' => ['cafile' => "
                   f"{php_string(options.pinned_cafile)}]],")
    elif settings.ca_file:
        out.extend(php_comment(_(
            "The wizard trusted {path} while testing; PHP uses the system CAs only. Add "
            "that CA to the system store, or pin it with socket_options."
            ).format(path=settings.ca_file), _INDENT))
    return out


def _auth_value(settings: Settings) -> str:
    if not settings.auth:
        return "false"
    # A string forces that mechanism; true lets PEAR pick the best one offered.
    return php_string(settings.auth_mechanism) if settings.auth_mechanism else "true"


def _auth_note(settings: Settings) -> str | None:
    if settings.auth_mechanism == "CRAM-MD5":
        return _("CRAM-MD5 needs PEAR's Auth_SASL package.")
    return None


def _starttls_note(settings: Settings, options: RenderOptions) -> str:
    if options.pear_starttls is False:
        known = _("The pear/mail found for this wiki is older than 1.5 and ignores "
                  "'starttls'.")
    elif options.pear_starttls:
        known = _("'starttls' (pear/mail 1.5 and newer, as found for this wiki): TLS "
                  "starts before the mail is sent.")
    else:
        known = _("'starttls' needs pear/mail 1.5 or newer; older ones ignore it.")
    if not settings.auth:
        if options.pear_starttls is False:
            return known + " " + _("WARNING: without auth this mail travels in clear "
                                   "text; update pear/mail or turn auth on.")
        return known + " " + _("Without auth, sending fails rather than go on in clear "
                               "when the server does not offer STARTTLS (pear/mail 1.5+).")
    return known + " " + _(
        "With auth, PEAR starts TLS inside auth() only if the server's EHLO offers "
        "STARTTLS, and otherwise logs in in clear, so whoever strips that offer on the "
        "way reads the password. Implicit TLS (ssl://, port 465) has no such gap: prefer "
        "it when the server offers it.")


def _no_tls_note(settings: Settings) -> str:
    if settings.auth:
        return _("No prefix and no 'starttls': PEAR starts TLS inside auth() only if the "
                 "server's EHLO offers STARTTLS, and otherwise logs in in clear. Prefer "
                 "ssl:// on port 465, or STARTTLS.")
    return _("No TLS: this mail travels in clear text.")


def _password(options: RenderOptions) -> tuple[str, tuple[str, str] | None]:
    """The PHP expression for `'password'`, and the secrets file it needs (FILE mode)."""
    mode = PasswordMode(options.password_mode)
    if mode is PasswordMode.KEYRING:
        raise RenderError(_("MediaWiki cannot read the keyring: PHP runs as the web "
                            "server's account, not as you. Use a secrets file or an "
                            "environment variable."))
    if mode is PasswordMode.ENV:
        return f"getenv({php_string(options.checked_env_var())})", None
    password = options.checked_password()
    if mode is PasswordMode.INLINE:
        return php_string(password), None
    return SECRET_VARIABLE, (options.checked_secrets_path(), _secrets_file(password))


def _token(options: RenderOptions) -> str:
    """The PHP expression for `'password'` with XOAUTH2: Net_SMTP puts the string after
    "auth=" as it is, so it carries the token type."""
    path = php_string(options.checked_token_file())
    return f"'Bearer ' . trim((string) file_get_contents({path}))"


def _secrets_file(password: str) -> str:
    """The PHP secrets file that the snippet's `require` loads."""
    lines = ["<?php"]
    lines += php_comment(_("SMTP password for $wgSMTP, written by smtp-wizard. Only the "
                           "accounts that run the wiki's PHP (the web server, the job "
                           "runner) may read this file."))
    lines.append(f"{SECRET_VARIABLE} = {php_string(password)};")
    return "\n".join(lines) + "\n"
