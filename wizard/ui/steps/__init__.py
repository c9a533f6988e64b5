"""One screen per step of the flow; the App decides their order."""

from __future__ import annotations

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
    "StepScreen",
    "WikiScreen",
]
