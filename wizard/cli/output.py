"""Plain-text rendering of reports for the terminal: one line per step, the fix under it.

Marks are characters (✓ ! ✗ -), so the meaning survives a terminal without colour.
Every text goes through `visible` on its way out: a report quotes servers, certificates
and files the tool does not control, and an escape sequence among them would act on
the terminal (retitle it, clear it, write its clipboard) instead of being read.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Protocol

from wizard.model.cells import cell_width, wrap_cells
from wizard.model.i18n import N_, _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Security
from wizard.model.shown import visible

if TYPE_CHECKING:
    # Only for the annotation: the discovery engine loads when a discovery runs.
    from wizard.smtp.discover import Discovery

__all__ = [
    "JsonReady",
    "discovery_tail",
    "discovery_title",
    "report_json",
    "report_text",
    "result_line",
    "step_text",
]

_WIDTH = 78
_ID_WIDTH = 10
_MAX_ID_WIDTH = 17


def _lines(text: str) -> list[str]:
    """A multi-line text (a server's banner) as visible lines."""
    return [visible(line) for line in text.split("\n")]


def _wrap(indent: str, label: str, text: str) -> list[str]:
    # Measured in terminal cells: a Chinese character takes two.
    return wrap_cells(visible(text), _WIDTH, initial_indent=indent + label,
                      subsequent_indent=indent + " " * cell_width(label)) or [indent + label]


_AREA_TITLES = {
    "wiki": N_("LocalSettings.php"),
    "php": N_("PHP"),
    "system": N_("This machine"),
    "smtp": N_("The mail server, live"),
}


def _step_lines(step: Step, width: int, verbose: bool, label: str) -> list[str]:
    indent = " " * (4 + width + 1)
    lines = [f"  {step.status.mark} {visible(label):<{width}} {visible(step.summary)}"]
    if step.diagnosis is not None:
        lines += _wrap(indent, _("cause: "), step.diagnosis.cause)
        lines += _wrap(indent, _("fix:   "), step.diagnosis.fix)
        lines.append(f"{indent}[{visible(step.diagnosis.code)}]")
    if verbose or step.status is Status.FAIL:
        lines += [indent + line for detail in step.details if detail for line in _lines(detail)]
    if verbose:
        lines += ["      " + visible(str(line)) for line in step.transcript]
    return lines


def _label(step: Step) -> str:
    """The id as shown: a discovery's "candidate:HOST" is shown as "candidate", since its
    summary names the host (and a host name is too long for the column)."""
    return step.id.partition(":")[0]


def report_text(report: Report, *, verbose: bool = False, title: str = "") -> str:
    """One line per step, the cause and fix under a problem; the doctor's steps, named
    "area.check", are grouped under a heading per area."""
    lines = _lines(title) if title else []
    grouped = report.command == "doctor"
    labels = [step.id.partition(".")[2] if grouped else _label(step) for step in report.steps]
    width = min(max([_ID_WIDTH, *map(len, labels)]), _MAX_ID_WIDTH)
    area = ""
    for step, label in zip(report.steps, labels, strict=True):
        if grouped and step.id.partition(".")[0] != area:
            area = step.id.partition(".")[0]
            lines.append(visible(_("{title}:").format(title=_(_AREA_TITLES.get(area, area)))))
        lines += _step_lines(step, width, verbose, label)
    lines.append(result_line(report))
    return "\n".join(lines)


def step_text(step: Step, *, verbose: bool = False) -> str:
    """One step of an ungrouped report as `report_text` shows it, for printing each step
    as it is decided: the label column has its minimum width."""
    return "\n".join(_step_lines(step, _ID_WIDTH, verbose, _label(step)))


def result_line(report: Report) -> str:
    counts = {status: sum(step.status is status for step in report.steps) for status in Status}
    verdict = {Status.OK: _("OK"), Status.WARN: _("OK, with warnings"),
               Status.FAIL: _("FAILED"), Status.SKIPPED: _("nothing checked")}[report.status]
    return _("Result: {verdict} ({ok} ok, {warn} warnings, {fail} failed, "
             "{skipped} skipped)").format(
        verdict=verdict, ok=counts[Status.OK], warn=counts[Status.WARN],
        fail=counts[Status.FAIL], skipped=counts[Status.SKIPPED])


def discovery_title(query: str) -> str:
    return visible(_("Discovery for {query}").format(query=query.strip()))


def discovery_tail(discovery: Discovery) -> str:
    """What follows a discovery's steps: the endpoints that speak SMTP, best first, what
    was not waited for, the recommendation and the command that checks it."""
    from wizard.smtp.ports import PortState

    lines = [_("Endpoints that speak SMTP, best first:")] if discovery.endpoints else []
    for number, endpoint in enumerate(discovery.endpoints, 1):
        prefix = "ssl://" if endpoint.security is Security.TLS else ""
        auth = " ".join(endpoint.auth) or (_("after STARTTLS") if endpoint.security is
                                           Security.STARTTLS else "-")
        lines.append(f"  {number}. {prefix}{endpoint.host}:{endpoint.port}  "
                     f"{endpoint.state}  AUTH {auth}  ({endpoint.source})")
    if any(result.state is PortState.PENDING for candidate in discovery.candidates
           for result in candidate.results):
        lines.append(_("Not waited for: ports that could not rank above the recommendation "
                       "(--wait-all waits for every answer)."))
    chosen = discovery.recommended
    if chosen is not None:
        prefix = "ssl://" if chosen.security is Security.TLS else ""
        user = discovery.query if "@" in discovery.query else "USER"
        lines.append(_("Recommended: {host} port {port}").format(
            host=prefix + chosen.host, port=chosen.port))
        lines += [f"  {note}" for note in chosen.notes]
        lines.append(_("Next: smtp-wizard check {host} --port {port} --user {user} "
                       "--sender {user}").format(host=prefix + chosen.host, port=chosen.port,
                                                 user=user))
    # The lines quote the servers (the AUTH mechanisms of their EHLO answers).
    return "\n".join(map(visible, lines))


class JsonReady(Protocol):
    """A result with a JSON form: a `Report`, or a `Discovery` (its report and findings)."""

    def to_dict(self) -> dict[str, object]: ...


# What json.dumps leaves as it is but must not be printed so: a lone surrogate (a byte
# that was not UTF-8), which no encoder writes, and the C1 controls and bidirectional
# overrides, which a terminal acts on. JSON's \\u escape keeps the string the same for
# any reader.
_UNPRINTABLE = re.compile("[\x80-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def report_json(result: JsonReady) -> str:
    text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str)
    return _UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
