"""Test support: real servers, a DNS server, hostile peers, PHP and keyring harnesses."""
