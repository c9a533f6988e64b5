"""`php -l` on a patched file before it is written, with PHP's message made safe to show."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from wizard.mediawiki.localsettings.errors import PhpLintError
from wizard.mediawiki.localsettings.model import LintOutcome
from wizard.model.i18n import _

__all__ = ["lint_before_write"]

_PHP_LINT_TIMEOUT = 30.0


def lint_before_write(new: bytes, old: bytes, path: Path) -> tuple[LintOutcome, str]:
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
