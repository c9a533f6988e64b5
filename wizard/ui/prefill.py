"""Start from an existing LocalSettings.php: its values prefill the wizard's state."""

from __future__ import annotations

from pathlib import Path

from wizard.mediawiki.localsettings import (
    LocalSettingsError,
    find_localsettings,
    read_localsettings,
    to_settings,
)
from wizard.model.fields import SettingsError
from wizard.model.i18n import _
from wizard.ui.state import Mode, WizardState

__all__ = ["check_localsettings_path", "load_localsettings", "switch_localsettings"]


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
    state.wiki = config
    for key, value in (("sender", config.password_sender),
                       ("emergency_contact", config.emergency_contact)):
        if isinstance(value, str) and value:
            state.prefill[key] = value
    if found is not None:
        settings, password = found
        # The wizard's own deadline and CA bundle (tests, the demo) apply to its checks.
        state.settings = settings.replace(timeout=state.timeout,
                                          ca_file=state.ca_file or settings.ca_file)
        # Rotating means typing the new password, so the old one is not offered.
        state.password = None if state.mode is Mode.ROTATE else password
        state.prefill["username"] = settings.username
    return ""


def switch_localsettings(state: WizardState, path: Path) -> str:
    """Read another LocalSettings.php typed in the wizard, forgetting the previous one's
    values and every check made with them; returns an error text, or ""."""
    state.localsettings = state.localsettings_raw = state.wiki = state.doctor = None
    state.settings = state.password = None
    state.prefill.clear()
    state.notes = ()
    state.clear_after("start")
    return load_localsettings(state, path, Path.cwd())


def check_localsettings_path(text: str) -> Path:
    """The LocalSettings.php that a typed file or wiki folder names.

    Raises SettingsError with the reason, so the path Input can say what is wrong.
    """
    if not text.strip():
        raise SettingsError("localsettings", _("Type the path of LocalSettings.php or of "
                                               "the wiki's folder."))
    try:
        path = find_localsettings(Path(text.strip()).expanduser(), Path.cwd())
    except LocalSettingsError as exc:
        raise SettingsError("localsettings", exc.message) from None
    assert path is not None  # a given path either names a file or raises
    return path
