"""Runs a settings file's unconditional top-level assignments the way PHP would.

Statements are followed in order (a later assignment wins, `$wgSMTP['port'] = ...`
changes one key, a `require`d secrets file is read in place); what cannot be followed
is reported as a Problem instead of guessed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from wizard.mediawiki.localsettings.model import PasswordKind, PasswordSource, Problem
from wizard.mediawiki.localsettings.source import os_reason
from wizard.mediawiki.php import (
    APPEND,
    PhpArray,
    PhpFile,
    PhpSyntaxError,
    Statement,
    TokenKind,
    Unparsed,
    Value,
    literal,
    next_index,
    parse,
    string_expression,
)
from wizard.model.i18n import _

__all__ = ["Reader"]

_WATCHED = frozenset({"wgSMTP", "wgServer", "wgServerName", "wgPasswordSender",
                      "wgEmergencyContact", "wgEnableEmail", "wgUserEmailUseReplyTo"})
_INCLUDES = frozenset({"require", "require_once", "include", "include_once"})
# A settings file includes extensions and skins too; those never hold mail settings and
# can be large, so only files outside the MediaWiki tree's code folders are followed.
_CODE_FOLDERS = frozenset({"extensions", "skins", "vendor", "includes", "maintenance"})
_MAX_INCLUDE_DEPTH = 4
_MAX_INCLUDE_BYTES = 1 << 20


class Reader:
    """Runs the unconditional top-level assignments of a file and what it requires."""

    def __init__(self, main: Path) -> None:
        self.main = main
        self.values: dict[str, Value] = {}
        self.origins: dict[str, dict[int | str | None, tuple[Path, int]]] = {}
        """name -> first key (None: the whole variable) -> the file and line that last
        set it. Grouped by name, so a whole-variable assignment forgets its keys in
        constant time however many variables the file sets."""
        self.problems: list[Problem] = []
        self.password: PasswordSource | None = None
        self.seen: set[Path] = set()
        self._real: dict[Path, Path] = {}
        self._root = os.path.normpath(self.main.absolute().parent)
        """MediaWiki's install folder, `$IP`: normally that of LocalSettings.php."""
        self._root_prefix = self._root.rstrip(os.sep) + os.sep
        self._folders: dict[Path, str] = {}

    def origin(self, name: str, key: int | str | None = None) -> tuple[Path, int]:
        known = self.origins.get(name, {})
        if key is not None and key in known:
            return known[key]
        return known.get(None, (self.main, 0))

    def real(self, path: Path) -> Path:
        """`path` with symbolic links resolved, asked of the system once per file (a
        farm's file has thousands of includes)."""
        if path not in self._real:
            self._real[path] = path.resolve()
        return self._real[path]

    def run(self, path: Path, parsed: PhpFile, depth: int) -> None:
        self.seen.add(self.real(path))
        for statement in parsed.statements:
            if statement.depth > 0:
                if statement.target in _WATCHED:
                    self.problems.append(Problem(path, statement.line, _(
                        "${name} is set inside a condition, loop or function here; the "
                        "wizard reads only settings that always apply.").format(
                            name=statement.target)))
            elif statement.target is not None:
                self.assign(path, parsed, statement)
            elif statement.keyword in _INCLUDES:
                self.include(path, statement, depth)

    def include(self, path: Path, statement: Statement, depth: int) -> None:
        variables = _Strings(self.values, {"IP": self._root})
        end = -1 if statement.tokens[-1].text == ";" else len(statement.tokens)
        real = self.real(path)  # PHP's __FILE__ and __DIR__ have symbolic links resolved
        target = string_expression(statement.tokens[1:end], variables, {
            "__DIR__": str(real.parent), "__FILE__": str(real)})
        if target is None or "\0" in target or depth >= _MAX_INCLUDE_DEPTH:
            return
        # Decided on the text: a farm's file includes thousands of extensions.
        name = os.path.normpath(os.path.join(self.folder(path), target))
        if self.in_code_folder(name):
            return
        included = Path(name)
        if included.resolve() in self.seen:
            return
        try:
            if included.stat().st_size > _MAX_INCLUDE_BYTES:
                return
            data = included.read_bytes()
        except FileNotFoundError:
            if statement.keyword.startswith("require"):
                self.problems.append(Problem(path, statement.line, _(
                    "This line requires {file}, which does not exist: PHP stops here."
                    ).format(file=included)))
            return
        except OSError as exc:
            self.problems.append(Problem(path, statement.line, _(
                "Could not read {file}, which this line includes: {error}.").format(
                    file=included, error=os_reason(exc))))
            return
        try:
            parsed = parse(data)
        except PhpSyntaxError as exc:
            self.problems.append(Problem(included, exc.line, exc.reason))
            return
        self.run(included, parsed, depth + 1)

    def folder(self, path: Path) -> str:
        """The absolute folder of `path`, worked out once per file."""
        if path not in self._folders:
            self._folders[path] = str(path.absolute().parent)
        return self._folders[path]

    def in_code_folder(self, name: str) -> bool:
        """Whether the normalised absolute path `name` is in one of the MediaWiki tree's
        code folders (`$IP/extensions/...`)."""
        prefix = self._root_prefix
        return name.startswith(prefix) and (
            name[len(prefix):].split(os.sep, 1)[0] in _CODE_FOLDERS)

    def assign(self, path: Path, parsed: PhpFile, statement: Statement) -> None:
        name = statement.target
        assert name is not None
        here = (path, statement.line)
        keys = statement.keys
        updated: Value
        if statement.operator != "=" or any(isinstance(k, Unparsed) for k in keys):
            updated = Unparsed(parsed.text(statement.start, statement.end))
        elif not keys:
            updated = _own(statement.value)
        else:
            current = self.values.get(name)
            updated = _set_key(current, keys, _own(statement.value))
            if updated is None:
                updated = current if isinstance(current, Unparsed) else Unparsed(
                    parsed.text(statement.start, statement.end))
        self.values[name] = updated
        if not keys or statement.operator != "=":
            self.origins[name] = {None: here}
        elif isinstance(keys[0], int | str):
            self.origins.setdefault(name, {})[keys[0]] = here
        if name == "wgSMTP":
            self.password = self.password_source()

    def password_source(self) -> PasswordSource | None:
        smtp = self.values.get("wgSMTP")
        if not isinstance(smtp, dict) or "password" not in smtp:
            return None
        value = smtp["password"]
        path, line = self.origin("wgSMTP", "password")
        if isinstance(value, str):
            return self.literal_source(value, path, line, None)
        if isinstance(value, Unparsed):
            if env := _env_name(value):
                return PasswordSource(PasswordKind.ENV, path, line, env)
            tokens = value.tokens
            if len(tokens) == 1 and tokens[0].kind is TokenKind.VARIABLE:
                variable = tokens[0].text[1:]
                held = self.values.get(variable)
                var_path, var_line = self.origin(variable)
                if isinstance(held, str):
                    return self.literal_source(held, var_path, var_line, variable)
                if isinstance(held, Unparsed) and (env := _env_name(held)):
                    return PasswordSource(PasswordKind.ENV, var_path, var_line, env)
                return PasswordSource(PasswordKind.UNKNOWN, path, line, variable)
        return PasswordSource(PasswordKind.UNKNOWN, path, line)

    def literal_source(self, password: str, path: Path, line: int,
                       variable: str | None) -> PasswordSource:
        kind = PasswordKind.INLINE if path == self.main else PasswordKind.FILE
        return PasswordSource(kind, path, line, variable, password)


class _Strings(Mapping[str, str]):
    """The variables that hold a string, over `defaults`: a view, not a copy, since a
    farm's settings file has hundreds of includes and thousands of variables."""

    def __init__(self, values: Mapping[str, Value], defaults: Mapping[str, str]) -> None:
        self._values = values
        self._defaults = defaults

    def __getitem__(self, name: str) -> str:
        value = self._values.get(name)
        return value if isinstance(value, str) else self._defaults[name]

    def __iter__(self) -> Iterator[str]:
        names = [k for k, v in self._values.items() if isinstance(v, str)]
        return iter(dict.fromkeys([*names, *self._defaults]))

    def __len__(self) -> int:
        return sum(1 for _name in self)


def _own(value: Value) -> Value:
    """A copy of `value` the Reader may change: arrays are copied, all the way down;
    everything else (strings, numbers, Unparsed) cannot change and is shared."""
    if isinstance(value, dict):
        return {key: _own(item) for key, item in value.items()}
    return value


def _set_key(current: Value, keys: tuple[object, ...], value: Value) -> Value | None:
    """`current` with `$x[k1][k2] = value` applied, or None if PHP would not simply do
    that (a string offset, PHP-version-dependent indexes).

    The array is changed in place: every value the Reader holds is its own copy (a
    statement's literal is copied when stored), so nothing else sees the change, and a
    file of thousands of keyed lines is read in linear time. On None the caller drops
    the array for an Unparsed value, so a half-applied change is never seen either.
    """
    if current is None or current is False:
        current = {}  # PHP turns null (and, deprecated, false) into an array here
    if not isinstance(current, dict):
        return None
    root: PhpArray = current
    node = root
    for position, key in enumerate(keys):
        if key is APPEND:
            index = next_index(node)
            if index is None:
                return None
            key = index
        assert isinstance(key, int | str)
        if position == len(keys) - 1:
            node[key] = value
            break
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        if not isinstance(child, dict):
            return None
        node = child
    return root


def _env_name(value: Unparsed) -> str | None:
    """`X` for `getenv('X')`, `$_ENV['X']` or `$_SERVER['X']`."""
    texts = [t.text.lower() for t in value.tokens]
    if len(texts) >= 4 and texts[0].lstrip("\\") == "getenv" and texts[1] == "(" and (
            texts[-1] == ")"):
        name = literal(value.tokens[2].text) if len(texts) in (4, 6) else None
    elif len(texts) == 4 and texts[0] in ("$_env", "$_server") and texts[1] == "[" and (
            texts[3] == "]"):
        name = literal(value.tokens[2].text)
    else:
        return None
    return name if isinstance(name, str) and name else None
