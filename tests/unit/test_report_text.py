"""The text form of reports: a line per step, grouped by area only for the doctor."""

from __future__ import annotations

from wizard.cli.output import report_text, step_text
from wizard.model.report import Report, Status, Step


def test_a_discovery_is_not_split_at_the_dots_of_its_host_names() -> None:
    steps = (Step("srv", Status.OK, "No SRV records for submission."),
             Step("candidate:smtp.example.org", Status.OK,
                  "smtp.example.org (guess): SMTP on port 587."))
    assert report_text(Report("discover", {}, steps), title="Discovery for example.org") == (
        "Discovery for example.org\n"
        "  ✓ srv        No SRV records for submission.\n"
        "  ✓ candidate  smtp.example.org (guess): SMTP on port 587.\n"
        "Result: OK (2 ok, 0 warnings, 0 failed, 0 skipped)")
    # Printed one at a time, a step reads the same.
    assert step_text(steps[1]) == "  ✓ candidate  smtp.example.org (guess): SMTP on port 587."


def test_the_doctors_steps_are_grouped_by_area() -> None:
    steps = (Step("wiki.smtp", Status.OK, "The wiki sends through SMTP."),
             Step("smtp.dns", Status.OK, "smtp.example.org has an address."))
    assert report_text(Report("doctor", {}, steps)).splitlines()[:4] == [
        "LocalSettings.php:",
        "  ✓ smtp       The wiki sends through SMTP.",
        "The mail server, live:",
        "  ✓ dns        smtp.example.org has an address."]
