"""Patching where the code runs, merging with what the file says, and showing the change.

Each file here is real PHP: where PHP is installed it runs the patched file, and what it
sees decides (a block after `return;` is valid PHP that never runs).
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.common import require_program
from wizard.mediawiki.localsettings import (
    BEGIN_MARKER,
    DamagedBlockError,
    PatchAction,
    managed_block,
    patch_localsettings,
)
from wizard.mediawiki.localsettings.diff import MASK, masked_diff
from wizard.mediawiki.localsettings.patch import plan_patch

NOW = datetime(2025, 1, 2, 3, 4, 5)
BLOCK = "$wgSMTP = [\n\t'host' => 'ssl://smtp.new.example',\n\t'port' => 465,\n];"


def php_sees(path: Path, expression: str = "$wgSMTP['host'] ?? null") -> object:
    """What PHP gets for `expression` after running the settings file."""
    php = require_program("php")
    done = subprocess.run([php, "-r", f"require $argv[1]; echo json_encode({expression});",
                           str(path)], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout.rpartition("\n")[2] or "null")


@pytest.mark.parametrize(("content", "expected"), [
    ("<?php\n$a = 1;\nreturn;\n$b = 2;\n",
     "<?php\n$a = 1;\n\n{block}\n\nreturn;\n$b = 2;\n"),
    ("<?php\n$a = 1;\n  exit;\n", "<?php\n$a = 1;\n\n{block}\n\n  exit;\n"),
    ("<?php\n$a = 1; return;\n", "<?php\n$a = 1; \n\n{block}\nreturn;\n"),
    ("<?php\n$a = 1;\nif ($x) { return; }\n", "<?php\n$a = 1;\nif ($x) { return; }\n\n{block}\n"),
])
def test_the_block_goes_before_a_top_level_return(tmp_path: Path, content: str,
                                                  expected: str) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text(content)
    result = patch_localsettings(path, BLOCK, now=NOW)
    assert result.action is PatchAction.APPENDED
    assert path.read_text() == expected.replace("{block}", managed_block(BLOCK))
    if "return;\n$b" in content:  # (exit would end PHP before it answers)
        assert php_sees(path) == "ssl://smtp.new.example"


def test_data_after_halt_compiler_is_never_touched(tmp_path: Path) -> None:
    """Whatever follows `__halt_compiler();` is data, even when it looks like PHP (or
    like a broken string); the block goes before it and the data stays byte for byte."""
    data = b"\nDATA $wgSMTP = false; ' <?php # END smtp-wizard \xff\x00 ?>"
    path = tmp_path / "LocalSettings.php"
    path.write_bytes(b"<?php\n$a = 1;\n__halt_compiler();" + data)
    patch_localsettings(path, BLOCK, now=NOW)
    new = path.read_bytes()
    assert new.endswith(b"__halt_compiler();" + data)
    assert new.startswith(b"<?php\n$a = 1;\n\n" + managed_block(BLOCK).encode())
    assert php_sees(path) == "ssl://smtp.new.example"


def test_a_statement_after_return_is_not_the_one_replaced(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n$wgSMTP = false;\nreturn;\n$wgSMTP = ['host' => 'dead'];\n")
    result = patch_localsettings(path, BLOCK, now=NOW)
    assert result.action is PatchAction.REPLACED_STATEMENT
    assert path.read_text().endswith("return;\n$wgSMTP = ['host' => 'dead'];\n")
    assert php_sees(path) == "ssl://smtp.new.example"


def test_a_block_that_never_runs_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    content = f"<?php\n$a = 1;\nreturn;\n{BEGIN_MARKER}\n$wgSMTP = false;\n# END smtp-wizard\n"
    path.write_text(content)
    with pytest.raises(DamagedBlockError) as caught:
        patch_localsettings(path, BLOCK, now=NOW)
    assert "never runs it" in str(caught.value) and "line 3" in str(caught.value)
    assert path.read_text() == content


@pytest.mark.parametrize("content", [
    "<?php\n$a = 1 ?>",
    "<?php\n$a = 1;?>",
    "<?php\n$a = [1, 2] ?>\n",
    "<?php\nif ($a) { $b = 1; } ?>",
])
def test_a_file_ending_in_a_closing_tag_is_patched(tmp_path: Path, content: str) -> None:
    """`?>` ends the statement before it, so `$a = 1 ?>` (valid PHP, no newline) gets a
    `;` before the block instead of a block that continues `$a = 1`."""
    path = tmp_path / "LocalSettings.php"
    path.write_text(content)
    result = patch_localsettings(path, BLOCK, now=NOW)
    assert result.changed
    text = path.read_text()
    assert text.startswith(content[:content.rindex("?>")].rstrip())
    assert text.rstrip("\n").endswith("?>")
    assert php_sees(path) == "ssl://smtp.new.example"


WIKI = """<?php
$wgEnableEmail = false;
$wgPasswordSender = "";  # installer
$wgEmergencyContact = "admin@example.org";
if ($farm) { $wgUserEmailUseReplyTo = false; }
$wgSMTP = array(
    'host' => 'old.example',
    'IDHost' => 'ids.example.org',
    'socket_options' => [ 'ssl' => [ 'verify_peer_name' => true ] ],
    'password' => 'old-pass',
);
$wgSMTP['debug'] = false;
$wgSMTP['socket_options']['ssl']['cafile'] = '/etc/ca.pem';
"""

NEW = """$wgEnableEmail = true;
$wgPasswordSender = 'wiki@example.org';
$wgEmergencyContact = 'admin@example.org';
// Reply-To for user mail.
$wgUserEmailUseReplyTo = true;
$wgSMTP = [
\t'host' => 'ssl://new.example',
\t'port' => 465,
\t'password' => 'n3w',
];"""


def test_merge_keeps_keys_and_changes_globals_where_they_are(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text(WIKI)
    plan = plan_patch(path, NEW, merge=True)
    assert plan.action is PatchAction.APPENDED  # the last $wgSMTP statement is keyed
    text = plan.new.decode()
    lines = text.splitlines()
    assert lines[1:4] == ["$wgEnableEmail = true;",
                          "$wgPasswordSender = 'wiki@example.org';  # installer",
                          '$wgEmergencyContact = "admin@example.org";']
    # Inside a condition: not changed there; the block's assignment comes later and wins.
    assert "$wgUserEmailUseReplyTo = true;" in text and "// Reply-To" in text
    block = text[text.index(BEGIN_MARKER):]
    assert "'IDHost' => 'ids.example.org'," in block
    assert "'socket_options' => [ 'ssl' => [ 'verify_peer_name' => true ] ]," in block
    assert "'debug' => false," in block and "old-pass" not in block
    assert any("Line 13 changes $wgSMTP before" in w for w in plan.warnings)
    assert "Changed $wgPasswordSender on line 3" in " ".join(plan.notes)
    path.write_bytes(plan.new)
    assert php_sees(path, "[$wgSMTP, $wgPasswordSender, $wgUserEmailUseReplyTo]") == [
        {"host": "ssl://new.example", "port": 465, "password": "n3w",
         "IDHost": "ids.example.org", "debug": False,
         "socket_options": {"ssl": {"verify_peer_name": True}}},
        "wiki@example.org", True]

    # Merged once, the same block merges to the same file: nothing to write.
    again = plan_patch(path, NEW, merge=True)
    assert again.action is PatchAction.REPLACED_BLOCK and not again.changed


def test_a_later_assignment_of_a_global_is_named(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n$wgSMTP = false;\nif ($x) { $wgPasswordSender = 'x@y'; }\n")
    plan = plan_patch(path, NEW, merge=True)
    assert plan.action is PatchAction.REPLACED_STATEMENT
    assert "Line 3 sets $wgPasswordSender after the wizard's block" in plan.warnings[0]


def test_the_diff_masks_every_secret(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    old = (b"<?php\n$wgDBpassword = 'db-pw';\n$wgSecretKey = \"k3y\";\n"
           b"$wgSitename = 'n3w-pass wiki \x1b]0;x\x07';\n$wgSMTP = false;\n")
    path.write_bytes(old)
    plan = plan_patch(path, NEW.replace("'n3w'", "'n3w-pass'"), merge=True)
    diff = plan.diff(["n3w-pass"])
    assert diff == masked_diff(path, (plan.old, None), (plan.new, None), ["n3w-pass"])
    assert "n3w-pass" not in diff and "db-pw" not in diff and "k3y" not in diff
    assert f"+\t'password' => {MASK}," in diff
    assert "\x1b" not in diff and "\\x1b]0;x\\x07" in diff
    assert diff.startswith(f"--- {path} (now)\n+++ {path} (new)\n")


def test_the_diff_shows_the_sender_address(tmp_path: Path) -> None:
    """`$wgPasswordSender` is the address mail comes from, not a password: the admin
    must see it to check it. Secrets around it stay masked."""
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n$wgPasswordSender = 'old@example.org';\n"
                    "$wgPasswordSenderName = 'Wiki';\n$wgDBpassword = 'db-pw';\n"
                    "$smtpSenderPassword = 's3nd-pw';\n$wgSMTP = false;\n")
    plan = plan_patch(path, NEW, merge=True)
    diff = masked_diff(path, (plan.old, None), (plan.new, None))
    assert diff == plan.diff()
    assert "-$wgPasswordSender = 'old@example.org';" in diff
    assert "+$wgPasswordSender = 'wiki@example.org';" in diff and "'Wiki'" in diff
    assert "db-pw" not in diff and "s3nd-pw" not in diff
