"""One screen per step of the flow; the App decides their order.

A step's module is imported when the flow reaches it, not before: the first screen must
not wait for the engines behind the later ones (the check, discovery, the keyring, the
LocalSettings.php reader). `STEPS` names each step's class and its short title (the
title line lists every step of the flow from the first screen on), and the classes are
also importable from this package, loaded on first use, the way `textual.widgets` does.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.model.i18n import N_

if TYPE_CHECKING:
    from wizard.ui.steps.base import StepScreen
    from wizard.ui.steps.credentials import CredentialsScreen
    from wizard.ui.steps.doctor import DoctorScreen
    from wizard.ui.steps.host import HostScreen
    from wizard.ui.steps.port import PortScreen
    from wizard.ui.steps.protocol import ProtocolScreen
    from wizard.ui.steps.review import ReviewScreen
    from wizard.ui.steps.rotate import NewPasswordScreen, RotateScreen, WikiScreen
    from wizard.ui.steps.sender import SenderScreen
    from wizard.ui.steps.start import StartScreen

__all__ = [
    "STEPS",
    "CredentialsScreen",
    "DoctorScreen",
    "HostScreen",
    "NewPasswordScreen",
    "PortScreen",
    "ProtocolScreen",
    "ReviewScreen",
    "RotateScreen",
    "SenderScreen",
    "StartScreen",
    "Step",
    "StepScreen",
    "WikiScreen",
]


@dataclass(frozen=True)
class Step:
    """A step screen by name: where its class lives, and its name in the title line."""

    screen: str
    """The class name, in `module`."""
    module: str
    short_title: str
    """One word, marked for translation (`N_`)."""

    def load(self) -> type[StepScreen]:
        screen: type[StepScreen] = getattr(
            importlib.import_module(f"wizard.ui.steps.{self.module}"), self.screen)
        return screen


STEPS: dict[str, Step] = {step.screen: step for step in (
    Step("StartScreen", "start", N_("Start")),
    Step("DoctorScreen", "doctor", N_("Check")),
    Step("HostScreen", "host", N_("Host")),
    Step("ProtocolScreen", "protocol", N_("Prefix")),
    Step("PortScreen", "port", N_("Port")),
    Step("CredentialsScreen", "credentials", N_("Login")),
    Step("SenderScreen", "sender", N_("Sender")),
    Step("ReviewScreen", "review", N_("Write")),
    Step("WikiScreen", "rotate", N_("Wiki")),
    Step("NewPasswordScreen", "rotate", N_("Password")),
    Step("RotateScreen", "rotate", N_("Change")),
)}


def __getattr__(name: str) -> type[StepScreen]:
    if name == "StepScreen":
        from wizard.ui.steps.base import StepScreen

        return StepScreen
    if name in STEPS:
        return STEPS[name].load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
