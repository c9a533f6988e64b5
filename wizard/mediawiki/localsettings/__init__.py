"""Read a wiki's LocalSettings.php and patch its `$wgSMTP` as one managed block.

`find` picks the file, `read` reads it without running it (`interpret` follows its
top-level statements the way PHP runs them and reports what it cannot follow instead of
guessing) and maps it to `Settings`; `patch` changes exactly one region of it, keeps
every other byte, makes a backup first, checks the result with `php -l` (`lint`) and
writes atomically. `model` holds the typed results and `errors` what stops the work.
"""

from __future__ import annotations

from wizard.mediawiki.localsettings.errors import (
    DamagedBlockError,
    FileChangedError,
    LocalSettingsError,
    NotFoundError,
    NotWritableError,
    ParseError,
    PhpLintError,
    SymlinkError,
)
from wizard.mediawiki.localsettings.find import USUAL_ROOTS, find_localsettings
from wizard.mediawiki.localsettings.layout import BEGIN_MARKER, END_MARKER
from wizard.mediawiki.localsettings.model import (
    LintOutcome,
    ManagedBlock,
    PasswordChange,
    PasswordKind,
    PasswordSource,
    PatchAction,
    PatchResult,
    Problem,
    SmtpConfig,
    SmtpState,
    WikiConfig,
)
from wizard.mediawiki.localsettings.patch import (
    managed_block,
    password_line,
    patch_localsettings,
    replace_password,
)
from wizard.mediawiki.localsettings.read import read_localsettings, to_settings
from wizard.mediawiki.pear import SYSTEM_PEAR_DIRS, pear_mail_version, system_pear_mail_version

__all__ = [
    "BEGIN_MARKER",
    "END_MARKER",
    "SYSTEM_PEAR_DIRS",
    "USUAL_ROOTS",
    "DamagedBlockError",
    "FileChangedError",
    "LintOutcome",
    "LocalSettingsError",
    "ManagedBlock",
    "NotFoundError",
    "NotWritableError",
    "ParseError",
    "PasswordChange",
    "PasswordKind",
    "PasswordSource",
    "PatchAction",
    "PatchResult",
    "PhpLintError",
    "Problem",
    "SmtpConfig",
    "SmtpState",
    "SymlinkError",
    "WikiConfig",
    "find_localsettings",
    "managed_block",
    "password_line",
    "patch_localsettings",
    "pear_mail_version",
    "read_localsettings",
    "replace_password",
    "system_pear_mail_version",
    "to_settings",
]
