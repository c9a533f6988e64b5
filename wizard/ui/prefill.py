"""Start from an existing LocalSettings.php: its values prefill the wizard's state."""

from __future__ import annotations

from pathlib import Path

from wizard.localsettings import (
    LocalSettingsError,
    find_localsettings,
    read_localsettings,
    to_settings,
)
from wizard.ui.state import Mode, WizardState

__all__ = ["load_localsettings"]


def load_localsettings(state: WizardState, given: Path | None, cwd: Path) -> str:
    """Find and read LocalSettings.php into `state`; returns an error text, or "".

    A file given on the command line that cannot be read is an error; one merely found
    in the usual places that cannot be read is ignored (the user may not mean it).
    """
    try:
        path = find_localsettings(given, cwd)
        if path is None:
            return ""
        config = read_localsettings(path)
        found = to_settings(config)
    except LocalSettingsError as exc:
        return str(exc) if given is not None else ""
    state.localsettings = path
    state.localsettings_raw = config.raw
    for key, value in (("sender", config.password_sender),
                       ("emergency_contact", config.emergency_contact)):
        if isinstance(value, str) and value:
            state.prefill[key] = value
    if found is not None:
        settings, password = found
        state.settings = settings.replace(timeout=state.timeout)
        # Rotating means typing the new password, so the old one is not offered.
        state.password = None if state.mode is Mode.ROTATE else password
        state.prefill["username"] = settings.username
    return ""
