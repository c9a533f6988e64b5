"""Google Workspace: a service account acting for the sending user, through google-auth.

The service account signs a JWT (RS256) with its private key, naming the user as
subject and the scope https://mail.google.com/; Google's token URI (from the key file)
answers with an access token for that user, if the Workspace admin has given the
account domain-wide delegation for that scope. Consumer Gmail has no such thing: there
the app password stays the way to log in.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.oauth.config import GOOGLE_SCOPE, OAuthConfig
from wizard.oauth.tokens import Token, TokenError, detail, http_client, missing_extra
from wizard.store.files import read_nofollow

__all__ = ["fetch", "google_diagnosis", "read_key"]

_MAX_KEY = 64 * 1024


def read_key(config: OAuthConfig) -> dict[str, Any]:
    """The service account's key file, checked for what the grant needs."""
    assert config.service_account is not None
    try:
        info = json.loads(read_nofollow(config.service_account)[:_MAX_KEY])
    except (OSError, ValueError) as exc:
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url, detail=_(
            "the service account key {path} cannot be read as JSON: {error}").format(
                path=config.service_account, error=detail(exc)))) from None
    needed = ("client_email", "private_key", "token_uri")
    if not isinstance(info, dict) or any(not isinstance(info.get(k), str) for k in needed):
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url, detail=_(
            "{path} is not a service account key (it needs {keys})").format(
                path=config.service_account, keys=", ".join(needed))))
    return info


def google_diagnosis(config: OAuthConfig, account: str, data: object,
                     message: str) -> Diagnosis:
    error = data.get("error") if isinstance(data, dict) else None
    text = detail(data.get("error_description", message) if isinstance(data, dict)
                  else message)
    if error == "unauthorized_client":
        return diagnose("oauth-google-delegation", account=account, user=config.user,
                        detail=text)
    if error == "invalid_grant":
        return diagnose("oauth-google-grant", detail=text)
    return diagnose("oauth-token-failed", endpoint=config.token_url, detail=text)


def fetch(config: OAuthConfig) -> Token:
    """A token for `config.user`, or `TokenError`. Runs in a worker thread."""
    try:
        import google.auth.exceptions
        import google.auth.transport.requests
        from google.oauth2 import service_account
    except ImportError as exc:
        raise missing_extra(exc.name or "google-auth") from None

    info = read_key(config)
    client = http_client(config)
    try:
        credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=[GOOGLE_SCOPE], subject=config.user)
        credentials.refresh(google.auth.transport.requests.Request(session=client))
    except google.auth.exceptions.RefreshError as exc:
        data = exc.args[1] if len(exc.args) > 1 else None
        raise TokenError(google_diagnosis(config, info["client_email"], data,
                                          str(exc.args[0] if exc.args else exc))) from None
    except (google.auth.exceptions.GoogleAuthError, ValueError) as exc:
        raise TokenError(diagnose("oauth-token-failed", endpoint=info["token_uri"],
                                  detail=detail(exc))) from None
    finally:
        client.close()
    # google-auth keeps a naive UTC datetime.
    expiry = credentials.expiry or (dt.datetime.now(dt.UTC).replace(tzinfo=None)
                                    + dt.timedelta(seconds=3599))
    return Token(str(credentials.token), expiry.replace(tzinfo=dt.UTC))
