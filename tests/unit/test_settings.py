"""Settings: MediaWiki host strings, and a clear error for every bad field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.model.fields import SettingsError, check_email
from wizard.model.settings import Security, Settings, parse_host


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
    ("smtp example.org", "host", "Not a valid host name"),
    ("-smtp.example.org", "host", "Not a valid host name"),
    ("a" * 64 + ".example.org", "host", "Not a valid host name"),
    ("1.2.3", "host", "Neither"),
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


@pytest.mark.parametrize("text, ascii_form", [
    # IDNA 2008 / UTS #46: ß stays (IDNA 2003 made it smtp.fass.de, another domain).
    ("smtp.faß.de", "smtp.xn--fa-hia.de"),
    ("SMTP.Bücher.Example", "smtp.xn--bcher-kva.example"),
    ("ｓｍｔｐ.example.org", "smtp.example.org"),
    ("fe80::1%eth0", "fe80::1%eth0"),
])
def test_idna_2008_forms(text: str, ascii_form: str) -> None:
    settings = Settings(host=text, username="u")
    assert settings.ascii_host == ascii_form
    assert settings.shown_host == (settings.host if settings.host == ascii_form
                                   else f"{settings.host} ({ascii_form})")


@pytest.mark.parametrize("text", [
    "a\u200db.example",  # a joiner where IDNA 2008 does not allow one: not dropped silently
    "::1%x coding:utf-7 '+AAo-__import__('os').system('id')+AAo-#",
    "fe80::1%eth0'",
    "fe80::1%",
    "fe80::1%a-very-long-interface",
    "192.0.2.1%eth0",
])
def test_names_idna_or_zone_ids_cannot_carry(text: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_host(text)
    assert caught.value.field == "host"


@pytest.mark.parametrize("address, normalised", [
    ("wiki@example.org", "wiki@example.org"),
    ("Wiki@Example.ORG", "Wiki@example.org"),
    ("jörg@bücher.example", "jörg@xn--bcher-kva.example"),
    ("o'brien+tag@example.org", "o'brien+tag@example.org"),
    ("wiki@[192.0.2.1]", "wiki@[192.0.2.1]"),
    ("apache@192.0.2.1", "apache@192.0.2.1"),
    ("wiki@[ipv6:2001:DB8::1]", "wiki@[IPv6:2001:db8::1]"),
])
def test_addresses_in_their_smtp_form(address: str, normalised: str) -> None:
    assert Settings(host="h.example", username="u", sender=address).sender == normalised


@pytest.mark.parametrize("address, words", [
    ("a@b@example.org", "more than one @"),
    ("wiki.example.org", "has no @"),
    ("@example.org", "nothing before the @"),
    ("wiki@", "nothing after the @"),
    ("a b@example.org", "contains “ ”"),
    ('"a b"@example.org', "contains “\"”"),
    ("a..b@example.org", "two dots"),
    (".a@example.org", "dot at the start"),
    ("a\u202e@example.org", "\\u202e"),
    ("x" * 65 + "@example.org", "64 bytes"),
    ("wiki@2001:db8::1", "in brackets"),
    ("wiki@[2001:db8::1]", "[IPv6:2001:db8::1]"),
    ("wiki@exa mple.org", "Not a valid host name"),
])
def test_bad_addresses_name_the_problem(address: str, words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(host="h.example", username="u", sender=address)
    assert caught.value.field == "sender"
    assert words in caught.value.message
    assert "\u202e" not in caught.value.message


@pytest.mark.parametrize("check, value", [
    (parse_host, "smtp example.org"),
    (parse_host, "smtp..example.org"),
    (parse_host, "1.2.3"),
    (parse_host, "fe80::1%eth 0"),
    (check_email, "wiki.example.org"),
    (check_email, "a@b@example.org"),
    (check_email, "@example.org"),
    (check_email, "a b@example.org"),
    (check_email, "a..b@example.org"),
    (check_email, "x" * 65 + "@example.org"),
    (check_email, "x" * 60 + "@" + ".".join(["d" * 60] * 4)),
    (check_email, "wiki@[2001:db8::1]"),
    (check_email, "wiki@2001:db8::1"),
])
def test_the_reason_comes_first_and_the_value_last(check: Callable[[str], object],
                                                   value: str) -> None:
    """The words that say what is wrong are read first; what was typed closes the line."""
    with pytest.raises(SettingsError) as caught:
        check(value)
    message = caught.value.message
    assert not message.startswith("“"), message
    assert message.endswith(f"(you typed “{value}”)."), message


def test_wire_names_are_ascii() -> None:
    settings = Settings(host="h.example", username="u", helo_name="Wiki.Bücher.example",
                        id_host="bücher.example")
    assert settings.helo_name == "wiki.xn--bcher-kva.example"
    assert settings.id_host == "xn--bcher-kva.example"


@given(st.text())
def test_any_text_is_an_address_or_a_clear_error(text: str) -> None:
    try:
        address = check_email(text)
    except SettingsError as exc:
        assert exc.field == "sender" and exc.message.endswith(".")
    else:
        local, _at, domain = address.rpartition("@")
        assert local and domain.isascii() and address.count("@") == 1
