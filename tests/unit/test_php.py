"""The PHP tokenizer and literal reader, checked against PHP itself where it is installed.

The differential tests give PHP and `wizard.mediawiki.php` the same sources (the fixture wikis
and a few hundred generated ones) and require the same token boundaries and the same
values; the rest pin behaviour that LocalSettings.php patching relies on.
"""

from __future__ import annotations

import base64
import json
import random
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.common import require_program, run_php
from wizard.mediawiki.php import (
    APPEND,
    PhpSyntaxError,
    PhpValue,
    TokenKind,
    Unparsed,
    Value,
    find_calls,
    literal,
    parse,
    string_expression,
    tokenize,
    unserialize,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wikis"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.php"))
PHP_INT_MAX = 2**63 - 1


# --- Tokenizer -------------------------------------------------------------------------

def test_tokens_cover_the_source_with_byte_offsets_and_lines() -> None:
    source = "<p>\n<?php\n$a = 'ü'; // c\n?>\nx".encode()
    tokens = tokenize(source)
    assert b"".join(source[t.start:t.end] for t in tokens) == source
    assert [t.end for t in tokens[:-1]] == [t.start for t in tokens[1:]]
    kinds = [t.kind for t in tokens if t.kind is not TokenKind.WHITESPACE]
    assert kinds == [TokenKind.INLINE_HTML, TokenKind.OPEN_TAG, TokenKind.VARIABLE,
                     TokenKind.OPERATOR, TokenKind.STRING, TokenKind.OPERATOR,
                     TokenKind.COMMENT, TokenKind.CLOSE_TAG, TokenKind.INLINE_HTML]
    string = next(t for t in tokens if t.kind is TokenKind.STRING)
    assert source[string.start:string.end] == "'ü'".encode()
    assert string.line == 3
    close = next(t for t in tokens if t.kind is TokenKind.CLOSE_TAG)
    assert close.text == "?>\n"  # the closing tag takes one newline with it


@pytest.mark.parametrize(("source", "comment"), [
    ("<?php // a ?> b", "// a "),
    ("<?php # a\n$b;", "# a"),
    ("<?php /* a ?> */ $b;", "/* a ?> */"),
    ("<?php /** doc */", "/** doc */"),
    ("<?php /* never closed", "/* never closed"),
])
def test_comments_end_where_php_ends_them(source: str, comment: str) -> None:
    comments = [t.text for t in tokenize(source) if t.kind is TokenKind.COMMENT]
    assert comments == [comment]


def test_attribute_is_not_a_comment() -> None:
    tokens = [t for t in tokenize("<?php #[Attr] function f() {}") if t.kind is not
              TokenKind.WHITESPACE]
    assert (tokens[1].kind, tokens[1].text) == (TokenKind.OPERATOR, "#[")


@pytest.mark.parametrize("source", [
    "<?php $x = <<<EOT\n  $wgSMTP = 1;\n  EOT;\n",
    "<?php $x = <<<'EOT'\n$wgSMTP = 1; ?> EOT2\nEOT;\n",
    '<?php $x = <<<"EOT"\n{$a["EOT"]}\nEOT . "y";\n',
    '<?php $x = "a {$b["c;"]} ${d} $e->f";\n',
    "<?php $x = `ls $wgSMTP`;\n",
])
def test_strings_are_one_token_whatever_they_contain(source: str) -> None:
    php = parse(source)
    assert [s.target for s in php.statements] == ["x"]
    assert isinstance(php.statements[0].value, Unparsed)


@pytest.mark.parametrize(("source", "line"), [
    ("<?php\n$a = 'open;\n", 2),
    ('<?php\n\n$a = "open;\n', 3),
    ("<?php\n$a = <<<EOT\nno end\n", 2),
    ('<?php\n$a = "{$b;\n', 2),
])
def test_unterminated_strings_are_syntax_errors_with_a_line(source: str, line: int) -> None:
    with pytest.raises(PhpSyntaxError) as caught:
        tokenize(source)
    assert caught.value.line == line


def test_casts_and_names() -> None:
    tokens = [t for t in tokenize(r"<?php ( int )$a; \Foo\bar(); namespace\baz;")
              if t.kind is not TokenKind.WHITESPACE]
    assert (tokens[1].kind, tokens[1].text) == (TokenKind.CAST, "( int )")
    names = [t.text for t in tokens if t.kind is TokenKind.NAME]
    assert names == [r"\Foo\bar", r"namespace\baz"]


# --- Literal values --------------------------------------------------------------------

@pytest.mark.parametrize(("source", "value"), [
    ("'it\\'s \\\\ \\n'", "it's \\ \\n"),
    ('"tab\\there\\x41\\101\\u{1F600}\\$x \\{"', "tab\there\x41A\U0001F600$x \\{"),
    ('"\\400\\8\\xZ\\u"', "\x00\\8\\xZ\\u"),
    ('"a$"', "a$"),
    ("0x1F", 31), ("0b101", 5), ("0o17", 15), ("017", 15), ("1_000", 1000),
    ("-5", -5), ("- 5", -5), ("+5", 5), ("-0x10", -16),
    ("1.5", 1.5), (".5", 0.5), ("1.", 1.0), ("1e3", 1000.0), ("1_0.2_5E-1", 1.025),
    ("9223372036854775807", PHP_INT_MAX), ("9223372036854775808", 9.223372036854775808e18),
    ("TRUE", True), ("False", False), ("nULL", None), ("\\true", True),
    ("[]", {}), ("array ( )", {}), ("[1, 2, ]", {0: 1, 1: 2}),
    ("['a' => [true, null]]", {"a": {0: True, 1: None}}),
    ("array('8' => 1, '08' => 2, '-0' => 3, '-8' => 4, true => 5, null => 6, 1.0 => 7)",
     {8: 1, "08": 2, "-0": 3, -8: 4, 1: 7, "": 6}),
    ("[5 => 'a', 'b', 2 => 'c', 'd']", {5: "a", 6: "b", 2: "c", 7: "d"}),
    ("['a' => 1, 'a' => 2, 'b' => 3]", {"a": 2, "b": 3}),
    ("[ /* c */ 'k' # c\n => // c\n 'v' ]", {"k": "v"}),
])
def test_literal_values(source: str, value: PhpValue) -> None:
    result = literal(source)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("source", [
    '"$a"', '"{$a}"', '"${a}"', "<<<EOT\nx\nEOT", "`ls`", "PHP_EOL", "'a' . 'b'",
    "getenv('X')", "08", '"\\u{110000}"', '"\\u{}"', "[1, , 2]", "[...$a]",
    "[-5 => 'a', 'b']", "[1.5 => 'a']", "[[1] => 2]", "[$k => 1]", "-'5'", "-true",
    "(1)", "[1] + [2]", "array(1) + array(2)", "1 2", "",
])
def test_non_literals_are_unparsed_with_their_text(source: str) -> None:
    result = literal(source)
    assert isinstance(result, Unparsed)
    assert result.source == source.strip()


def test_unparsed_items_keep_the_rest_of_the_array() -> None:
    value = literal("['host' => 'smtp.x', 'password' => getenv( 'P' ), 'port' => 587]")
    assert value == {"host": "smtp.x", "password": Unparsed("getenv( 'P' )"), "port": 587}


def test_non_utf8_bytes_survive() -> None:
    value = literal(b"'\xff\xfe'")
    assert isinstance(value, str)
    assert value.encode("utf-8", "surrogateescape") == b"\xff\xfe"


# --- Statements ------------------------------------------------------------------------

STATEMENTS = """<?php
$a = 1;
$b['x'][] = 'y';
$c .= 'z';
if ( $a ) {
    $d = 2;
} elseif ( $b ):
    $e = 3;
else:
    $f = 4;
endif;
{ $g = 5; }
function h() { $i = 6; }
class J { public $k = 7; function l() { $m = 8; } }
$hooks[] = function () { $n = 9; return [1]; };
foreach ( $a as $o ) $p = 10;
$q = 11 ?>
<p>html</p>
<?php
switch ( $a ) { case 1: $r = 12; break; }
$s = 13;
"""


def test_statements_with_depth_targets_and_exact_offsets() -> None:
    php = parse(STATEMENTS)
    found = {(s.target, s.depth) for s in php.statements if s.target}
    assert found == {("a", 0), ("b", 0), ("c", 0), ("d", 1), ("e", 1), ("f", 1), ("g", 0),
                     ("i", 1), ("hooks", 0), ("p", 1), ("q", 0), ("s", 0)}
    by_target = {s.target: s for s in php.statements if s.target}
    b = by_target["b"]
    assert (b.keys, b.operator, b.value) == (("x", APPEND), "=", "y")
    assert by_target["c"].operator == ".="
    assert php.text(by_target["hooks"].start, by_target["hooks"].end) == (
        "$hooks[] = function () { $n = 9; return [1]; };")
    assert php.text(by_target["q"].start, by_target["q"].end) == "$q = 11"
    for statement in php.statements:
        assert php.source[statement.start:statement.end].decode() == php.text(
            statement.start, statement.end)
        assert statement.line == STATEMENTS[:statement.start].count("\n") + 1


def test_find_calls_skips_methods_and_declarations() -> None:
    php = parse("<?php\nset_include_path('/x');\n$o->set_include_path(1);\n"
                "A::ini_set('include_path', 1);\n\\INI_SET('include_path', '.' . 'y');\n"
                "function set_include_path2() {}\n")
    calls = find_calls(php, "set_include_path", "ini_set")
    assert [(c.name, c.line) for c in calls] == [("set_include_path", 2), ("ini_set", 5)]
    assert calls[1].args == ("include_path", Unparsed("'.' . 'y'"))


@pytest.mark.parametrize(("source", "expected"), [
    ("__DIR__ . '/secrets.php'", "/wiki/secrets.php"),
    ("( dirname( __FILE__ ) . \"/s.php\" )", "/wiki/s.php"),
    ('"$IP/private/{$IP}.php"', "/ip/private//ip.php"),
    ("$IP . '/x'", "/ip/x"),
    ("__dir__ . '/x'", "/wiki/x"),
    ("$unknown . '/x'", None),
    ("getenv('X')", None),
    ('"$IP[0]"', None),
])
def test_string_expression(source: str, expected: str | None) -> None:
    tokens = tokenize("<?php " + source)[1:]
    constants = {"__DIR__": "/wiki", "__FILE__": "/wiki/LocalSettings.php"}
    assert string_expression(tokens, {"IP": "/ip"}, constants) == expected


# --- serialize() -----------------------------------------------------------------------

def test_unserialize() -> None:
    data = b'a:3:{i:0;s:5:"1.4.1";s:1:"v";a:2:{s:7:"release";d:0.5;s:3:"api";N;}i:-2;b:1;}'
    assert unserialize(data) == {0: "1.4.1", "v": {"release": 0.5, "api": None}, -2: True}
    for bad in (b'O:8:"stdClass":0:{}', b's:5:"abc";', b"i:1;x"):
        with pytest.raises(ValueError):
            unserialize(bad)


# --- Generated values ------------------------------------------------------------------

def _skip(rnd: random.Random) -> str:
    """Whitespace or a comment: anything PHP allows between tokens."""
    return rnd.choice(["", "", " ", "\n\t", " /* c */ ", " # c\n", " // c\n"])


def render(value: PhpValue, rnd: random.Random) -> str:
    """PHP source for `value`, in one of the many spellings PHP accepts."""
    if value is None or isinstance(value, bool):
        word = {None: "null", True: "true", False: "false"}[value]
        return rnd.choice([word, word.upper(), word.capitalize(), "\\" + word])
    if isinstance(value, int):
        if value < 0:
            return "-" + _skip(rnd) + render(-value, rnd)
        return rnd.choice([str(value), hex(value), "0o" + format(value, "o"),
                           bin(value), "0" + format(value, "o")] +
                          ([f"{value:_}"] if value > 999 else []))
    if isinstance(value, float):
        text = repr(value)
        return "-" + _skip(rnd) + text[1:] if text.startswith("-") else text
    if isinstance(value, str):
        if rnd.random() < 0.5:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        out = []
        for ch in value:
            if ch in '\\"$':
                out.append("\\" + ch)
            elif ord(ch) < 32 or rnd.random() < 0.1:
                out.append(rnd.choice([f"\\x{ord(ch):02x}" if ord(ch) < 128 else
                                       f"\\u{{{ord(ch):x}}}", f"\\u{{{ord(ch):X}}}"]))
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    items: list[str] = []
    ints: list[int] = []
    for key, item in value.items():
        # An implicit key only where every PHP version agrees on it.
        expected = max(ints) + 1 if ints else 0
        implicit = key == expected and (not ints or max(ints) >= 0) and rnd.random() < 0.7
        if isinstance(key, int):
            ints.append(key)
        text = render(item, rnd)  # type: ignore[arg-type]
        items.append(text if implicit else f"{render(key, rnd)}{_skip(rnd)}=>{_skip(rnd)}{text}")
    inner = ("," + _skip(rnd)).join(items) + ("," if items and rnd.random() < 0.3 else "")
    if rnd.random() < 0.5:
        return "[" + _skip(rnd) + inner + _skip(rnd) + "]"
    return rnd.choice(["array", "ARRAY", "Array"]) + _skip(rnd) + "(" + inner + ")"


_keys = st.one_of(
    st.integers(0, 50), st.integers(-(2**63) + 1, PHP_INT_MAX),
    st.text(max_size=8).filter(lambda k: not re.fullmatch(r"0|-?[1-9][0-9]*", k)))
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63) + 1, PHP_INT_MAX),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12))
php_values = st.recursive(
    _scalars, lambda children: st.dictionaries(_keys, children, max_size=5), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(php_values, st.randoms(use_true_random=False))
def test_rendered_values_read_back(value: PhpValue, rnd: random.Random) -> None:
    source = render(value, rnd)
    assert literal(source) == value


def _random_value(rnd: random.Random, depth: int = 0) -> PhpValue:
    kind = rnd.randrange(7 if depth < 2 else 5)
    if kind == 0:
        return rnd.choice([None, True, False])
    if kind == 1:
        return rnd.choice([0, 1, 587, PHP_INT_MAX, -PHP_INT_MAX, rnd.randrange(-10**6, 10**6)])
    if kind == 2:
        return rnd.choice([0.5, -0.0, 1e100, 2.5e-7, rnd.uniform(-1e6, 1e6)])
    if kind in (3, 4):
        alphabet = "aZ09 '\"\\$\n\t{}ü€😀\x00\x7f"
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(8)))
    keys: list[int | str] = [rnd.choice([0, 1, 7, 100, "k", "08", "-0", "", "ü"])
                             for _ in range(rnd.randrange(5))]
    return {key: _random_value(rnd, depth + 1) for key in keys}


# Sources PHP rejects (or that mean something else than a literal): never a value.
INVALID = ["08", '"\\u{110000}"', '"\\u{zz}"', "[1, , 2]", "[,]", "0b102", "1__0",
           "array(1 => )", "['a' => 'b' => 'c']"]
# What PHP accepts although the reader declines: version-dependent or deprecated.
DECLINED = ["[-5 => 'a', 'b']", "[1.5 => 'x']", '"$a"', "'a' . 'b'", "PHP_INT_MAX"]


def _php_values(sources: list[str]) -> list[Value | None]:
    script = r"""
        $out = [];
        foreach (json_decode(file_get_contents('php://stdin'), true) as $src) {
            try { $out[] = base64_encode(serialize(@eval('return ' . $src . ';'))); }
            catch (\Throwable $e) { $out[] = null; }
        }
        echo json_encode($out);
    """
    answers = json.loads(run_php(script, json.dumps(sources).encode()))
    return [None if a is None else unserialize(base64.b64decode(a)) for a in answers]


def test_values_match_php() -> None:
    """The reader's value for 400 generated literals is PHP's, and PHP's rejects stay
    Unparsed."""
    rnd = random.Random(20260101)
    values = [_random_value(rnd) for _ in range(400)]
    sources = [render(v, rnd) for v in values]
    answers = _php_values(sources + DECLINED)
    for source, value, answer in zip(sources, values, answers, strict=False):
        assert answer == value, source
        assert literal(source) == answer, source
    for source, answer in zip(DECLINED, answers[len(sources):], strict=True):
        assert answer is not None, source
        assert isinstance(literal(source), Unparsed), source
    php = require_program("php")
    for source in INVALID:
        # Some are compile errors, which end PHP: one `php -l` each.
        lint = subprocess.run([php, "-n", "-l"], input=f"<?php return {source};".encode(),
                              capture_output=True, timeout=60, check=False)
        assert lint.returncode != 0, source
        assert isinstance(literal(source), Unparsed), source


# --- Token boundaries against token_get_all ---------------------------------------------

PIECES = [
    "'a\\'b\\\\'", '"x $y {$z[\'k\']} \\u{41} \\x4g \\101 ${w}"', '"plain \\" text"',
    "<<<EOT\n  a $b {$c}\n  EOT", "<<<'N'\nraw $x ?> \nN", '<<<"Q"\nq\nQ',
    "// c ?> html <?php ", "# c\n", "#[Attr]", "/* c ?> */", "/** doc */",
    "0x1_F", "1_000.5e-3", ".5", "1.", "07", "0b101", "0o17", "1e5", "123",
    "( int )", "(string)", "?->", "<=>", "**=", "??=", "...", "=>", "::", "->", "!==",
    "$$a", "$wgSMTP", "\\Foo\\bar", "namespace\\x", "array", "TRUE", "`ls $a`",
    "?>\n<p>html</p>\n<?php ", "?>x<?php\n", ";", "{", "}", "[", "]", "(", ")", ",", ".",
    "-", "+", "=", "&", "@", "!", "<", ">", "<<", ">>=", "$_ENV['X']", "__DIR__",
]

_KINDS: dict[TokenKind, tuple[str, ...]] = {
    TokenKind.INLINE_HTML: ("T_INLINE_HTML",),
    TokenKind.OPEN_TAG: ("T_OPEN_TAG", "T_OPEN_TAG_WITH_ECHO"),
    TokenKind.CLOSE_TAG: ("T_CLOSE_TAG",),
    TokenKind.WHITESPACE: ("T_WHITESPACE",),
    TokenKind.COMMENT: ("T_COMMENT", "T_DOC_COMMENT"),
    TokenKind.STRING: ("T_CONSTANT_ENCAPSED_STRING",),
    TokenKind.NUMBER: ("T_LNUMBER", "T_DNUMBER"),
    TokenKind.VARIABLE: ("T_VARIABLE",),
}


def _php_tokens(sources: list[bytes]) -> list[list[tuple[str, bytes]]]:
    script = r"""
        $out = [];
        foreach (json_decode(file_get_contents('php://stdin')) as $src) {
            $tokens = [];
            foreach (token_get_all(base64_decode($src)) as $t) {
                $tokens[] = is_array($t) ? [token_name($t[0]), base64_encode($t[1])]
                                         : [$t, base64_encode($t)];
            }
            $out[] = $tokens;
        }
        echo json_encode($out);
    """
    payload = json.dumps([base64.b64encode(s).decode() for s in sources]).encode()
    return [[(name, base64.b64decode(text)) for name, text in tokens]
            for tokens in json.loads(run_php(script, payload))]


def _compare_tokens(source: bytes, php_tokens: list[tuple[str, bytes]]) -> None:
    php_spans, pos = {}, 0
    for name, text in php_tokens:
        php_spans[pos] = (name, pos + len(text))
        pos += len(text)
    assert pos == len(source)
    php_starts = set(php_spans)
    ours = tokenize(source)
    for token in ours:
        assert token.start in php_starts, (token, source)
        name, end = php_spans[token.start]
        inside = [s for s in php_starts if token.start < s < token.end]
        if inside:
            # PHP splits interpolated strings and heredocs into parts; we keep them whole.
            assert token.kind in (TokenKind.STRING, TokenKind.HEREDOC), (token, source)
            continue
        assert end == token.end, (token, name, source)
        if token.kind in _KINDS:
            assert name in _KINDS[token.kind], (token, name, source)
        elif token.kind is TokenKind.NAME:
            assert name.startswith("T_") and name not in ("T_VARIABLE", "T_LNUMBER"), (
                token, name)
        elif token.kind is TokenKind.CAST:
            assert name.endswith("_CAST"), (token, name)
        elif token.kind is TokenKind.HEREDOC:
            raise AssertionError(("a heredoc is always split by PHP", token))
        else:
            assert token.kind is TokenKind.OPERATOR
            assert name == token.text or (name.startswith("T_") and name not in (
                "T_STRING", "T_VARIABLE", "T_WHITESPACE", "T_COMMENT")), (token, name, source)


def test_tokens_match_token_get_all() -> None:
    """Same token boundaries and kinds as PHP on every fixture and 300 generated files."""
    rnd = random.Random(7)
    generated = []
    for _ in range(300):
        pieces = rnd.choices(PIECES, k=rnd.randrange(1, 12))
        separators = [rnd.choice([" ", "\n", "\t", "\r\n", "  "]) for _ in pieces]
        body = "".join(p + s for p, s in zip(pieces, separators, strict=True))
        generated.append(("<?php\n" + body + "\n").encode())
    sources = [path.read_bytes() for path in FIXTURE_FILES] + generated
    for source, php_tokens in zip(sources, _php_tokens(sources), strict=True):
        _compare_tokens(source, php_tokens)


def test_fixture_literals_match_php() -> None:
    """Every literal the fixture wikis assign reads as PHP evaluates it."""
    expressions: list[tuple[str, Value]] = []
    for path in FIXTURE_FILES:
        php = parse(path.read_bytes())
        for statement in php.statements:
            value = statement.value
            if statement.target and not isinstance(value, Unparsed) and not _has_unparsed(
                    value):
                rhs_start = next(t.end for t in statement.tokens
                                 if t.kind is TokenKind.OPERATOR and t.text == "=")
                end = statement.end - (1 if statement.tokens[-1].text == ";" else 0)
                expressions.append((php.text(rhs_start, end), value))
    assert len(expressions) > 60
    answers = _php_values([source for source, _ in expressions])
    for (source, value), answer in zip(expressions, answers, strict=True):
        assert answer == value, source


def _has_unparsed(value: Value) -> bool:
    return isinstance(value, Unparsed) or (
        isinstance(value, dict) and any(_has_unparsed(v) for v in value.values()))


def _tokens_without_fast_path(source: bytes | str, monkeypatch: pytest.MonkeyPatch) -> object:
    """The tokens (or the syntax error's line) with every token read by `next_token`."""
    from wizard.mediawiki.php import lexer

    with monkeypatch.context() as patch:
        patch.setattr(lexer, "_FAST", re.compile(""))  # ends the fast pass at once
        try:
            return tokenize(source)
        except PhpSyntaxError as exc:
            return exc.line


def _tokens_or_error_line(source: bytes | str) -> object:
    try:
        return tokenize(source)
    except PhpSyntaxError as exc:
        return exc.line


# The characters that decide a token's kind and end, plus letters, digits and bytes
# past ASCII: what the fast path must read exactly as `next_token` does.
_LEXER_ALPHABET = [
    *"<?php \t\r\n'\"`$#/*[](){};,.=-+<>?!&|^%~@:\\_aZ09\x80\xff",
    "<?php ", "?>", "<<<EOT\n", "\nEOT;\n", "(int)", "0x1F", "1_000", ".5", "//", "/*", "*/",
    "${", "{$", "#[", "=>", "...", "??=", "**=", "<=>", "\\'", '\\"']


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LEXER_ALPHABET), max_size=40).map("".join))
def test_fast_path_reads_every_source_as_next_token_does(body: str) -> None:
    """The lexer reads common tokens with one regex; for any source it must give the same
    tokens (or the same syntax error) as reading every token with `next_token`."""
    source = "<?php " + body
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _tokens_or_error_line(source) == _tokens_without_fast_path(source, monkeypatch)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fast_path_reads_the_fixture_wikis_as_next_token_does(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = path.read_bytes()
    assert _tokens_or_error_line(source) == _tokens_without_fast_path(source, monkeypatch)
