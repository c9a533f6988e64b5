"""The PHP side of `wizard.mediawiki.via_php`: a maintenance script, run with `php -r`.

It reads one JSON line from stdin (the install folder, the marker, the recipient, a
stand-in password only when the wiki's own is empty in this PHP, and the `$wgSMTP` and
sender of a check, which replace the wiki's), lets MediaWiki load its
settings the way every maintenance script does (`--conf` on the command line), and then
talks to the server through the PEAR classes MediaWiki itself loaded: `Mail::factory('smtp',
$wgSMTP)` and `getSMTPObject()` (connect, STARTTLS, AUTH exactly as `send()` does), then
MAIL FROM `$wgPasswordSender` and RCPT TO, then RSET. Nothing is sent. The answer is one
JSON line after the marker, printed at shutdown so that a fatal error (a `require` that
fails) is reported too. The password is never printed: only named facts are.
"""

from __future__ import annotations

__all__ = ["SCRIPT"]

SCRIPT = r"""
$smtpWizardIn = json_decode((string) fgets(STDIN, 1 << 16), true);
if (!is_array($smtpWizardIn)) {
    $smtpWizardIn = [];
}
$GLOBALS['smtpWizardOut'] = ['stage' => 'bootstrap'];
register_shutdown_function(function () use ($smtpWizardIn) {
    $out = $GLOBALS['smtpWizardOut'];
    $fatal = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR
        | E_RECOVERABLE_ERROR;
    $e = error_get_last();
    if ($e !== null && ($e['type'] & $fatal)) {
        $out['fatal'] = $e['message'] . ' in ' . $e['file'] . ' on line ' . $e['line'];
    }
    echo "\n", $smtpWizardIn['mark'] ?? '', json_encode($out, JSON_UNESCAPED_SLASHES
        | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR), "\n";
});
if (function_exists('posix_geteuid')) {
    $smtpWizardUser = posix_getpwuid(posix_geteuid());
    $GLOBALS['smtpWizardOut']['user'] = $smtpWizardUser ? $smtpWizardUser['name']
        : (string) posix_geteuid();
}
$GLOBALS['smtpWizardOut']['php'] = PHP_VERSION;

require_once $smtpWizardIn['ip'] . '/maintenance/Maintenance.php';

function smtp_wizard_files(array &$out) {
    foreach (['Mail', 'Mail_smtp', 'Net_SMTP', 'Net_Socket', 'PEAR'] as $class) {
        if (class_exists($class, false)) {
            $out['files'][$class] = (new ReflectionClass($class))->getFileName();
        }
    }
}

function smtp_wizard_reply($smtp, array &$out) {
    if (is_object($smtp) && method_exists($smtp, 'getResponse')) {
        list($code, $text) = $smtp->getResponse();
        $out['reply'] = [(int) $code, (string) $text];
    }
}

function smtp_wizard_tls($smtp, array &$out) {
    $socket = Closure::bind(function () {
        return $this->socket;
    }, $smtp, get_class($smtp))();
    $fp = is_object($socket) ? $socket->fp : null;
    $meta = is_resource($fp) ? stream_get_meta_data($fp) : [];
    $crypto = $meta['crypto'] ?? null;
    $out['tls'] = is_array($crypto)
        ? trim(($crypto['protocol'] ?? '') . ' ' . ($crypto['cipher_name'] ?? '')) : '';
    $out['extensions'] = array_keys((array) $smtp->getServiceExtensions());
}

function smtp_wizard_converse($config, array $in, array &$out) {
    $out['stage'] = 'config';
    $out['enable_email'] = (bool) $config->get('EnableEmail');
    // Settings under test (smtp-wizard check) replace the wiki's once MediaWiki has
    // loaded them: its PEAR, include path and account stay the wiki's.
    $given = (string) ($in['sender'] ?? '');
    $out['sender'] = $given !== '' ? $given : (string) $config->get('PasswordSender');
    $smtp = is_array($in['smtp'] ?? null) ? $in['smtp'] : $config->get('SMTP');
    $out['smtp_array'] = is_array($smtp);
    $out['include_path'] = get_include_path();
    if (!is_array($smtp)) {
        return;
    }
    // UserMailer's own test, and its own words when it fails.
    $out['stage'] = 'pear';
    if (!class_exists('Mail')) {
        $out['error'] = 'PEAR mail package is not installed';
        return;
    }
    $params = $smtp;
    $password = $params['password'] ?? null;
    if (!empty($params['auth']) && ($password === null || $password === false
            || $password === '')) {
        if (isset($in['password'])) {
            $params['password'] = $in['password'];
            $out['password'] = 'stand-in';
        } else {
            $out['password'] = 'missing';
        }
    }
    if (!empty($in['ca_file'])) {
        $params['socket_options']['ssl']['cafile'] = $in['ca_file'];
    }
    $mail = Mail::factory('smtp', $params);
    smtp_wizard_files($out);
    if (PEAR::isError($mail)) {
        $out['error'] = $mail->getMessage();
        return;
    }
    $out['knows_starttls'] = property_exists($mail, 'starttls');
    $missing = ($out['password'] ?? '') === 'missing';
    if ($missing) {
        // No password to log in with: connect, and start TLS the way AUTH would.
        $mail->auth = false;
    }
    $out['stage'] = 'connect';
    $smtp = $mail->getSMTPObject();
    smtp_wizard_files($out);
    if (PEAR::isError($smtp)) {
        // PEAR's text holds the reply; after a failed handshake Net_SMTP's last
        // "response" is TLS bytes, so it is not read separately.
        $out['error'] = $smtp->getMessage();
        $out['code'] = $smtp->getCode();
        return;
    }
    smtp_wizard_tls($smtp, $out);
    if ($missing) {
        $offered = array_change_key_case((array) $smtp->getServiceExtensions(), CASE_UPPER);
        if ($out['tls'] === '' && ($mail->starttls ?? null) !== false
                && isset($offered['STARTTLS']) && extension_loaded('openssl')
                && method_exists($smtp, 'starttls')) {
            $started = $smtp->starttls();
            if ($started !== true) {
                $out['error'] = PEAR::isError($started) ? $started->getMessage()
                    : 'STARTTLS failed';
                return;
            }
            smtp_wizard_tls($smtp, $out);
        }
        $out['stage'] = 'auth-skipped';
        $smtp->rset();
        $mail->disconnect();
        return;
    }
    $error = Closure::bind(function ($text, $e) {
        return $this->_error($text, $e);
    }, $mail, get_class($mail));
    $sender = $out['sender'];
    $out['stage'] = 'sender';
    $res = $smtp->mailFrom($sender);
    if (PEAR::isError($res)) {
        $out['error'] = $error("Failed to set sender: $sender", $res);
        smtp_wizard_reply($smtp, $out);
        $smtp->rset();
        return;
    }
    $rcpt = (string) ($in['rcpt'] ?? '') !== '' ? $in['rcpt'] : $sender;
    $out['rcpt'] = $rcpt;
    $out['stage'] = 'recipient';
    $res = $smtp->rcptTo($rcpt);
    if (PEAR::isError($res)) {
        $out['error'] = $error("Failed to add recipient: $rcpt", $res);
        smtp_wizard_reply($smtp, $out);
        $smtp->rset();
        return;
    }
    $smtp->rset();
    $mail->disconnect();
    $out['stage'] = 'done';
}

class SmtpWizardConversation extends Maintenance {
    public function getDbType(): int {
        return Maintenance::DB_NONE;
    }

    public function execute() {
        global $smtpWizardIn;
        try {
            smtp_wizard_converse($this->getConfig(), $smtpWizardIn, $GLOBALS['smtpWizardOut']);
        } catch (Throwable $e) {
            $GLOBALS['smtpWizardOut']['exception'] = get_class($e) . ': ' . $e->getMessage();
        }
        return true;
    }
}

$maintClass = SmtpWizardConversation::class;
require_once RUN_MAINTENANCE_IF_MAIN;
"""
