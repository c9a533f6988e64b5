"""No password, nor any encoding of it, ever reaches a transcript, JSON, text or error."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.common import USER
from tests.support.servers import SmtpServer
from wizard.cli.output import report_text
from wizard.model.settings import Client, Settings
from wizard.smtp.check import CheckOptions, run_check
from wizard.smtp.transcript import REDACTED, Redactor

# The marker keeps a short password from matching ordinary output ("250") by chance;
# the rest of the password is arbitrary. ASCII, so that smtplib, which cannot send any
# other character, still logs in with some of them.
passwords = st.text(max_size=40).filter(
    lambda p: not any(ch in p for ch in "\r\n\0")).map(lambda p: "~pw~" + p)


def forms(password: str) -> list[str]:
    raw = [password, f"\0{USER}\0{password}"]
    return [password] + [base64.b64encode(r.encode()).decode() for r in raw]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=passwords, client=st.sampled_from(list(Client)))
def test_password_never_in_any_output(smtp_server: Callable[..., SmtpServer], ca_file: object,
                                      password: str, client: Client) -> None:
    server = smtp_server(mode="starttls")
    seen: list[str] = []
    check_settings = Settings(host="127.0.0.1", port=server.port, username=USER,
                              sender=USER, timeout=3, ca_file=str(ca_file))
    report = asyncio.run(run_check(check_settings, password, CheckOptions(client=client),
                                   on_line=lambda line: seen.append(line.text)))
    outputs = [json.dumps(report.to_dict(), ensure_ascii=False),
               report_text(report, verbose=True), *seen]
    for text in outputs:
        for form in forms(password):
            assert form not in text
    if client is Client.PEAR or password.isascii():
        assert any(REDACTED in text for text in seen)
    assert report.step("auth") is not None


@given(passwords, st.text(max_size=20))
def test_redactor_replaces_every_derived_form(password: str, prefix: str) -> None:
    redact = Redactor([(USER, password)])
    for form in forms(password):
        assert form not in redact(prefix + form + prefix) or form in prefix
