"""The PHP area: the `php` program, openssl, PEAR Mail and Net_SMTP, Auth_SASL, and the
pear/mail release the wiki loads (which decides what `'starttls'` means)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wizard.mediawiki.localsettings import SmtpState, WikiConfig
from wizard.mediawiki.pear import (
    SYSTEM_PEAR_DIRS,
    knows_starttls,
    loaded_package,
    system_pear_mail_version,
    vendor_package_version,
)
from wizard.mediawiki.phpenv import PEAR_FILES, PhpEnv
from wizard.mediawiki.via_php import PhpConversation
from wizard.model.diagnosis import diagnose
from wizard.model.i18n import _
from wizard.model.report import Status, Step
from wizard.model.settings import Settings

__all__ = [
    "auth_sasl_step",
    "pear_auth_mechanism",
    "pear_mail_step",
    "pear_mail_version",
    "php_steps",
]

# Net_SMTP's own order when Auth_SASL is installed; without it, LOGIN comes first.
_PEAR_SASL_ORDER = ("DIGEST-MD5", "CRAM-MD5", "LOGIN", "PLAIN")


def pear_mail_version(pear_root: Path, system_root: Path, env: PhpEnv | None,
                      via: PhpConversation | None = None) -> tuple[str | None, str]:
    """(version, folder) of the pear/mail MediaWiki loads.

    The file MediaWiki's own PHP loaded the class Mail from decides (`via`); else where
    PHP resolves Mail.php the way MediaWiki does (Composer's vendor/ first); without
    PHP's answer, the install's vendor/, else the usual system folders.
    """
    found = (via.files.get("Mail") if via is not None else None) or (
        env.files.get("Mail.php") if env is not None and env.ok else None)
    if found:
        version, folder = loaded_package(Path(found), "pear/mail")
        return version, str(folder)
    vendor = pear_root / "vendor"
    version = vendor_package_version(vendor, "pear/mail")
    if version is not None:
        return version, str(vendor / "pear" / "mail")
    dirs = tuple(system_root / d.relative_to(d.anchor) for d in SYSTEM_PEAR_DIRS)
    version = system_pear_mail_version(dirs)
    return version, _("the system's PEAR") if version else ""


def php_steps(env: PhpEnv | None, *, tls_needed: bool, pear_needed: bool,
              via: PhpConversation | None = None) -> list[Step]:
    """The php.binary, php.openssl and php.pear steps for what `php` said about itself.

    `tls_needed`: the settings need TLS (ssl://, STARTTLS or AUTH); `pear_needed`: the
    wiki sends through $wgSMTP (PEAR), not PHP's mail(); `via`: what MediaWiki's own PHP
    loaded, which wins over where `php` resolves the files.
    """
    if env is None:
        return [Step("php.binary", Status.SKIPPED, _("PHP was not checked."))]
    if not env.present:
        return [Step("php.binary", Status.WARN, env.error, (),
                     diagnose("php-missing", php=env.binary))]
    if env.error:
        return [Step("php.binary", Status.WARN, env.error)]
    steps = [Step("php.binary", Status.OK, _("PHP {version} ({php}).").format(
        version=env.version, php=env.binary), (
            _("php.ini: {ini}").format(ini=env.ini_file or _("none")),
            _("The web server's PHP (php-fpm, Apache's module) may read another php.ini "
              "and load other extensions than this command line PHP.")))]
    if env.openssl:
        steps.append(Step("php.openssl", Status.OK, _("The openssl extension is loaded "
                                                      "({version}).").format(
            version=env.openssl_version)))
    else:
        steps.append(Step("php.openssl", Status.FAIL if tls_needed else Status.WARN,
                          _("PHP has no openssl extension."), (),
                          diagnose("php-openssl-missing", php=env.binary)))
    if not pear_needed:
        steps.append(Step("php.pear", Status.SKIPPED, _("PEAR is not used: $wgSMTP is "
                                                        "not set.")))
    elif via is not None and {"Mail", "Net_SMTP"} <= set(via.files):
        steps.append(_pear_found(_("MediaWiki loads"), via.files["Mail"],
                                 via.files["Net_SMTP"], tuple(
            f"{cls}: {file}" for cls, file in via.files.items())))
    elif env.missing_pear:
        missing = [file for file in PEAR_FILES if env.files.get(file) is None]
        steps.append(Step("php.pear", Status.FAIL, _("PHP cannot find PEAR {list}.").format(
            list=", ".join(env.missing_pear)), (), diagnose(
                "pear-missing", packages=", ".join(env.missing_pear),
                include_path=env.include_path, file=missing[0])))
    else:
        steps.append(_pear_found(_("MediaWiki would load"), env.files["Mail.php"] or "",
                                 env.files["Net/SMTP.php"] or "", tuple(
            f"{file}: {env.files[file]}" for file in PEAR_FILES)))
    return steps


def _pear_found(how: str, mail: str, net_smtp: str, details: tuple[str, ...]) -> Step:
    """php.pear when PEAR is there: the releases and the folders they come from."""
    mail_version, mail_folder = loaded_package(Path(mail), "pear/mail")
    smtp_version, smtp_folder = loaded_package(Path(net_smtp), "pear/net_smtp")
    return Step("php.pear", Status.OK, _(
        "{how} pear/mail {mail} ({mail_folder}) and Net_SMTP {smtp} ({smtp_folder}).").format(
            how=how, mail=mail_version or "?", mail_folder=mail_folder,
            smtp=smtp_version or "?", smtp_folder=smtp_folder), details)


def pear_auth_mechanism(offered: Sequence[str], *, auth_sasl: bool,
                        forced: str | None = None) -> str | None:
    """The AUTH mechanism Net_SMTP picks: the first of its list the server offers."""
    if forced:
        return forced.upper()
    order = _PEAR_SASL_ORDER if auth_sasl else _PEAR_SASL_ORDER[2:]
    offered_upper = {m.upper() for m in offered}
    return next((m for m in order if m in offered_upper), None)


def auth_sasl_step(env: PhpEnv | None, settings: Settings | None,
                   offered: Sequence[str] | None) -> Step | None:
    """php.auth_sasl, when PEAR logs in: with Auth_SASL installed, Net_SMTP prefers
    DIGEST-MD5 and CRAM-MD5, so it may log in otherwise than the live check did.

    `offered` is the server's AUTH list from the live check (None: not known).
    """
    if env is None or not env.ok or settings is None or not settings.auth:
        return None
    if not env.auth_sasl:
        return Step("php.auth_sasl", Status.OK, _("Auth_SASL is not installed: PEAR logs "
                                                  "in with LOGIN or PLAIN."))
    found = env.files.get("Auth/SASL.php")
    if not offered:
        return Step("php.auth_sasl", Status.OK, _("Auth_SASL is installed ({path}): PEAR "
                                                  "prefers DIGEST-MD5 and CRAM-MD5 when "
                                                  "the server offers them.").format(
            path=found))
    pear = pear_auth_mechanism(offered, auth_sasl=True, forced=settings.auth_mechanism)
    tested = pear_auth_mechanism(offered, auth_sasl=False, forced=settings.auth_mechanism)
    if pear is not None and pear != tested:
        return Step("php.auth_sasl", Status.WARN, _("Auth_SASL is installed: PEAR logs in "
                                                    "with {mechanism}.").format(
            mechanism=pear), (found or "",), diagnose(
                "pear-sasl-mechanism", mechanism=pear, tested=tested or "PLAIN"))
    return Step("php.auth_sasl", Status.OK, _("Auth_SASL is installed; with this server "
                                              "PEAR logs in with {mechanism}.").format(
        mechanism=pear or "-"))


def pear_mail_step(config: WikiConfig, version: str | None, where: str) -> Step | None:
    """php.pear_mail, when the wiki sends through `$wgSMTP`: whether its pear/mail
    honours the `'starttls'` key the file sets (or leaves out)."""
    smtp = config.smtp
    if smtp is None or config.smtp_state is not SmtpState.ARRAY:
        return None
    knows = knows_starttls(version)
    if version is None:
        summary = _("The version of pear/mail could not be found.")
    else:
        summary = (_("pear/mail {version} ({where}) knows the 'starttls' key.") if knows else
                   _("pear/mail {version} ({where}) does not know the 'starttls' key: PEAR "
                     "uses STARTTLS only inside AUTH.")).format(version=version, where=where)
    if smtp.starttls is not None and knows is False:
        return Step("php.pear_mail", Status.WARN, summary, (), diagnose(
            "starttls-key-ignored", version=version))
    if smtp.starttls is False and knows and smtp.auth:
        return Step("php.pear_mail", Status.FAIL, summary, (
            _("'starttls' => false: PEAR skips STARTTLS even for the login."),),
            diagnose("auth-in-clear"))
    return Step("php.pear_mail", Status.OK if version else Status.SKIPPED, summary)
