"""The check's client models match the real clients: Net_SMTP's own list of mechanisms,
asked from real PHP for each release at hand, with and without Auth_SASL, and smtplib's."""

from __future__ import annotations

import inspect
import re
import smtplib
import subprocess
from pathlib import Path

import pytest

from tests.support.common import ROOT, require_program
from wizard.mediawiki.php import unserialize
from wizard.smtp.clients import SMTPLIB, pear_model

# Net_SMTP's constructor registers its mechanisms; `auth_methods` is public.
LIST = ('require_once "Net/SMTP.php"; $smtp = new Net_SMTP(); '
        'echo implode(" ", array_keys($smtp->auth_methods));')

SYSTEM = Path("/usr/share/php")
"""Debian's php-net-smtp (1.10.1 on bookworm), which CI installs."""
BUNDLED = ROOT.parent / "shared" / "pear"
"""The release MediaWiki 1.45 bundles (1.12.2), where a copy of it is at hand."""


def system_release() -> tuple[int, ...]:
    registry = unserialize((SYSTEM / ".registry" / "net_smtp.reg").read_bytes())
    assert isinstance(registry, dict)
    version = registry["version"]
    release = version["release"] if isinstance(version, dict) else version
    return tuple(int(part) for part in str(release).split("."))


def releases() -> list[tuple[tuple[int, ...], str]]:
    found: list[tuple[tuple[int, ...], str]] = []
    if (SYSTEM / "Net" / "SMTP.php").is_file():
        found.append((system_release(), str(SYSTEM)))
    if (BUNDLED / "net_smtp" / "Net" / "SMTP.php").is_file():
        found.append(((1, 12, 2), f"{BUNDLED / 'net_smtp'}:{BUNDLED / 'net_socket'}:{SYSTEM}"))
    return found


@pytest.mark.parametrize("auth_sasl", [False, True])
def test_pear_model_is_net_smtps_own_list(tmp_path: Path, auth_sasl: bool) -> None:
    php = require_program("php")
    if not releases():
        pytest.skip("no Net_SMTP source here (Debian: apt install php-net-smtp)")
    # Net_SMTP only tries to include Auth/SASL.php: an empty one stands for the package.
    (tmp_path / "Auth").mkdir()
    (tmp_path / "Auth" / "SASL.php").write_text("<?php\n", encoding="utf-8")
    for release, include_path in releases():
        path = f"{tmp_path}:{include_path}" if auth_sasl else include_path
        done = subprocess.run([php, "-d", f"include_path={path}", "-r", LIST],
                              capture_output=True, text=True, timeout=30, check=True)
        expected = tuple(done.stdout.split())
        assert pear_model(release, auth_sasl=auth_sasl).mechanisms == expected, release


def test_smtplib_model_is_smtplibs_own_list() -> None:
    source = inspect.getsource(smtplib.SMTP.login)
    match = re.search(r"preferred_auths = \[([^\]]*)\]", source)
    assert match is not None
    names = [name.strip(" '\"").replace("_", "-") for name in match.group(1).split(",")]
    assert SMTPLIB.mechanisms == tuple(names)
