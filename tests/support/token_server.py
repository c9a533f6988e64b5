"""A loopback HTTPS token endpoint that answers like Entra ID and Google for the flows
the wizard uses, with trustme certificates.

Entra ID (`/<tenant>/...`): the OpenID discovery document MSAL reads first, and the v2.0
token endpoint for client credentials, with a client secret or a certificate (a JWT
client assertion signed with the certificate's key, its SHA-1 thumbprint in `x5t`).
Google (`/google/token`): the JWT bearer grant of a service account acting for a user
(domain-wide delegation), signed with the account's RSA key.

Refusals have the real services' shape: Entra's `error`, `error_description` starting
with the AADSTS code, `error_codes`, trace and correlation IDs; Google's `error` and
`error_description`. Issued tokens are recorded in `mailboxes` (token -> the mailboxes it
may send as), which the SMTP test server's XOAUTH2 authenticator reads.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import ssl
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from wizard.demo.servers import Certs

__all__ = ["CLIENT", "MAILBOX", "SECRET", "TENANT", "EntraApp", "GoogleAccount", "TokenServer",
           "diagnosed", "make_app_certificate", "make_service_account", "token_server",
           "tokens"]

SCOPE = "https://outlook.office365.com/.default"
GOOGLE_SCOPE = "https://mail.google.com/"
SEND_AS_APP = "SMTP.SendAsApp"


@dataclass
class EntraApp:
    """An app registration in a tenant, and what Exchange Online knows of it."""

    client_id: str
    secret: str | None = None
    certificate: x509.Certificate | None = None
    secret_expired: bool = False
    consented: bool = True
    roles: tuple[str, ...] = (SEND_AS_APP,)
    mailboxes: set[str] = field(default_factory=set)
    """Mailboxes its service principal has FullAccess to (Add-MailboxPermission)."""
    name: str = "smtp-wizard test app"


@dataclass
class GoogleAccount:
    """A service account and the users domain-wide delegation lets it act for."""

    client_email: str
    public_key: rsa.RSAPublicKey
    delegated: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    """The Workspace users that exist."""


def make_app_certificate(directory: Path, name: str = "app") -> tuple[Path, x509.Certificate]:
    """A self-signed certificate with its private key in one PEM file, as an admin
    uploads it to the app registration (Certificates & secrets)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp-wizard")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    path = directory / f"{name}.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
                     + cert.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o600)
    return path, cert


def make_service_account(directory: Path, token_uri: str,
                         email: str = "wiki-mail@project.iam.gserviceaccount.com",
                         ) -> tuple[Path, rsa.RSAPublicKey]:
    """A service account key file as the Google Cloud console downloads it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    info = {"type": "service_account", "project_id": "project",
            "private_key_id": secrets.token_hex(20), "private_key": pem,
            "client_email": email, "client_id": "1" * 21,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri}
    path = directory / "service-account.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    path.chmod(0o600)
    return path, key.public_key()


def diagnosed(output: str, code: str) -> bool:
    """Whether the command's text output names the diagnosis `code` (as "[code]")."""
    return f"[{code}]" in output


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _verify_rs256(token: str, key: rsa.RSAPublicKey) -> tuple[dict[str, object],
                                                               dict[str, object]] | None:
    """The header and claims of a JWT signed with `key`, or None."""
    try:
        head, body, signature = token.split(".")
        key.verify(_unb64url(signature), f"{head}.{body}".encode("ascii"),
                   padding.PKCS1v15(), hashes.SHA256())
        return json.loads(_unb64url(head)), json.loads(_unb64url(body))
    except Exception:
        return None


class TokenServer:
    """Entra ID tenants and Google service accounts on one HTTPS port of 127.0.0.1."""

    def __init__(self, certs: Certs) -> None:
        self.certs = certs
        self.tenants: dict[str, dict[str, EntraApp]] = {}
        self.google: dict[str, GoogleAccount] = {}
        self.mailboxes: dict[str, set[str]] = {}
        """Every access token issued -> the mailboxes it may send as."""
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        """(method, path, form) of each request."""
        self.lifetime = 3599
        self._httpd: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def google_token_uri(self) -> str:
        return f"{self.base}/google/token"

    def grants(self) -> list[dict[str, list[str]]]:
        return [form for method, path, form in self.requests if method == "POST"]

    # --- Entra ID ---------------------------------------------------------------------

    def _entra_error(self, status: int, error: str, code: int, text: str,
                     ) -> tuple[int, dict[str, object]]:
        now = dt.datetime.now(dt.UTC)
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        return status, {
            "error": error,
            "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\n"
                                 f"Correlation ID: {correlation}\r\nTimestamp: {stamp}",
            "error_codes": [code], "timestamp": stamp, "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        }

    def _no_tenant(self, tenant: str) -> tuple[int, dict[str, object]]:
        return self._entra_error(
            400, "invalid_tenant", 90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant "
            "ID and are signing into the correct cloud. Check with your subscription "
            "administrator, this may happen if there are no active subscriptions for the "
            "tenant.")

    def _discovery(self, tenant: str) -> tuple[int, dict[str, object]]:
        if tenant not in self.tenants:
            return self._no_tenant(tenant)
        root = f"{self.base}/{tenant}"
        return 200, {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "issuer": f"{root}/v2.0", "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "private_key_jwt"],
        }

    def _entra_token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if tenant not in self.tenants:
            return self._no_tenant(tenant)
        client_id = form.get("client_id", "")
        app = self.tenants[tenant].get(client_id)
        if app is None:
            return self._entra_error(
                400, "unauthorized_client", 700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'. This can happen if the application has not been installed by "
                "the administrator of the tenant or consented to by any user in the tenant. "
                "You may have sent your authentication request to the wrong tenant.")
        if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
            return self._entra_error(400, "invalid_scope", 1002012,
                                     f"The provided value for scope {form.get('scope')} is "
                                     "not valid.")
        refusal = self._client_auth(tenant, app, form)
        if refusal is not None:
            return refusal
        if not app.consented:
            return self._entra_error(
                400, "invalid_grant", 65001,
                f"The user or administrator has not consented to use the application with "
                f"ID '{app.client_id}' named '{app.name}'. Send an interactive authorization "
                "request for this user and resource.")
        now = int(dt.datetime.now(dt.UTC).timestamp())
        claims = {"aud": "https://outlook.office365.com", "iss": f"{self.base}/{tenant}/",
                  "iat": now, "nbf": now, "exp": now + self.lifetime, "appid": app.client_id,
                  "tid": tenant, "oid": str(uuid.uuid4()), "roles": list(app.roles),
                  # Real access tokens run to 1,500 bytes and more: PEAR then sends
                  # AUTH XOAUTH2 alone and the token after the server's 334.
                  "xms_pad": secrets.token_urlsafe(900)}
        head = _b64url(json.dumps({"typ": "JWT", "alg": "RS256", "kid": "test"}).encode())
        token = (f"{head}.{_b64url(json.dumps(claims).encode())}."
                 f"{_b64url(secrets.token_bytes(256))}")
        self.mailboxes[token] = set(app.mailboxes) if SEND_AS_APP in app.roles else set()
        return 200, {"token_type": "Bearer", "expires_in": self.lifetime,
                     "ext_expires_in": self.lifetime, "access_token": token}

    def _client_auth(self, tenant: str, app: EntraApp, form: dict[str, str],
                     ) -> tuple[int, dict[str, object]] | None:
        if "client_secret" in form:
            if form["client_secret"] != app.secret:
                return self._entra_error(
                    401, "invalid_client", 7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the "
                    "request is the client secret value, not the client secret ID, for a "
                    f"secret added to app '{app.client_id}'.")
            if app.secret_expired:
                return self._entra_error(
                    401, "invalid_client", 7000222,
                    f"The provided client secret keys for app '{app.client_id}' are "
                    "expired. Visit the Azure portal to create new keys for your app: "
                    "https://aka.ms/NewClientSecret, or consider using certificate "
                    "credentials for added security: https://aka.ms/certCreds.")
            return None
        assertion = form.get("client_assertion", "")
        cert = app.certificate
        key = cert.public_key() if cert is not None else None
        verified = _verify_rs256(assertion, key) if isinstance(key, rsa.RSAPublicKey) else None
        if cert is not None and verified is not None:
            header, claims = verified
            thumbprint = _b64url(cert.fingerprint(hashes.SHA1()))
            endpoint = f"{self.base}/{tenant}/oauth2/v2.0/token"
            if (str(header.get("x5t", "")).rstrip("=") == thumbprint
                    and claims.get("aud") == endpoint
                    and claims.get("iss") == claims.get("sub") == app.client_id):
                return None
        return self._entra_error(
            401, "invalid_client", 700027,
            "Client assertion failed signature validation.")

    # --- Google -----------------------------------------------------------------------

    def _google_token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type", "error_description":
                         "Invalid grant_type: " + form.get("grant_type", "")}
        assertion = form.get("assertion", "")
        try:
            claims = json.loads(_unb64url(assertion.split(".")[1]))
        except (IndexError, ValueError):
            return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
        account = self.google.get(str(claims.get("iss")))
        if account is None or _verify_rs256(assertion, account.public_key) is None:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        subject = str(claims.get("sub", ""))
        if subject not in account.users:
            return 400, {"error": "invalid_grant", "error_description":
                         "Invalid email or User ID"}
        if subject not in account.delegated or claims.get("scope") != GOOGLE_SCOPE:
            return 401, {"error": "unauthorized_client", "error_description":
                         "Client is unauthorized to retrieve access tokens using this "
                         "method, or client not authorized for any of the scopes requested."}
        token = "ya29." + secrets.token_urlsafe(120)
        self.mailboxes[token] = {subject}
        return 200, {"access_token": token, "expires_in": self.lifetime,
                     "token_type": "Bearer"}

    # --- HTTP -------------------------------------------------------------------------

    def answer(self, method: str, target: str, body: bytes) -> tuple[int, dict[str, object]]:
        path = urlsplit(target).path
        raw = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        self.requests.append((method, path, raw))
        form = {key: values[0] for key, values in raw.items()}
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/google/token":
            return self._google_token(form)
        if len(parts) >= 2 and path.endswith("/v2.0/.well-known/openid-configuration"):
            return self._discovery(parts[0])
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            return self._entra_token(parts[0], form)
        return 404, {"error": "not_found"}

    def start(self) -> TokenServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, payload = server.answer(method, self.path, self.rfile.read(length))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._reply("GET")

            def do_POST(self) -> None:
                self._reply("POST")

            def log_message(self, format: str, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = self.certs.server_context("valid")
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


def thumbprint(cert: x509.Certificate) -> str:
    """The SHA-1 thumbprint in hex, as the Azure portal shows it."""
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


@contextmanager
def token_server(certs: Certs) -> Iterator[TokenServer]:
    server = TokenServer(certs).start()
    try:
        yield server
    finally:
        server.stop()


# The one Entra ID app registration the OAuth tests use, and the endpoint that knows it
# (a fixture of every test module: tests/conftest.py loads this file as a plugin).
TENANT = "contoso.onmicrosoft.com"
CLIENT = "11111111-2222-3333-4444-555555555555"
SECRET = "Xy8Q~s3cret.Value-0123456789"
MAILBOX = "wiki@contoso.com"


@pytest.fixture
def tokens(certs: Certs) -> Iterator[TokenServer]:
    with token_server(certs) as server:
        server.tenants[TENANT] = {CLIENT: EntraApp(CLIENT, secret=SECRET,
                                                   mailboxes={MAILBOX})}
        yield server
