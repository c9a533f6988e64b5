"""The loopback servers of --demo mode (the tests use them too)."""
