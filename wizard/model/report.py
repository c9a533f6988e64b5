"""Results of checks: one `Step` per stage, a `Report` per run, and their JSON schema.

A server-side failure is data (a FAIL step with a diagnosis), never an exception. The
JSON form is documented in README ("JSON schema") and versioned by `SCHEMA_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wizard.model.diagnosis import Diagnosis
from wizard.model.transcript import Line

__all__ = ["SCHEMA_VERSION", "Report", "Status", "Step"]

SCHEMA_VERSION = 1


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"

    @property
    def mark(self) -> str:
        """A text mark, so the state never rests on colour alone (SSH may drop colours)."""
        return {"ok": "✓", "warn": "!", "fail": "✗", "skipped": "-"}[self.value]


@dataclass(frozen=True)
class Step:
    id: str
    """Stable step name: dns, connect, tls, ehlo, auth, sender, recipient, send, ..."""
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    diagnosis: Diagnosis | None = None
    transcript: tuple[Line, ...] = ()
    elapsed: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": str(self.status),
            "summary": self.summary,
            "details": list(self.details),
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "elapsed": round(self.elapsed, 4),
            "transcript": [line.to_dict() for line in self.transcript],
        }


@dataclass(frozen=True)
class Report:
    command: str
    """check, discover or doctor."""
    target: dict[str, object]
    steps: tuple[Step, ...]
    auth_offered: tuple[str, ...] | None = None
    """A check's AUTH mechanisms from the server's last EHLO (upper case); None when no
    EHLO was answered."""

    @property
    def status(self) -> Status:
        statuses = {step.status for step in self.steps}
        for status in (Status.FAIL, Status.WARN, Status.OK):
            if status in statuses:
                return status
        return Status.SKIPPED

    @property
    def ok(self) -> bool:
        return self.status is not Status.FAIL

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    @property
    def diagnoses(self) -> list[str]:
        return [step.diagnosis.code for step in self.steps if step.diagnosis]

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": SCHEMA_VERSION,
            "command": self.command,
            "status": str(self.status),
            "target": self.target,
            "steps": [step.to_dict() for step in self.steps],
        }
