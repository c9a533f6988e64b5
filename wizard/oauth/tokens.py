"""Getting an access token: the provider's own library, under one deadline.

Entra ID's tokens come from MSAL for Python and Google's from google-auth, the libraries
the providers maintain for exactly these flows (client credentials with a secret or a
certificate; a service account's JWT bearer grant acting for a user). Both are
synchronous (requests), so they run in a worker thread with requests' own timeout per
request and one `asyncio.timeout` over the whole exchange. They are the optional extra
`oauth`: nothing else in smtp-wizard needs them, and a wiki that logs in with a password
never loads them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from dataclasses import dataclass, field
from typing import Any

from wizard.errors import WizardError
from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.model.shown import visible
from wizard.oauth.config import OAuthConfig, Provider

__all__ = ["Token", "TokenError", "detail", "fetch_token", "http_client", "missing_extra"]

_MAX_DETAIL = 400


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    expires_at: dt.datetime
    """UTC."""


class TokenError(WizardError):
    """The provider gave no token; `diagnosis` says why in the catalogue's words."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(f"{diagnosis.cause} {diagnosis.fix} [{diagnosis.code}]")
        self.diagnosis = diagnosis


def missing_extra(module: str) -> WizardError:
    """The error for a missing provider library, with the command that installs it."""
    return WizardError(_(
        "OAuth needs the provider libraries (the “oauth” extra), and {module} is not "
        "installed: run {python} -m pip install 'msal>=1.39,<2' 'google-auth>=2.63,<3' "
        "and try again.").format(module=module, python=sys.executable))


def detail(text: object) -> str:
    """A provider's error text, bounded and safe to show (one line, no escapes)."""
    line = " ".join(str(text).split())
    return visible(line[:_MAX_DETAIL] + ("…" if len(line) > _MAX_DETAIL else ""))


def http_client(config: OAuthConfig) -> Any:
    """A requests session that trusts `config.ca_file` too, passed on each request:
    requests lets REQUESTS_CA_BUNDLE override a session's own `verify`."""
    try:
        import requests
    except ImportError:
        raise missing_extra("requests") from None

    verify: str | bool = str(config.ca_file) if config.ca_file else True
    timeout = config.timeout

    class Client:
        def __init__(self) -> None:
            self.session = requests.Session()

        def get(self, url: str, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", timeout)
            return self.session.get(url, verify=verify, **kwargs)

        def post(self, url: str, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", timeout)
            return self.session.post(url, verify=verify, **kwargs)

        def request(self, method: str, url: str, **kwargs: Any) -> Any:
            kwargs["timeout"] = kwargs.get("timeout") or timeout
            return self.session.request(method, url, verify=verify, **kwargs)

        def close(self) -> None:
            self.session.close()

    return Client()


async def fetch_token(config: OAuthConfig, secret: str | None = None) -> Token:
    """A fresh access token for `config`, or `TokenError` with the provider's reason.
    `secret`: Microsoft's client secret when it is not in its file yet (setup)."""
    from wizard.oauth import google, microsoft

    try:
        # Discovery and the token request each get `timeout`; a margin over both.
        async with asyncio.timeout(config.timeout * 3):
            if config.provider is Provider.MICROSOFT:
                return await asyncio.to_thread(microsoft.fetch, config, secret)
            return await asyncio.to_thread(google.fetch, config)
    except TimeoutError:
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url,
                                  detail=_("no answer within {timeout} s").format(
                                      timeout=f"{config.timeout * 3:g}"))) from None
