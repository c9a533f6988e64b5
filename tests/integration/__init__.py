"""The core and the command line against real loopback servers, PHP, Django and keyrings."""
