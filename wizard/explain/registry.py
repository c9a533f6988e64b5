"""Every known error text, in one place: the patterns of each source, in one tuple.

Order matters only between facts: a wrapper read earlier (PEAR's “Failed to connect to
host:port”) names the host for every finding. Which finding wins is decided by topic
and precision (see `pattern`), not by order here.
"""

from __future__ import annotations

from wizard.explain.known_php import PHP_PATTERNS
from wizard.explain.known_python import PYTHON_PATTERNS
from wizard.explain.known_replies import REPLY_PATTERNS
from wizard.explain.known_system import SYSTEM_PATTERNS
from wizard.explain.pattern import Pattern

__all__ = ["REGISTRY"]

REGISTRY: tuple[Pattern, ...] = (
    *PHP_PATTERNS, *PYTHON_PATTERNS, *SYSTEM_PATTERNS, *REPLY_PATTERNS,
)
