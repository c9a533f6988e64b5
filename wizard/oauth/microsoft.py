"""Entra ID, app-only: the client credentials grant through MSAL for Python.

The app registration has the Office 365 Exchange Online application permission
SMTP.SendAsApp with admin consent, and proves itself with a client secret or with a
certificate (MSAL then signs a client assertion with the private key; the secret never
exists). The scope is Exchange Online's `.default`. Entra ID's refusals carry an AADSTS
code in `error_codes`, which picks the diagnosis.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.oauth.config import MICROSOFT_SCOPE, OAuthConfig
from wizard.oauth.tokens import Token, TokenError, detail, http_client, missing_extra
from wizard.store.files import read_nofollow

__all__ = ["aadsts_diagnosis", "fetch", "read_secret"]

_MAX_SECRET = 4096
_MAX_PEM = 256 * 1024
# AADSTS code -> diagnosis; 700027 and friends: a certificate the app does not know.
_CODES = {
    90002: "oauth-tenant-not-found",
    700016: "oauth-app-not-found",
    7000215: "oauth-secret-invalid",
    7000222: "oauth-secret-expired",
    65001: "oauth-consent-missing",
    700027: "oauth-certificate-refused",
    700024: "oauth-certificate-refused",
}


def read_secret(config: OAuthConfig) -> str:
    """The client secret from its root-only file (first line)."""
    assert config.secret_file is not None
    try:
        data = read_nofollow(config.secret_file)[:_MAX_SECRET]
    except OSError as exc:
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url,
                                  detail=_("the client secret file {path} cannot be read: "
                                           "{error}").format(path=config.secret_file,
                                                             error=exc.strerror))) from None
    secret = data.decode("utf-8", "replace").strip()
    if not secret:
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url,
                                  detail=_("the client secret file {path} is empty").format(
                                      path=config.secret_file)))
    return secret


def _certificate(config: OAuthConfig) -> dict[str, str]:
    """MSAL's certificate credential: the private key and the certificate's SHA-1
    thumbprint, which Entra ID uses to find the uploaded certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    assert config.certificate is not None
    try:
        pem = read_nofollow(config.certificate)[:_MAX_PEM]
        cert = x509.load_pem_x509_certificate(pem)
        key = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url, detail=_(
            "{path} must hold the certificate and its private key (PEM, no passphrase): "
            "{error}").format(path=config.certificate, error=detail(exc)))) from None
    der = cert.public_bytes(serialization.Encoding.DER)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    return {"private_key": private, "thumbprint": hashlib.sha1(der).hexdigest()}


def aadsts_diagnosis(config: OAuthConfig, result: dict[str, Any]) -> Diagnosis:
    """The diagnosis for Entra ID's error body."""
    codes = result.get("error_codes") or []
    # The templates name the code themselves; the trace and correlation IDs that follow
    # the sentence matter only to Microsoft's support.
    description = str(result.get("error_description") or result.get("error") or result)
    text = detail(re.sub(r"^AADSTS\d+:\s*", "", description.split("Trace ID:")[0]))
    for code in codes if isinstance(codes, list) else []:
        name = _CODES.get(code) if isinstance(code, int) else None
        if name is not None:
            return diagnose(name, tenant=config.tenant, client_id=config.client_id,
                            detail=text, aadsts=code)
    return diagnose("oauth-token-failed", endpoint=config.token_url, detail=text)


def fetch(config: OAuthConfig, secret: str | None = None) -> Token:
    """A token for Exchange Online, or `TokenError`. Runs in a worker thread. `secret`
    stands in for the secret file's content."""
    try:
        import msal
        import requests
    except ImportError as exc:
        raise missing_extra(exc.name or "msal") from None

    credential: str | dict[str, str] = (
        _certificate(config) if config.certificate is not None
        else secret or read_secret(config))
    client = http_client(config)
    authority = f"{config.authority.rstrip('/')}/{config.tenant}"
    try:
        # No instance discovery: the authority is the one given (a national cloud, or a
        # test endpoint), and MSAL asks it alone. An in-memory cache per call: the
        # refresher itself decides when a token is due.
        app = msal.ConfidentialClientApplication(
            config.client_id, client_credential=credential, authority=authority,
            http_client=client, instance_discovery=False, validate_authority=False,
            timeout=config.timeout, token_cache=msal.TokenCache())
        result = app.acquire_token_for_client(scopes=[MICROSOFT_SCOPE])
    except ValueError as exc:
        # MSAL reads the tenant's OpenID configuration first; for an unknown tenant that
        # answers AADSTS90002, which MSAL reports as this ValueError.
        if "authority configuration" in str(exc):
            raise TokenError(diagnose("oauth-tenant-not-found", tenant=config.tenant,
                                      detail=detail(str(exc).split(".")[0]))) from None
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url,
                                  detail=detail(exc))) from None
    except requests.RequestException as exc:
        raise TokenError(diagnose("oauth-token-failed", endpoint=config.token_url,
                                  detail=detail(exc))) from None
    finally:
        client.close()
    token = result.get("access_token") if isinstance(result, dict) else None
    if not isinstance(token, str) or not token:
        raise TokenError(aadsts_diagnosis(config, result if isinstance(result, dict) else {}))
    try:
        seconds = int(result.get("expires_in", 3599))
    except (TypeError, ValueError):
        seconds = 3599
    return Token(token, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))
