"""What stops reading or patching LocalSettings.php, each with a message for the user."""

from __future__ import annotations

from pathlib import Path

from wizard.errors import WizardError

__all__ = [
    "DamagedBlockError",
    "FileChangedError",
    "LocalSettingsError",
    "NotFoundError",
    "NotWritableError",
    "ParseError",
    "PhpLintError",
    "SymlinkError",
]


class LocalSettingsError(WizardError):
    """Anything that stops reading or patching; the text is for the user."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class NotFoundError(LocalSettingsError):
    pass


class ParseError(LocalSettingsError):
    """The file is not PHP that PHP would accept; `line` says where."""

    def __init__(self, message: str, path: Path, line: int) -> None:
        super().__init__(message, path)
        self.line = line


class SymlinkError(LocalSettingsError):
    """Refused to replace a symbolic link; `real_path` is the file to pass instead."""

    def __init__(self, message: str, path: Path, real_path: Path) -> None:
        super().__init__(message, path)
        self.real_path = real_path


class FileChangedError(LocalSettingsError):
    pass


class NotWritableError(LocalSettingsError):
    pass


class DamagedBlockError(LocalSettingsError):
    pass


class PhpLintError(LocalSettingsError):
    """`php -l` rejected the patched text; `php_message` is PHP's own words."""

    def __init__(self, message: str, path: Path, php_message: str) -> None:
        super().__init__(message, path)
        self.php_message = php_message
