"""Send the way MediaWiki does: real PHP, LocalSettings.php, PEAR `Mail::factory('smtp')`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["HARNESS", "RECIPIENT", "pear_send"]

RECIPIENT = "someone@example.net"

# What MediaWiki's UserMailer::sendWithPear boils down to, after LocalSettings.php.
HARNESS = r"""<?php
require $argv[1];
require_once 'Mail.php';
$to = $argv[2];
$headers = [
    'From' => $wgPasswordSender,
    'Return-Path' => $wgPasswordSender,
    'To' => $to,
    'Subject' => 'smtp-wizard test',
    'Date' => date('r'),
    'Message-ID' => '<' . bin2hex(random_bytes(8)) . '@' . ($wgSMTP['IDHost'] ?? 'localhost') . '>',
    'MIME-Version' => '1.0',
    'Content-type' => 'text/plain; charset=UTF-8',
];
$mailer = Mail::factory('smtp', $wgSMTP);
$result = $mailer->send($to, $headers, "It works.\n");
if (PEAR::isError($result)) {
    fwrite(STDERR, 'PEAR error: ' . $result->getMessage() . "\n");
    exit(1);
}
echo "sent\n";
"""


def pear_send(php: str, localsettings: Path, ca_file: Path | None, *,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Load `localsettings` in PHP and send one message with `$wgSMTP`.

    The test CA is trusted through SSL_CERT_FILE, which OpenSSL's default verify paths
    (used by PHP when no cafile is configured) honour; `ca_file=None` trusts nothing extra.
    """
    harness = localsettings.parent / "usermailer.php"
    harness.write_text(HARNESS, encoding="utf-8")
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("SSL_CERT_FILE", "SSL_CERT_DIR", "SMTP_PASSWORD")}
    if ca_file is not None:
        environment["SSL_CERT_FILE"] = str(ca_file)
    environment.update(env or {})
    return subprocess.run([php, str(harness), str(localsettings), RECIPIENT],
                          capture_output=True, text=True, timeout=60, env=environment,
                          check=False)
