"""The sub-commands: one module each, with `add_parser(commands)` and `run(args)`.

A new command is a new module here plus one line in `COMMANDS`; the order is the order
of `smtp-wizard --help`. A module is imported when its command is used (or listed, for
`--help`): `smtp-wizard check` pays for no other command's imports.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Coroutine
from typing import Any, Protocol, cast

__all__ = ["COMMANDS", "CommandModule", "load_command"]

COMMANDS = {
    "check": "wizard.cli.commands.check",
    "render": "wizard.cli.commands.render",
    "rotate": "wizard.cli.commands.rotate",
    "doctor": "wizard.cli.commands.doctor",
    "discover": "wizard.cli.commands.discover",
    "explain": "wizard.cli.commands.explain",
    "providers": "wizard.cli.commands.providers",
    "token": "wizard.cli.commands.token",
}
"""Command name -> the module that implements it."""


class CommandModule(Protocol):
    # Any: the parsers are of the main parser's class, whichever it is.
    def add_parser(self, commands: argparse._SubParsersAction[Any]) -> None: ...

    def run(self, args: argparse.Namespace) -> int | Coroutine[Any, Any, int]: ...


def load_command(name: str) -> CommandModule:
    """The module of the command `name` (one of `COMMANDS`), imported now."""
    return cast(CommandModule, importlib.import_module(COMMANDS[name]))
