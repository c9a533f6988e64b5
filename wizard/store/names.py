"""What the keyring entries are called: the store writes them under these names, and a
generated Python snippet reads them back by the same names (without the keyring code)."""

from __future__ import annotations

from wizard.model.settings import Settings

__all__ = ["SERVICE_PREFIX", "service_name"]

SERVICE_PREFIX = "smtp-wizard"


def service_name(settings: Settings) -> str:
    """The keyring entry's service: `smtp-wizard/<host>:<port>`, host in its ASCII form."""
    return f"{SERVICE_PREFIX}/{settings.ascii_host}:{settings.port}"
