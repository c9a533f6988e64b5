"""Machine facts read from file trees: SELinux, Amazon EC2, the web server's account.

The trees under tests/fixtures/doctor/systems are real files laid out as selinuxfs,
sysfs's DMI tables and procfs show them, passed as the root: nothing is mocked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wizard.mediawiki.machine import (
    Account,
    can_read,
    detect_cloud,
    read_selinux,
    web_server_accounts,
)

SYSTEMS = Path(__file__).parents[1] / "fixtures" / "doctor" / "systems"


def test_no_selinuxfs_means_selinux_is_not_in_use(tmp_path: Path) -> None:
    assert not read_selinux(tmp_path).enabled


def test_enforcing_with_the_httpd_booleans_off() -> None:
    selinux = read_selinux(SYSTEMS / "selinux-blocking")
    assert selinux.enabled and selinux.enforcing
    assert selinux.booleans == {"httpd_can_network_connect": False, "httpd_can_sendmail": False}
    assert selinux.pending == {}


def test_permissive_is_enabled_but_not_enforcing() -> None:
    selinux = read_selinux(SYSTEMS / "selinux-permissive")
    assert selinux.enabled and not selinux.enforcing


def test_boolean_reads_current_value_and_notes_a_different_pending_one() -> None:
    """getsebool shows the current value; a change not yet committed shows as pending."""
    selinux = read_selinux(SYSTEMS / "selinux-pending")
    assert selinux.booleans["httpd_can_network_connect"] is False
    assert selinux.pending == {"httpd_can_network_connect": True}


def test_a_boolean_the_policy_lacks_is_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "sys/fs/selinux"
    (folder / "booleans").mkdir(parents=True)
    (folder / "enforce").write_text("1")
    (folder / "booleans" / "httpd_can_sendmail").write_text("1 1")
    (folder / "booleans" / "httpd_can_network_connect").write_text("garbage")
    assert read_selinux(tmp_path).booleans == {"httpd_can_sendmail": True}


@pytest.mark.parametrize(("system", "evidence"), [
    ("ec2-nitro", "/sys/class/dmi/id/sys_vendor: Amazon EC2"),
    ("ec2-board", "/sys/class/dmi/id/board_vendor: Amazon EC2"),
    ("ec2-uuid", "/sys/class/dmi/id/product_uuid: EC2E1916-9099-7CAF-FD21-012345678901"),
    ("ec2-xen", "/sys/hypervisor/uuid: ec2e1916-9099-7caf-fd21-012345678901"),
])
def test_ec2_is_recognised_from_each_file(system: str, evidence: str) -> None:
    cloud = detect_cloud(SYSTEMS / system)
    assert cloud.is_ec2
    assert cloud.evidence == evidence


@pytest.mark.parametrize("system", ["kvm", "selinux-blocking"])
def test_other_machines_are_not_ec2(system: str) -> None:
    assert not detect_cloud(SYSTEMS / system).is_ec2


def test_php_fpm_account_comes_before_apache_and_root_masters_do_not_count() -> None:
    accounts = web_server_accounts(SYSTEMS / "debian-web")
    assert [(a.name, a.uid) for a in accounts] == [("wiki", 998), ("www-data", 33)]
    fpm = accounts[0]
    assert fpm.source == "process php-fpm8.2 (pid 701)"
    # Supplementary groups come from /etc/group as well as from the process.
    assert fpm.groups == {998, 997}
    assert fpm.group_name == "wiki"


def test_owner_of_localsettings_is_a_fallback(tmp_path: Path) -> None:
    """Without a web server process, a non-root owner of the file is the best guess."""
    (tmp_path / "etc").mkdir()
    uid = os.getuid()
    (tmp_path / "etc/passwd").write_text(f"someone:x:{uid}:{uid}::/:/bin/sh\n")
    local = tmp_path / "LocalSettings.php"
    local.write_text("<?php\n")
    accounts = web_server_accounts(tmp_path, local)
    if uid == 0:
        assert accounts == []  # root owns everything; it says nothing about the web server
    else:
        assert [(a.name, a.source) for a in accounts] == [("someone", f"owner of {local}")]


def _account(uid: int, *groups: int) -> Account:
    return Account("www-data", uid, groups[0] if groups else -1, frozenset(groups), "test")


@pytest.mark.parametrize(("mode", "account", "readable"), [
    (0o600, _account(33, 33), False),       # others
    (0o644, _account(33, 33), True),
    (0o640, _account(33, 33), False),       # group bits, but not its group
    (0o600, _account(0, 0), True),          # root reads anything
])
def test_can_read_by_mode_bits(tmp_path: Path, mode: int, account: Account,
                               readable: bool) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n")
    path.chmod(mode)
    if os.getuid() == 33:
        pytest.skip("the test account must not be the one running the tests")
    assert can_read(account, path) is readable


def test_can_read_through_the_files_group(tmp_path: Path) -> None:
    path = tmp_path / "smtp.php"
    path.write_text("<?php\n")
    path.chmod(0o640)
    group = path.stat().st_gid
    if os.getuid() == 4242:
        pytest.skip("the test account must not be the one running the tests")
    assert can_read(_account(4242, 4242, group), path)
    path.chmod(0o600)
    assert not can_read(_account(4242, 4242, group), path)
