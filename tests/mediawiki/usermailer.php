<?php
/**
 * Sends one message the way MediaWiki does for every mail it sends (watchlist,
 * notifications, password resets): UserMailer::send(), after MediaWiki loaded its
 * settings (`--conf`). With `--pear DIR`, the PEAR releases in DIR (mail/, net_smtp/,
 * net_socket/) are put first on the include path and loaded before MediaWiki's own.
 * Prints one JSON line: whether MediaWiki reports success, its errors, and the files
 * PHP loaded PEAR's classes from.
 */
require_once getenv('MW_INSTALL_PATH') . '/maintenance/Maintenance.php';

class SmtpWizardUserMailer extends Maintenance {
    public function __construct() {
        parent::__construct();
        $this->addOption('to', 'recipient', true, true);
        $this->addOption('pear', 'folder of PEAR releases to load first', false, true);
    }

    public function getDbType() {
        return Maintenance::DB_NONE;
    }

    public function execute() {
        $pear = $this->getOption('pear');
        if ($pear) {
            set_include_path(implode(PATH_SEPARATOR, [
                "$pear/mail", "$pear/net_smtp", "$pear/net_socket", get_include_path()]));
            foreach (['Mail.php', 'Mail/smtp.php', 'Net/SMTP.php', 'Net/Socket.php'] as $file) {
                require_once $file;
            }
        }
        $status = UserMailer::send(new MailAddress($this->getOption('to')),
            new MailAddress($GLOBALS['wgPasswordSender']), 'smtp-wizard test',
            "Sent by MediaWiki's own UserMailer.\n");
        $files = [];
        foreach (['Mail', 'Mail_smtp', 'Net_SMTP', 'Net_Socket'] as $class) {
            $files[$class] = class_exists($class, false)
                ? (new ReflectionClass($class))->getFileName() : null;
        }
        echo json_encode(['ok' => $status->isOK(),
                          'errors' => $status->getErrors(),
                          'files' => $files]), "\n";
    }
}

$maintClass = SmtpWizardUserMailer::class;
require_once RUN_MAINTENANCE_IF_MAIN;
