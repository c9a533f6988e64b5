"""Textual `Validator`s around the core's field checks, so Inputs say what is wrong."""

from __future__ import annotations

from collections.abc import Callable

from textual.validation import ValidationResult, Validator

from wizard.model.fields import SettingsError

__all__ = ["FieldValidator"]


class FieldValidator(Validator):
    """Valid when `check(value)` returns; its `SettingsError` text is the failure."""

    def __init__(self, check: Callable[[str], object], *, optional: bool = False) -> None:
        super().__init__()
        self.check = check
        self.optional = optional

    def validate(self, value: str) -> ValidationResult:
        if self.optional and not value.strip():
            return self.success()
        try:
            self.check(value)
        except SettingsError as exc:
            return self.failure(exc.message)
        return self.success()
