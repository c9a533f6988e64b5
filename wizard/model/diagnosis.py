"""Stable diagnosis codes and what they mean, in plain words: the cause and the fix.

Codes are English and never change meaning (scripts match on them); the sentences go
through gettext. Facts (host, port, names on a certificate) fill the templates; a fact
that is missing leaves its placeholder readable instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model.i18n import N_, _

__all__ = ["CATALOGUE", "Diagnosis", "diagnose"]


@dataclass(frozen=True)
class Diagnosis:
    code: str
    cause: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "cause": self.cause, "fix": self.fix}


CATALOGUE: dict[str, tuple[str, str]] = {
    # DNS
    "dns-nxdomain": (
        N_("The name {host} does not exist in DNS."),
        N_("Check the spelling, or use your provider's submission host{suggestion}."),
    ),
    "dns-no-address": (
        N_("{host} exists in DNS but has no address (no A or AAAA record)."),
        N_("It may be a mail domain rather than a server name; use the submission "
           "host{suggestion}."),
    ),
    "dns-timeout": (
        N_("There was no DNS answer for {host} within the deadline."),
        N_("Check that this machine can reach its DNS server (/etc/resolv.conf)."),
    ),
    # Connection
    "tcp-refused": (
        N_("Nothing listens on {host} port {port}: the connection was refused."),
        N_("Check the port number. Common ports are 587 (STARTTLS), 465 (ssl://) and 25."),
    ),
    "tcp-timeout": (
        N_("{host} port {port} did not answer within {timeout} s: a firewall drops the "
           "packets, or the port is wrong. A wiki set up like this hangs on every mail."),
        N_("Use the provider's submission port: 587 without prefix, or 465 with ssl://. "
           "On Amazon EC2 outbound port 25 is throttled: use 587."),
    ),
    "tcp-error": (
        N_("Could not connect to {host} port {port}: {error}."),
        N_("Check the network route from this machine to the server."),
    ),
    "no-banner": (
        N_("{host} port {port} accepted the connection but sent no SMTP greeting within "
           "{timeout} s."),
        N_("The port may belong to another service, or the server is overloaded; try "
           "587 or 465."),
    ),
    "not-smtp": (
        N_("The service on {host} port {port} is not an SMTP server: {error}"),
        N_("Use the mail server's SMTP port: 587, 465 or 25."),
    ),
    "server-timeout": (
        N_("The server stopped answering during {stage} and did not finish within the "
           "deadline."),
        N_("The server is overloaded or a middlebox is dropping traffic; try again, or "
           "raise the timeout."),
    ),
    "connection-lost": (
        N_("The server closed the connection during {stage}."),
        N_("The server may be refusing this client's address; check its logs or try "
           "another port."),
    ),
    "tls-on-starttls-port": (
        N_("{host} port {port} speaks plain SMTP (it greets with “220”), but the client "
           "started with TLS, as ssl:// or tls:// does."),
        N_("Drop the ssl:// or tls:// prefix to use STARTTLS on this port, or use port "
           "465 with ssl://."),
    ),
    "plain-on-tls-port": (
        N_("{host} port {port} expects TLS from the first byte, but the client connected "
           "in plain text and waited for a greeting."),
        N_("Add ssl:// in front of the host (MediaWiki), or use SMTP_SSL / "
           "EMAIL_USE_SSL (Python)."),
    ),
    # TLS
    "tls-handshake-failed": (
        N_("The TLS handshake with {host} port {port} failed: {error}."),
        N_("The server closed the connection or offers no TLS version this client "
           "accepts; check the server's TLS set-up."),
    ),
    "tls-handshake-timeout": (
        N_("{host} port {port} accepted the connection but did not answer the TLS "
           "handshake within {timeout} s."),
        N_("The port may not speak TLS from the first byte (ssl:// needs a port such as "
           "465), or a firewall holds the connection; check the port, or use 587 without "
           "ssl://."),
    ),
    "tls-expired": (
        N_("The server's certificate for {subject} expired on {not_after}.{seen_as}"),
        N_("The server's administrator must renew the certificate."),
    ),
    "tls-hostname-mismatch": (
        N_("The certificate is for {names}, not for {host}.{seen_as}"),
        N_("Use a name on the certificate as the host: {names}."),
    ),
    "tls-self-signed": (
        N_("The server's certificate for {subject} is self-signed, so no client can "
           "verify it.{seen_as}"),
        N_("Install a certificate from a public CA on the server, or pin this one "
           "deliberately (the snippet's cafile opt-in)."),
    ),
    "tls-untrusted": (
        N_("The server's certificate for {subject} was issued by {issuer}, which this "
           "machine does not trust.{seen_as}"),
        N_("Install the issuer's CA certificate on this machine, or fix the server's "
           "certificate chain (a missing intermediate is common)."),
    ),
    "starttls-missing": (
        N_("The server does not offer STARTTLS, so the password and the mail would "
           "travel in clear."),
        N_("Use port 465 with ssl://, or another port where the server offers STARTTLS. "
           "The wizard never sends a password in clear."),
    ),
    "starttls-failed": (
        N_("The server refused STARTTLS: {reply}"),
        N_("Try port 465 with ssl://, or ask the provider."),
    ),
    "mail-in-clear": (
        N_("Mail would cross the network unencrypted: {why}."),
        N_("Use STARTTLS or ssl://. For MediaWiki, turn 'auth' on or set 'starttls' => "
           "true (pear/mail 1.5 or newer), since PEAR starts TLS only inside AUTH."),
    ),
    "auth-in-clear": (
        N_("No TLS is configured, so the password would cross the network in clear."),
        N_("Use STARTTLS (no prefix with security starttls; Django EMAIL_USE_TLS) or "
           "implicit TLS (ssl://, port 465; Django EMAIL_USE_SSL)."),
    ),
    "tls-expiring": (
        N_("The server's certificate expires on {not_after}, in {days} days."),
        N_("The server's administrator should renew it now; mail stops when it expires."),
    ),
    # Session
    "helo-rejected": (
        N_("The server rejected the EHLO name {helo}: {reply}"),
        N_("Set 'localhost' in $wgSMTP (the HELO name) to this machine's real, "
           "resolvable name."),
    ),
    "auth-not-offered": (
        N_("The server offers no authentication here (no AUTH in its EHLO answer)."),
        N_("Turn authentication off if the server relays for this machine's address, or "
           "use the provider's submission port (587/465)."),
    ),
    "auth-mechanism": (
        N_("The server offers AUTH {offered}, but the client can only use {usable}."),
        N_("Ask the provider to enable LOGIN or PLAIN over TLS, or force a mechanism the "
           "server offers."),
    ),
    "auth-required": (
        N_("The server requires authentication before it accepts mail: {reply}"),
        N_("Turn authentication on and enter the account's user name and password."),
    ),
    "auth-failed": (
        N_("The server rejected the user name or password: {reply}"),
        N_("Check the user name (often the full address) and the password."),
    ),
    "auth-app-password": (
        N_("Google refused the password: the account needs an app password for SMTP "
           "({reply})."),
        N_("Turn on 2-step verification and create an app password at "
           "myaccount.google.com/apppasswords; use it instead of the account password."),
    ),
    "auth-basic-disabled": (
        N_("Microsoft 365 has SMTP AUTH with a password (Basic authentication) switched off "
           "for this mailbox or tenant ({reply}). Microsoft keeps it available through "
           "December 2026; at the end of December 2026 it is off by default for existing "
           "tenants and unavailable by default for new ones, and the final removal date "
           "will be announced in the second half of 2027."),
        N_("Until then an Exchange admin can enable “Authenticated SMTP” for the mailbox "
           "(Set-CASMailbox -SmtpClientAuthenticationDisabled $false). For the long run "
           "use what Microsoft offers instead: OAuth (PEAR: 'auth' => 'XOAUTH2' with an "
           "access token; smtp-wizard token setup gets one and keeps it fresh), High "
           "Volume Email for Microsoft 365, or Azure Communication Services Email."),
    ),
    "sender-rejected": (
        N_("The server does not accept {sender} as sender for this account: {reply}"),
        N_("Make $wgPasswordSender an address this account may send as (often the login "
           "address itself), and set $wgUserEmailUseReplyTo = true."),
    ),
    "recipient-rejected": (
        N_("The server refused the recipient {rcpt}: {reply}"),
        N_("The server does not relay for this account or address; authenticate, or use "
           "the provider's submission port."),
    ),
    "sender-unverified": (
        N_("{provider} accepts any sender at MAIL FROM and RCPT TO and judges whether this "
           "account may send as {sender} only once the message is sent: {rule}."),
        N_("Send a real test message (check --rcpt ADDRESS --send-test) to find out, or "
           "make sure the account may send as {sender}: {how}."),
    ),
    "address-smtputf8": (
        N_("{address} has characters other than ASCII before the @, which SMTP carries only "
           "with the SMTPUTF8 extension, and {why}."),
        N_("Use an address whose part before the @ is ASCII; an international domain can "
           "stay, it is sent in its xn-- form."),
    ),
    "auth-non-ascii": (
        N_("{client} sends the user name and password as ASCII, and the {what} has other "
           "characters: login() fails with UnicodeEncodeError before the server is asked. "
           "Django and MoinMoin log in through smtplib too."),
        N_("Give the account a password (and user name) of ASCII letters, digits and "
           "punctuation. MediaWiki's PEAR sends UTF-8 and can log in as it is."),
    ),
    "auth-mechanism-untested": (
        N_("{client} logs in with {mechanism} here, the first of its mechanisms the server "
           "offers; this check cannot do {mechanism}, so {how}."),
        N_("Force the mechanism that was tested with 'auth' => '{tested}' in $wgSMTP "
           "(--auth-mechanism {tested}), or make sure the account can log in with "
           "{mechanism}."),
    ),
    "data-rejected": (
        N_("The server refused the test message: {reply}"),
        N_("Read the server's answer: content filters and sending limits are common "
           "causes."),
    ),
    # What only a pasted error text says (smtp-wizard explain)
    "tls-certificate-rejected": (
        N_("The client did not accept the server's certificate for {host}: it has expired, "
           "is issued by a CA this machine does not trust, is self-signed, or is made out "
           "for another name. PEAR reports each of these as “STARTTLS failed (code: 220, "
           "…)”."),
        N_("Run smtp-wizard check with this host and port: it names the exact fault and "
           "shows the certificate's names and dates. Then use a name on the certificate "
           "as the host, or have the certificate renewed or its chain fixed."),
    ),
    "auth-authorization-code": (
        N_("{provider} refused the login ({reply}): like other Chinese mail providers it "
           "takes no account password for SMTP, only an authorisation code (授权码), and "
           "only once the SMTP service is switched on."),
        N_("In the mailbox's web settings switch on the POP3/SMTP or IMAP/SMTP service, "
           "generate an authorisation code and use it as the SMTP password."),
    ),
    "client-rejected": (
        N_("The server refuses mail from this machine's address ({client}): {reply}"),
        N_("Log in: turn 'auth' on with the account's user name and password. If the "
           "server is your own, allow this machine (Postfix: mynetworks or "
           "smtpd_client_restrictions)."),
    ),
    "ses-unverified": (
        N_("Amazon SES refused the message: {identities} is not a verified identity in "
           "region {region}. While the account is in the SES sandbox, every sender and "
           "every recipient must be verified."),
        N_("Verify the address or its domain in the SES console for region {region}, or "
           "request production access to leave the sandbox."),
    ),
    "django-tls-and-ssl": (
        N_("Django's settings turn on both EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (TLS "
           "from the first byte), and Django refuses to send with both."),
        N_("Keep one: EMAIL_USE_SSL = True with port 465, or EMAIL_USE_TLS = True with "
           "port 587."),
    ),
    # Machine and LocalSettings.php (doctor)
    "selinux-httpd": (
        N_("SELinux is enforcing and {boolean} is off, so the web server may not open "
           "network connections or send mail."),
        N_("Run: setsebool -P {boolean} 1"),
    ),
    "include-path": (
        N_("LocalSettings.php calls set_include_path (line {line}), which hides PEAR: "
           "“Failed opening required Net/Socket.php”."),
        N_("Remove the set_include_path line from LocalSettings.php."),
    ),
    "contact-unset": (
        N_("{variable} is {problem}: PHP's mail() fails with “Unknown error”, and SMTP "
           "servers refuse unknown senders."),
        N_("Set {variable} to an address of your mail domain that the SMTP account may "
           "send as."),
    ),
    # Keyring
    "keyring-env-broken": (
        N_("PYTHON_KEYRING_BACKEND names {name}, a keyring backend that cannot be used: "
           "{error}. No password can be stored in or read from the system keyring."),
        N_("Unset PYTHON_KEYRING_BACKEND, or name an installed backend such as "
           "keyring.backends.SecretService.Keyring; until then keep the password in the "
           "encrypted file instead, or do not store it."),
    ),
    "keyring-config-broken": (
        N_("The keyring configuration file {path} cannot be used: {error}. No password can "
           "be stored in or read from the system keyring."),
        N_("Correct its [backend] default-keyring line (an installed backend, such as "
           "keyring.backends.SecretService.Keyring) or move the file away; until then keep "
           "the password in the encrypted file instead, or do not store it."),
    ),
    # doctor
    "localsettings-not-found": (
        N_("No LocalSettings.php was found in {searched}."),
        N_("Give the wiki's folder or the file itself, as in “smtp-wizard doctor "
           "/var/www/wiki”, or run the doctor in the wiki's folder."),
    ),
    "localsettings-unreadable": (
        N_("{path} cannot be read: {error}"),
        N_("Run the doctor as a user who may read the file (for example with sudo), or "
           "correct the line named above."),
    ),
    "email-disabled": (
        N_("$wgEnableEmail is false: MediaWiki sends no mail at all, whatever $wgSMTP "
           "says."),
        N_("Set $wgEnableEmail = true; in LocalSettings.php."),
    ),
    "smtp-disabled": (
        N_("$wgSMTP is {state}, so MediaWiki hands every mail to PHP's mail(), which passes "
           "it to this machine's own mail program (sendmail). Without a working local mail "
           "server nothing leaves the machine, and what does leave often lands in spam."),
        N_("Run smtp-wizard to set up $wgSMTP with your mail provider's server, tested "
           "live; or make sure this machine's own mail server delivers."),
    ),
    "smtp-invalid": (
        N_("$wgSMTP cannot work as written: {error}"),
        N_("Correct that value in LocalSettings.php, or run smtp-wizard to write a tested "
           "$wgSMTP."),
    ),
    "smtp-timeout-unset": (
        N_("$wgSMTP sets no 'timeout', so PEAR waits without limit: a wrong port or a "
           "firewall makes every page that sends mail hang, with no error."),
        N_("Add 'timeout' => 20 to $wgSMTP."),
    ),
    "smtp-password-unset": (
        N_("$wgSMTP turns authentication on but sets no 'password', so PEAR logs in with "
           "an empty one and the server refuses it."),
        N_("Add the 'password' to $wgSMTP, or run smtp-wizard, which tests it and writes "
           "it inline, into a secrets file or as an environment variable."),
    ),
    "user-email-from": (
        N_("$wgUserEmailUseReplyTo is {value}: mail between users (Special:EmailUser) is "
           "sent from the writing user's own address, which the SMTP account may not send "
           "as (“Mailserver does not accept sender”)."),
        N_("Set $wgUserEmailUseReplyTo = true; in LocalSettings.php: such mail then comes "
           "from $wgPasswordSender, with the user's address as Reply-To."),
    ),
    "web-server-cannot-read": (
        N_("The web server's PHP runs as {account}, which cannot read {path} (owner "
           "{owner}, group {group}, mode {mode}): MediaWiki fails before it sends anything."),
        N_("Run: chgrp {fix_group} {fix_path} && chmod g+r {fix_path}"),
    ),
    "job-runner-cannot-read": (
        N_("MediaWiki's job queue runs as {account}, which cannot read {path} (owner "
           "{owner}, group {group}, mode {mode}): mail sent from jobs (watchlist and "
           "notification mail) fails."),
        N_("Run: chgrp {fix_group} {fix_path} && chmod g+r {fix_path}"),
    ),
    "php-missing": (
        N_("PHP was not found ({php}), so PHP's side (its openssl extension, PEAR Mail) "
           "was not checked."),
        N_("Install PHP's command-line program (Debian: apt install php-cli; Fedora: dnf "
           "install php-cli), or give its path with --php."),
    ),
    "php-openssl-missing": (
        N_("PHP ({php}) has no openssl extension: Net_SMTP then silently skips STARTTLS, "
           "and ssl:// or tls:// connections cannot be opened."),
        N_("Install or enable PHP's openssl extension (Fedora, RHEL: dnf install "
           "php-openssl; a self-built PHP: --with-openssl), then restart the web server."),
    ),
    "pear-missing": (
        N_("PHP cannot find PEAR {packages} on its include path ({include_path}): mail "
           "fails with “Failed opening required '{file}'”."),
        N_("Install them: apt install php-mail php-net-smtp (Debian, Ubuntu), dnf install "
           "php-pear-Mail php-pear-Net-SMTP (Fedora), or pear install Mail Net_SMTP; a "
           "wiki that bundles them in vendor/ gets them back with composer install."),
    ),
    "pear-sasl-mechanism": (
        N_("PEAR Auth_SASL is installed and the server offers {mechanism}, so PEAR logs in "
           "with {mechanism}, not with {tested} as the doctor did."),
        N_("Make PEAR use the mechanism that was tested: set 'auth' => '{tested}' in "
           "$wgSMTP."),
    ),
    "starttls-key-ignored": (
        N_("$wgSMTP sets 'starttls', but pear/mail {version} does not know that key (it "
           "came with 1.5) and ignores it: PEAR starts TLS only inside AUTH."),
        N_("Turn 'auth' on, so PEAR uses STARTTLS when the server offers it, or update "
           "pear/mail to 1.5 or newer (MediaWiki's own vendor/ bundles a newer one)."),
    ),
    "ec2-port-25": (
        N_("This machine runs on Amazon EC2, which throttles outgoing traffic to port 25: "
           "mail through {host} port 25 stalls or times out, and the wiki hangs.{alt}"),
        N_("Use port 587 (STARTTLS) of the same server, or ask AWS to lift the port 25 "
           "throttle (the “Request to remove email sending limitations” form)."),
    ),
    # OAuth 2.0 (XOAUTH2): the token endpoints' refusals, with the provider's own codes,
    # and what the SMTP server says to a token.
    "oauth-tenant-not-found": (
        N_("Entra ID does not know the tenant {tenant} (AADSTS90002): {detail}"),
        N_("Use the Directory (tenant) ID shown on the app registration's Overview page in "
           "the Entra admin center, or the tenant's primary domain "
           "(contoso.onmicrosoft.com)."),
    ),
    "oauth-app-not-found": (
        N_("The tenant has no application with the client ID {client_id} "
           "(AADSTS700016): {detail}"),
        N_("Use the Application (client) ID from the app registration's Overview page, and "
           "the tenant that app is registered in."),
    ),
    "oauth-secret-invalid": (
        N_("Entra ID refused the client secret (AADSTS7000215): {detail}"),
        N_("Give the secret's Value, not its Secret ID (Certificates & secrets in the app "
           "registration; the value is shown only once, right after it is added): run "
           "smtp-wizard token setup again with it."),
    ),
    "oauth-secret-expired": (
        N_("The app's client secret has expired (AADSTS7000222): {detail}"),
        N_("Add a new client secret under Certificates & secrets of the app registration "
           "and run smtp-wizard token setup again with it; a certificate "
           "(--certificate) lasts longer and never travels."),
    ),
    "oauth-consent-missing": (
        N_("No administrator has granted the app its permissions (AADSTS65001): {detail}"),
        N_("In the app registration, API permissions: add Office 365 Exchange Online → "
           "Application permissions → SMTP.SendAsApp, then “Grant admin consent”."),
    ),
    "oauth-certificate-refused": (
        N_("Entra ID refused the certificate's signature (AADSTS{aadsts}): {detail}"),
        N_("Upload this certificate (its public part) under Certificates & secrets of the "
           "app registration, and give the PEM file that holds the matching private key."),
    ),
    "oauth-google-delegation": (
        N_("Google refused to let the service account {account} act for {user} "
           "(unauthorized_client): {detail}"),
        N_("In the Google Admin console, Security → API controls → Domain-wide delegation: "
           "add the service account's client ID with the scope https://mail.google.com/."),
    ),
    "oauth-google-grant": (
        N_("Google refused the service account's token request (invalid_grant): {detail}"),
        N_("“Invalid email or User ID”: give a user of the Workspace domain as the mailbox. "
           "“Invalid JWT Signature”: the key was deleted or replaced; download a new JSON "
           "key. Also check that this machine's clock is right."),
    ),
    "oauth-token-failed": (
        N_("No access token came back from {endpoint}: {detail}"),
        N_("Check that this machine reaches the provider's sign-in service over HTTPS "
           "(a proxy may need HTTPS_PROXY), and the values given to smtp-wizard token "
           "setup."),
    ),
    "oauth-sendasapp-missing": (
        N_("The server refused the access token ({reply}): it carries no SMTP.SendAsApp "
           "permission, so Exchange Online does not let the app {app} use SMTP."),
        N_("In the app registration, API permissions: add Office 365 Exchange Online → "
           "Application permissions → SMTP.SendAsApp and grant admin consent; then run "
           "smtp-wizard token refresh --force."),
    ),
    "oauth-mailbox-permission": (
        N_("Exchange Online refused the app {app} for the mailbox {user} ({reply}): the "
           "token is valid, but the app's service principal is not registered in Exchange "
           "or has no permission on this mailbox."),
        N_("In Exchange Online PowerShell: New-ServicePrincipal -AppId <client ID> "
           "-ObjectId <the enterprise application's object ID>, then Add-MailboxPermission "
           "-Identity <mailbox> -User <that service principal> -AccessRights FullAccess. "
           "Changes can take up to an hour."),
    ),
    "oauth-token-refused": (
        N_("The server refused the access token for {user}: {reply}"),
        N_("Fetch a fresh token (smtp-wizard token refresh --force) and check that it is "
           "for this mailbox: Microsoft 365 wants SMTP.SendAsApp, Google the scope "
           "https://mail.google.com/ with domain-wide delegation."),
    ),
    "oauth-token-too-long": (
        N_("{client} sends the access token on the AUTH line itself, {length} octets, and "
           "the server refuses a line that long ({reply}); Net_SMTP sends a long token "
           "after the server's 334 only since 1.10.1."),
        N_("Update Net_SMTP to 1.10.1 or newer: Debian's php-net-smtp, or composer update "
           "pear/net_smtp in the wiki's vendor/ (MediaWiki 1.39 bundles 1.10.0)."),
    ),
    "oauth-token-expired": (
        N_("The access token in {path} expired at {expires}: every mail the wiki sends now "
           "fails to log in."),
        N_("Run smtp-wizard token refresh, then make sure its timer runs (systemctl "
           "list-timers 'smtp-wizard-token*'), or the cron entry."),
    ),
    "oauth-refresh-failed": (
        N_("The last token refresh, at {when}, failed: {detail}"),
        N_("Run smtp-wizard token refresh -v to see why, and fix what it says; the token "
           "in the file stays valid until {expires}."),
    ),
    "oauth-timer-missing": (
        N_("Nothing refreshes the access token in {path}: no smtp-wizard timer or cron "
           "entry is installed{why}. Tokens live about an hour."),
        N_("Run smtp-wizard token timer (as root) to install one."),
    ),
}


class _Keep(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def diagnose(code: str, **facts: object) -> Diagnosis:
    """The catalogue entry for `code`, filled with `facts`."""
    cause, fix = CATALOGUE[code]
    values = _Keep(facts)
    return Diagnosis(code, _(cause).format_map(values), _(fix).format_map(values))
