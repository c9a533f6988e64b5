"""What reaches the screen: server text made visible, the password redacted everywhere
a step can say something, JSON that any terminal prints as it is."""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from tests.support.hostile import ESCAPES
from wizard.cli.output import report_json, report_text
from wizard.model.diagnosis import diagnose
from wizard.model.report import Report, Status, Step
from wizard.smtp.transcript import REDACTED, Redactor, Transcript, safe_step, visible

USER = "wiki@example.org"
PASSWORD = "Hunter2\x0bé\x1b[7m"
"""A vertical tab (where splitlines breaks a line) and an escape sequence."""


def test_visible_escapes_what_a_terminal_acts_on_and_keeps_the_rest() -> None:
    assert visible("220 mx.example ESMTP ✓ é") == "220 mx.example ESMTP ✓ é"
    assert visible("\x1b]0;x\x07") == "\\x1b]0;x\\x07"
    assert visible("\x9b2J\u202eabc\u2066") == "\\x9b2J\\u202eabc\\u2066"
    assert visible("a\tb\nc\rd\x7f") == "a\\tb\\nc\\rd\\x7f"
    # A byte that was not UTF-8 arrives as a surrogate (surrogateescape): shown as the byte.
    assert visible(b"caf\xe9".decode("utf-8", "surrogateescape")) == "caf\\xe9"


@given(st.text())
def test_visible_output_can_always_be_printed(text: str) -> None:
    shown = visible(text)
    shown.encode("utf-8")  # no lone surrogate survives
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in shown)
    assert visible(shown) == shown  # applying it twice changes nothing


def _quoting_step(redactor: Redactor) -> Step:
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    reply = f"535 5.7.8 Wrong password '{PASSWORD}' ({encoded}) {ESCAPES}"
    return safe_step(Step("auth", Status.FAIL, f"Refused: {PASSWORD}", (reply,),
                          diagnose("auth-failed", reply=reply)), redactor)


def test_a_step_quoting_the_password_shows_it_nowhere() -> None:
    step = _quoting_step(Redactor([(USER, PASSWORD)]))
    assert step.diagnosis is not None
    shown = [step.summary, *step.details, step.diagnosis.cause, step.diagnosis.fix]
    for text in shown:
        assert "Hunter2" not in text and "\x1b" not in text and "\u202e" not in text
    assert REDACTED in step.summary and REDACTED in step.details[0]
    assert step.details[0].count(REDACTED) == 2  # as typed, and in base64


def test_transcript_redacts_before_it_splits_lines() -> None:
    """A vertical tab in the password is a line break to splitlines: each half alone
    would escape redaction."""
    transcript = Transcript(Redactor([(USER, PASSWORD)]))
    transcript.server(f"535 5.7.8 Wrong password '{PASSWORD}'")
    assert [line.text for line in transcript.lines] == [f"535 5.7.8 Wrong password "
                                                        f"'{REDACTED}'"]


def test_text_and_json_reports_print_on_any_terminal() -> None:
    step = Step("connect", Status.FAIL, f"greeted with {ESCAPES}", (f"220 {ESCAPES}\n250 x",),
                diagnose("not-smtp", host="h", port=25, error=ESCAPES + "\udcff"))
    report = Report("check", {"host": "h"}, (step,))
    for text in (report_text(report, verbose=True), report_json(report)):
        text.encode("utf-8")
        assert not any(ch in text for ch in "\x1b\x07\x9b\u202e")
    assert json.loads(report_json(report)) == report.to_dict()
    # A multi-line detail (a banner) stays one line per server line.
    assert "               250 x" in report_text(report)
