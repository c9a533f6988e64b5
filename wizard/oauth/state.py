"""The token file the wiki reads, and the refresher's record of what it did.

The token file holds the bare access token and a newline; the `$wgSMTP` block reads it
on every request (`file_get_contents`, so no PHP opcode cache can keep an old one). It is
replaced atomically, keeping the owner, group and mode it was given when it was set up
(readable by exactly the accounts that run the wiki's PHP), and never through a link.

The state file (JSON, no secret) says when the token was fetched and when it expires,
a fingerprint of the token (so a file changed by hand is noticed), and the last
failure, for `token refresh` itself and for the doctor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from wizard.store.files import atomic_write, read_nofollow

__all__ = ["State", "fingerprint", "read_state", "read_token", "write_state", "write_token"]

_MAX_TOKEN = 16 * 1024
_MAX_STATE = 64 * 1024
STATE_MODE = 0o644
"""No secret in it, and the doctor may run as another account."""


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class State:
    refreshed_at: str = ""
    """ISO time (UTC) of the last token written."""
    expires_at: str = ""
    """ISO time (UTC) the token in the file expires."""
    token_sha256: str = ""
    """The first 16 hex digits of the token's SHA-256."""
    last_attempt: str = ""
    last_error_code: str = ""
    """The diagnosis code of the last failed attempt; empty after a success."""
    last_error: str = ""

    def expires(self) -> dt.datetime | None:
        return _time(self.expires_at)

    def refreshed(self) -> dt.datetime | None:
        return _time(self.refreshed_at)

    def attempted(self) -> dt.datetime | None:
        return _time(self.last_attempt)


def _time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def read_state(path: Path) -> State | None:
    """The state, or None when there is none (or it cannot be read as one)."""
    try:
        data = json.loads(read_nofollow(path)[:_MAX_STATE])
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    known = State.__dataclass_fields__
    return State(**{key: str(value) for key, value in data.items() if key in known})


def write_state(path: Path, state: State) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    atomic_write(path, json.dumps(asdict(state), indent=1) + "\n", mode=STATE_MODE)


def read_token(path: Path) -> str | None:
    """The token in the file, or None when the file is missing, empty or unreadable."""
    try:
        text = read_nofollow(path)[:_MAX_TOKEN].decode("ascii", "replace").strip()
    except OSError:
        return None
    return text or None


def write_token(path: Path, token: str, *, mode: int = 0o600,
                owner: tuple[int, int] | None = None) -> None:
    """Replace the token file; an existing file keeps its owner, group and mode."""
    exists = os.path.lexists(path)
    atomic_write(path, token + "\n", mode=None if exists else mode,
                 owner=None if exists else owner)
