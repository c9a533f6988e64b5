"""`smtp-wizard token refresh`: keep a valid token in the file the wiki reads.

Idempotent: a token with more than `margin` seconds left, still the one in the file, is
kept and nothing is written. Otherwise a new one is fetched and written (token file
first, then the state), and a failure is recorded in the state, leaving the old token
in place: it may still be valid for a while, and the next run tries again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from wizard.model.diagnosis import Diagnosis
from wizard.oauth.config import OAuthConfig
from wizard.oauth.state import (
    State,
    fingerprint,
    read_state,
    read_token,
    write_state,
    write_token,
)
from wizard.oauth.tokens import Token, TokenError, fetch_token

__all__ = ["RefreshResult", "refresh", "remaining"]


@dataclass(frozen=True)
class RefreshResult:
    changed: bool
    """A new token was written."""
    state: State
    diagnosis: Diagnosis | None = None
    """Why no token could be fetched (then `changed` is False)."""


def remaining(state: State | None, now: dt.datetime) -> float:
    """Seconds the recorded token stays valid; 0 when unknown or past."""
    expires = state.expires() if state is not None else None
    return max(0.0, (expires - now).total_seconds()) if expires is not None else 0.0


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


async def refresh(config: OAuthConfig, *, force: bool = False,
                  now: dt.datetime | None = None) -> RefreshResult:
    """Fetch and write a token when the one in the file is due (or `force`)."""
    now = now or dt.datetime.now(dt.UTC)
    state = read_state(config.state_file)
    current = read_token(config.token_file)
    fresh = (state is not None and current is not None
             and state.token_sha256 == fingerprint(current)
             and remaining(state, now) > config.margin)
    if fresh and not force:
        assert state is not None
        return RefreshResult(False, state)
    try:
        token: Token = await fetch_token(config)
    except TokenError as exc:
        failed = replace(state or State(), last_attempt=_iso(now),
                         last_error_code=exc.diagnosis.code,
                         last_error=exc.diagnosis.cause)
        write_state(config.state_file, failed)
        return RefreshResult(False, failed, exc.diagnosis)
    write_token(config.token_file, token.access_token)
    done = State(refreshed_at=_iso(now), expires_at=_iso(token.expires_at),
                 token_sha256=fingerprint(token.access_token), last_attempt=_iso(now))
    write_state(config.state_file, done)
    return RefreshResult(True, done)
