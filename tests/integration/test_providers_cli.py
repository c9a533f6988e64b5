"""`smtp-wizard providers`: what the wizard knows offline, as a person and a script see it."""

from __future__ import annotations

import json

import pytest

from tests.support.common import cli


def test_a_chinese_provider_with_its_preset_and_the_ispdb() -> None:
    result = cli("providers", "alice@qq.com")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Preset “QQ Mail (QQ邮箱)” (qq)" in out
    assert "ssl://smtp.qq.com port 465" in out and "授权码" in out
    assert "ISPDB “qq.com” (qq.com) (the preset above wins)" in out
    assert "User name: alice@qq.com" in out and "MPL-2.0" in out
    assert "Unverified (alternatives, notes)" in out


def test_json_for_scripts() -> None:
    result = cli("providers", "--json", "gmx.de")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["domain"] == "gmx.de"
    [match] = data["matches"]
    assert match["source"] == "ispdb"
    assert match["smtp"][0][:3] == ["mail.gmx.net", 465, "SSL"]
    assert any("Documentation" in note for note in match["notes"])


def test_a_host_under_a_known_mx_suffix_and_the_full_list() -> None:
    host = cli("providers", "contoso-com.mail.protection.outlook.com", "--json")
    matches = json.loads(host.stdout)["matches"]
    assert [m["source"] for m in matches] == ["preset", "ispdb"]
    assert matches[0]["id"] == "microsoft365"
    assert any("end of December 2026" in note for note in matches[0]["notes"])
    listing = cli("providers")
    assert listing.returncode == 0
    assert "netease-163" in listing.stdout and "962 mail domains" in listing.stdout
    everything = json.loads(cli("providers", "--json").stdout)
    assert everything["ispdb"]["license"] == "MPL-2.0"
    assert len(everything["ispdb"]["providers"]) == 163


@pytest.mark.parametrize(("args", "code", "words"), [
    (["unknown.example"], 1, "no preset and no ISPDB entry"),
    (["bad name"], 2, "Not a valid host name"),
    (["x@y@\x07"], 2, ""),
])
def test_unknown_and_bad_input(args: list[str], code: int, words: str) -> None:
    result = cli("providers", *args)
    assert result.returncode == code
    assert words in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
