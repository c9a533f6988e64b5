"""The command line: argparse, the sub-commands and their text output."""

from wizard.cli.main import main

__all__ = ["main"]
