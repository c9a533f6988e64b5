"""smtp-wizard: get a wiki's outgoing mail working, tested live against the real server."""

__all__ = ["__version__"]

__version__ = "0.1.0"
