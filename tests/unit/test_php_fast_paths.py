"""The fast paths that read a megabyte of settings in well under a second.

The lexer reads most tokens with one regex and the parser finds statement ends and the
common `$name['key'] = value;` with regexes over a string of token codes; each has an
exact token-by-token path beside it. These tests switch the fast paths off and require
the same tokens and statements (or the same syntax error) on generated sources, the
fixture wikis and a farm-sized file.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.mediawiki.localsettings import read_localsettings
from wizard.mediawiki.php import PhpSyntaxError, codes, parse, statements, tokenize
from wizard.mediawiki.php import lexer as lexer_module
from wizard.model.memory import collector_paused

FIXTURE_FILES = sorted((Path(__file__).parents[1] / "fixtures").rglob("*.php"))


def _farm(lines: int, newline: str = "\n") -> str:
    """A wiki farm's settings in miniature: the shapes that make big files big."""
    body = []
    for i in range(lines):
        body.append([
            f"$wgGroupPermissions['group{i % 7}']['right{i}'] = {'true' if i % 3 else 'false'};",
            f"$wgFarmSetting{i} = 'value {i}'; # note",
            f"wfLoadExtension( 'Extension{i}' );",
            f'require_once "$IP/extensions/Old{i}/Old{i}.php";',
            f"$wgFarmList{i} = [ 'a' => {i}, 'b' => [ 'c', [ 'd', [ 'e' ] ] ], 'e' => null ];",
            f"$wgHooks['Hook{i}'][] = static function () {{ return [ [ [ [ 1 ] ] ] ]; }};",
            f'if ( $wgDBname === "wiki{i}" ) {{ $wgSitename = "Wiki {i}"; }}',
        ][i % 7])
    return "<?php\n" + newline.join(body) + newline


def _tokens(source: str | bytes) -> object:
    try:
        return tokenize(source)
    except PhpSyntaxError as exc:
        return exc.line


def _statements(source: str | bytes) -> object:
    try:
        return parse(source).statements
    except PhpSyntaxError as exc:
        return exc.line


def _slowly(read: object, source: str | bytes) -> object:
    """`read(source)` with every fast path off: each token read by `next_token`, each
    statement walked token by token, each assignment split by the general code."""
    assert callable(read)
    with pytest.MonkeyPatch.context() as patch:
        # An empty match ends the fast pass where it starts: `next_token` reads all.
        patch.setattr(lexer_module, "_FAST", re.compile(""))
        # Every stop is "deeper than the regex follows", so `walk` finds every end.
        patch.setattr(statements, "OPENER_CODES", frozenset(
            [*codes.KIND_CODES.values(), *codes.OPERATOR_CODES.values()]))
        patch.setattr(statements, "SIMPLE", re.compile(""))
        patch.setattr(statements, "SCALAR_ASSIGNMENT", re.compile(r"(?!)"))
        return read(source)


_PIECES = [
    *"<?php \t\r\n'\"`$#/*[](){};,.=-+<>?:\\_aZ09\x80",
    "?>", "<?php ", "<?= ", "?>html<?php ", "$a", "$b", "'k'", "'it\\'s'", "1", "0x1F",
    ".5", "true", "NULL", "[]", "=>", ".=", "??=", "**=", "array(", "#[", "(int)", "( Int )",
    "if", "else", "elseif", "endif;", "while", "function", "class", "namespace", "do",
    "try", "catch", "finally", "foreach", "switch", "enum", "fn", "//", "/*", "*/", "${",
    "{$", '"x$a"', '"$IP/x"', '"{$a}"', '"\\x41\\u{41}"', "<<<EOT\n", "\nEOT;\n",
    "__halt_compiler", "__HALT_COMPILER();", "\\__halt_compiler", "__halt_compiler\\x",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=50).map("".join))
def test_fast_paths_read_any_source_as_the_slow_paths_do(body: str) -> None:
    source = "<?php " + body
    assert _tokens(source) == _slowly(_tokens, source)
    assert _statements(source) == _slowly(_statements, source)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_fast_paths_read_the_fixtures_as_the_slow_paths_do(path: Path) -> None:
    source = path.read_bytes()
    assert _tokens(source) == _slowly(_tokens, source)
    assert _statements(source) == _slowly(_statements, source)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_fast_paths_read_a_farm_file_as_the_slow_paths_do(newline: str) -> None:
    """Thousands of tokens (more than one batch of the lexer), every line ending."""
    source = _farm(1500, newline)
    tokens = _tokens(source)
    assert isinstance(tokens, list) and len(tokens) > 10_000
    assert tokens == _slowly(_tokens, source)
    assert _statements(source) == _slowly(_statements, source)
    assert tokens[-1].line == 1501


def test_an_empty_statement_is_no_assignment() -> None:
    """`;;` (a common slip) once stopped the reader with an IndexError."""
    php = parse("<?php\n$wgSitename = 'x';;\nif ( $a ) ;\n;\n")
    assert [(s.target, s.line) for s in php.statements] == [
        ("wgSitename", 2), (None, 2), (None, 3), (None, 4)]


def test_the_collector_is_paused_and_left_as_found() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause found it off and leaves it off
    assert gc.isenabled()


def test_extensions_are_skipped_when_the_path_has_dot_dot(tmp_path: Path) -> None:
    """`$IP/extensions/...` is MediaWiki's code however the settings file was named: the
    code-folder test once compared against the path as given, `..` and all, and then
    reported every missing extension file."""
    wiki = tmp_path / "wiki"
    (wiki / "sub").mkdir(parents=True)
    (wiki / "LocalSettings.php").write_text(
        "<?php\nrequire_once \"$IP/extensions/Gone/Gone.php\";\n"
        "require_once __DIR__ . '/skins/Gone/Gone.php';\n$wgSitename = 'x';\n")
    config = read_localsettings(wiki / "sub" / ".." / "LocalSettings.php")
    assert config.problems == ()
    assert config.values["wgSitename"] == "x"
