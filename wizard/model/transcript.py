"""One line of a conversation with a server, as a report's step keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Direction", "Line"]


class Direction(StrEnum):
    CLIENT = "C"
    SERVER = "S"
    NOTE = "*"


@dataclass(frozen=True)
class Line:
    at: float
    """Seconds since the transcript started."""
    direction: Direction
    text: str
    """Already redacted: secrets never reach a stored line."""

    def __str__(self) -> str:
        return f"{self.at:7.3f} {self.direction} {self.text}"

    def to_dict(self) -> dict[str, object]:
        return {"t": round(self.at, 4), "dir": str(self.direction), "text": self.text}
