"""Plain-text rendering of reports for the terminal: one line per step, the fix under it.

Marks are characters (✓ ! ✗ -), so the meaning survives a terminal without colour.
"""

from __future__ import annotations

import json
import textwrap

from wizard.i18n import _
from wizard.report import Report, Status

__all__ = ["report_json", "report_text"]

_WIDTH = 78
_ID_WIDTH = 10


def _wrap(label: str, text: str) -> list[str]:
    indent = " " * (4 + _ID_WIDTH + 1)
    return textwrap.wrap(text, _WIDTH, initial_indent=indent + label,
                         subsequent_indent=indent + " " * len(label)) or [indent + label]


def report_text(report: Report, *, verbose: bool = False, title: str = "") -> str:
    lines = [title] if title else []
    for step in report.steps:
        lines.append(f"  {step.status.mark} {step.id:<{_ID_WIDTH}} {step.summary}")
        if step.diagnosis is not None:
            lines += _wrap(_("cause: "), step.diagnosis.cause)
            lines += _wrap(_("fix:   "), step.diagnosis.fix)
            lines.append(" " * (4 + _ID_WIDTH + 1) + f"[{step.diagnosis.code}]")
        if verbose or step.status is Status.FAIL:
            lines += [" " * (4 + _ID_WIDTH + 1) + detail for detail in step.details if detail]
        if verbose:
            lines += ["      " + str(line) for line in step.transcript]
    counts = {status: sum(step.status is status for step in report.steps) for status in Status}
    verdict = {Status.OK: _("OK"), Status.WARN: _("OK, with warnings"),
               Status.FAIL: _("FAILED"), Status.SKIPPED: _("nothing checked")}[report.status]
    lines.append(_("Result: {verdict} ({ok} ok, {warn} warnings, {fail} failed, "
                   "{skipped} skipped)").format(
        verdict=verdict, ok=counts[Status.OK], warn=counts[Status.WARN],
        fail=counts[Status.FAIL], skipped=counts[Status.SKIPPED]))
    return "\n".join(lines)


def report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str)
