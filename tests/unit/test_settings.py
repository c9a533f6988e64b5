"""Settings: MediaWiki host strings, and a clear error for every bad field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.model.settings import Security, Settings, SettingsError, parse_host


@pytest.mark.parametrize("text, host, security", [
    ("smtp.example.org", "smtp.example.org", None),
    ("ssl://smtp.example.org", "smtp.example.org", Security.TLS),
    ("TLS://Smtp.Example.org.", "smtp.example.org", Security.TLS),
    ("[2001:db8::1]", "2001:db8::1", None),
    ("ssl://[::1]", "::1", Security.TLS),
    ("192.0.2.7", "192.0.2.7", None),
    ("smtp.bücher.example", "smtp.bücher.example", None),
])
def test_parse_mediawiki_host(text: str, host: str, security: Security | None) -> None:
    assert parse_host(text) == (host, security)


def test_rendered_host_forms() -> None:
    idn = Settings(host="smtp.bücher.example", port=465, security=Security.TLS, username="u")
    assert idn.ascii_host == "smtp.xn--bcher-kva.example"
    assert idn.mediawiki_host == "ssl://smtp.xn--bcher-kva.example"
    v6 = Settings.from_mediawiki_host("ssl://[::1]", port=465, username="u")
    assert v6.mediawiki_host == "ssl://[::1]" and v6.security is Security.TLS
    plain = Settings(host="smtp.example.org", port=587, username="u")
    assert plain.mediawiki_host == "smtp.example.org"


@pytest.mark.parametrize("text, field, words", [
    ("", "host", "empty"),
    ("smtp.example.org\r\nRCPT TO:<x@y>", "host", "line breaks"),
    ("smtps://smtp.example.org", "host", "ssl://"),
    ("smtp example.org", "host", "not a valid host name"),
    ("-smtp.example.org", "host", "not a valid host name"),
    ("a" * 64 + ".example.org", "host", "not a valid host name"),
    ("1.2.3", "host", "neither"),
])
def test_bad_hosts_say_why(text: str, field: str, words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_host(text)
    assert caught.value.field == field and words in caught.value.message


@pytest.mark.parametrize("fields, field", [
    ({"port": 0}, "port"),
    ({"port": 65536}, "port"),
    ({"port": "five"}, "port"),
    ({"username": "wiki\n@example.org"}, "username"),
    ({"auth": True, "username": ""}, "username"),
    ({"sender": "not-an-address"}, "sender"),
    ({"sender": "wiki@example.org\r\nBcc: x@y"}, "sender"),
    ({"emergency_contact": "a b@example.org"}, "emergency_contact"),
    ({"helo_name": "local host"}, "helo_name"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": 3600}, "timeout"),
    ({"auth_mechanism": "GSSAPI"}, "auth_mechanism"),
])
def test_bad_fields_say_which(fields: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"host": "smtp.example.org", "username": "u"} | fields
    with pytest.raises(SettingsError) as caught:
        # Wrong types on purpose: Settings must refuse them.
        Settings(**values)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.message.endswith(".")


@given(st.text())
def test_any_text_is_a_host_or_a_clear_error(text: str) -> None:
    try:
        host, _security = parse_host(text)
    except SettingsError as exc:
        assert exc.field == "host" and exc.message
    else:
        assert "\n" not in host and "\r" not in host and host == host.strip()


def test_hints_flag_the_classic_mismatches() -> None:
    assert Settings(host="h.example", port=587, security=Security.TLS, username="u").hints()
    assert Settings(host="h.example", port=465, security=Security.STARTTLS, username="u").hints()
    assert not Settings(host="h.example", port=465, security=Security.TLS, username="u").hints()
