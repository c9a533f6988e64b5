"""The PHP side of a wiki's mail, asked of the real `php`: what PEAR will be able to do.

One short `php -r` run answers: PHP's version, whether the `openssl` extension is loaded
(without it Net_SMTP silently skips STARTTLS and `ssl://` cannot connect), and where PHP
would find PEAR's Mail, Net_SMTP, Net_Socket and Auth_SASL, the way MediaWiki loads them:
the class `Mail` through Composer's autoloader (the wiki's `vendor/pear/mail`, whatever the
include path says), everything else through the include path, with the wiki's `vendor/`
packages first, as Composer's autoloader puts them. No wiki code runs: the files are
resolved (`stream_resolve_include_path`), not loaded. A missing `php` or a missing package
is a finding in the result, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wizard.model.i18n import _

__all__ = [
    "AUTH_SASL_FILE",
    "PEAR_FILES",
    "PhpEnv",
    "mail_autoload_dirs",
    "probe_php",
    "vendor_include_paths",
]

PEAR_FILES = {
    "PEAR.php": "PEAR",
    "Mail.php": "Mail",
    "Mail/smtp.php": "Mail",
    "Net/SMTP.php": "Net_SMTP",
    "Net/Socket.php": "Net_Socket",
}
"""The files `Mail::factory('smtp', ...)` needs, and the PEAR package each belongs to."""
AUTH_SASL_FILE = "Auth/SASL.php"
"""Net_SMTP includes it if it can; then it prefers DIGEST-MD5 and CRAM-MD5."""

_TIMEOUT = 20.0
_MARK = "SMTP-WIZARD-PHPENV "
# Reads its options as JSON from argv, so no value is ever spliced into PHP source.
# Composer prepends each package's include-path to PHP's; a set_include_path() in
# LocalSettings.php (run after the autoloader) then replaces the whole path.
_SCRIPT = r"""
$o = json_decode($argv[1], true);
if ($o['vendor']) {
    set_include_path(implode(PATH_SEPARATOR, $o['vendor']) . PATH_SEPARATOR . get_include_path());
}
if ($o['include_path'] !== null) {
    set_include_path($o['include_path']);
}
// Composer loads the class Mail (Mail.php) itself; Mail::factory() includes Mail/smtp.php
// through the include path and falls back to Composer. The rest are plain require_once.
$autoloaded = function ($f) use ($o) {
    foreach ($o['autoload'] as $dir) {
        if (is_file($dir . '/' . $f)) {
            return realpath($dir . '/' . $f);
        }
    }
    return false;
};
$files = [];
foreach ($o['files'] as $f) {
    $p = $f === 'Mail.php' ? $autoloaded($f) : false;
    if ($p === false) {
        $p = stream_resolve_include_path($f);
    }
    if ($p === false && $f === 'Mail/smtp.php') {
        $p = $autoloaded($f);
    }
    $files[$f] = $p === false ? null : $p;
}
echo "\n" . $o['mark'] . json_encode([
    'version' => PHP_VERSION,
    'openssl' => extension_loaded('openssl'),
    'openssl_version' => defined('OPENSSL_VERSION_TEXT') ? OPENSSL_VERSION_TEXT : '',
    'transports' => stream_get_transports(),
    'ini' => (string) php_ini_loaded_file(),
    'include_path' => get_include_path(),
    'files' => $files,
]) . "\n";
"""


@dataclass(frozen=True)
class PhpEnv:
    """What one `php` said about itself; `present` False when it could not be run."""

    binary: str
    """The program as given, or its full path when it was found."""
    present: bool
    error: str = ""
    """Why PHP could not be run or did not answer (for the user)."""
    version: str = ""
    openssl: bool = False
    openssl_version: str = ""
    transports: tuple[str, ...] = ()
    ini_file: str = ""
    """The php.ini PHP loaded ("" for none: `php -n`, or no file)."""
    include_path: str = ""
    """PHP's include path as the wiki would have it (vendor/ first, then php.ini's)."""
    files: dict[str, str | None] = field(default_factory=dict)
    """Each file of PEAR_FILES and AUTH_SASL_FILE -> where PHP found it, or None."""

    @property
    def ok(self) -> bool:
        return self.present and not self.error

    @property
    def missing_pear(self) -> tuple[str, ...]:
        """The PEAR packages (of Mail, Net_SMTP, Net_Socket, PEAR) PHP cannot find."""
        return tuple(dict.fromkeys(package for file, package in PEAR_FILES.items()
                                   if self.files.get(file) is None))

    @property
    def auth_sasl(self) -> bool:
        return self.files.get(AUTH_SASL_FILE) is not None


def vendor_include_paths(wiki_root: Path | None) -> list[Path]:
    """The folders Composer puts on PHP's include path for the wiki's `vendor/` packages.

    Each package's `include-path` as recorded in `vendor/composer/installed.json`; when
    that does not say (an older Composer), every `vendor/pear/*` package folder and its
    `src/`, which is where the PEAR packages MediaWiki bundles keep their files.
    """
    if wiki_root is None:
        return []
    vendor = Path(wiki_root).absolute() / "vendor"
    paths: list[Path] = []
    for package in _installed_packages(vendor):
        include = package.get("include-path")
        if not isinstance(include, list):
            continue
        install = package.get("install-path")
        base = (vendor / "composer" / install if isinstance(install, str)
                else vendor / str(package["name"]))
        paths += [Path(os.path.normpath(base / entry)) for entry in include
                  if isinstance(entry, str)]
    if paths:
        return paths
    try:
        folders = sorted(p for p in (vendor / "pear").iterdir() if p.is_dir())
    except OSError:
        return []
    return [p for folder in folders for p in (folder, folder / "src") if p.is_dir()]


def mail_autoload_dirs(wiki_root: Path | None) -> list[Path]:
    """Where Composer's autoloader looks for the class `Mail` (PSR-0 prefix "Mail") in
    the wiki's `vendor/`: pear/mail's folder, as its installed.json entry maps it."""
    if wiki_root is None:
        return []
    vendor = Path(wiki_root).absolute() / "vendor"
    dirs: list[Path] = []
    for package in _installed_packages(vendor):
        autoload = package.get("autoload")
        psr0 = autoload.get("psr-0") if isinstance(autoload, dict) else None
        entry = psr0.get("Mail") if isinstance(psr0, dict) else None
        install = package.get("install-path")
        base = (vendor / "composer" / install if isinstance(install, str)
                else vendor / str(package.get("name")))
        for relative in [entry] if isinstance(entry, str) else entry or []:
            if isinstance(relative, str):
                dirs.append(Path(os.path.normpath(base / relative)))
    if not dirs and (vendor / "pear" / "mail").is_dir():
        dirs.append(vendor / "pear" / "mail")
    return dirs


def _installed_packages(vendor: Path) -> list[dict[str, object]]:
    try:
        installed = json.loads((vendor / "composer" / "installed.json").read_bytes())
    except (OSError, ValueError):
        return []
    # Composer 2 wraps the list in {"packages": [...]}, Composer 1 writes the list.
    packages = installed.get("packages") if isinstance(installed, dict) else installed
    return [p for p in packages if isinstance(p, dict) and isinstance(p.get("name"), str)
            ] if isinstance(packages, list) else []


def _find_program(php: str) -> str | None:
    if os.sep in php:
        return php if os.access(php, os.X_OK) and Path(php).is_file() else None
    return shutil.which(php)


async def probe_php(php: str = "php", *, wiki_root: Path | None = None,
                    include_path: str | None = None, args: Sequence[str] = (),
                    timeout: float = _TIMEOUT) -> PhpEnv:
    """Ask `php` (a name on PATH or a path) about itself and PEAR, as the wiki would see it.

    `wiki_root`'s vendor/ packages go first on the include path, as Composer's autoloader
    puts them. `include_path`, when given, replaces the path afterwards, as a
    `set_include_path()` line in LocalSettings.php does. `args` go before everything else
    (`-n` for no php.ini, `-c FILE` for the web server's php.ini). Relative include-path
    entries count from `wiki_root`, MediaWiki's working folder.
    """
    program = _find_program(php)
    if program is None:
        return PhpEnv(php, present=False, error=_(
            "There is no PHP program “{php}” on this machine.").format(php=php))
    options = {
        "vendor": [str(p) for p in vendor_include_paths(wiki_root)],
        "autoload": [str(p) for p in mail_autoload_dirs(wiki_root)],
        "include_path": include_path,
        "files": [*PEAR_FILES, AUTH_SASL_FILE],
        "mark": _MARK,
    }
    command = [program, *args, "-d", "display_errors=stderr", "-r", _SCRIPT, "--",
               json.dumps(options)]
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=wiki_root if wiki_root is not None and Path(wiki_root).is_dir() else None)
    except OSError as exc:
        return PhpEnv(program, present=False, error=_(
            "PHP ({php}) could not be started: {error}.").format(
                php=program, error=exc.strerror or exc))
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        return PhpEnv(program, present=True, error=_(
            "PHP ({php}) did not answer within {timeout} s.").format(
                php=program, timeout=f"{timeout:g}"))
    finally:
        # Also when our caller is cancelled: the child must not outlive the call.
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    return _parse(program, process.returncode, stdout, stderr)


def _parse(program: str, returncode: int | None, stdout: bytes, stderr: bytes) -> PhpEnv:
    text = stdout.decode("utf-8", "replace")
    line = next((line for line in reversed(text.splitlines()) if line.startswith(_MARK)), None)
    try:
        data = json.loads(line[len(_MARK):]) if line is not None else None
    except ValueError:
        data = None
    if returncode != 0 or not isinstance(data, dict):
        said = (stderr.decode("utf-8", "replace").strip() or text.strip())[-300:]
        return PhpEnv(program, present=True, error=_(
            "PHP ({php}) failed (exit status {status}): {said}").format(
                php=program, status=returncode, said=said or "-"))
    files = data.get("files")
    transports = data.get("transports")
    return PhpEnv(
        program, present=True,
        version=str(data.get("version", "")),
        openssl=data.get("openssl") is True,
        openssl_version=str(data.get("openssl_version", "")),
        transports=tuple(map(str, transports)) if isinstance(transports, list) else (),
        ini_file=str(data.get("ini", "")),
        include_path=str(data.get("include_path", "")),
        files={str(k): v if isinstance(v, str) else None
               for k, v in (files.items() if isinstance(files, dict) else ())},
    )
