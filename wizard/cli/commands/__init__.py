"""The sub-commands: one module each, with `add_parser(commands)` and `run(args)`.

A new command is a new module here plus one line in `COMMANDS`; the order is the order
of `smtp-wizard --help`.
"""

from __future__ import annotations

from wizard.cli.commands import check, discover, doctor, explain, providers, render, rotate

__all__ = ["COMMANDS"]

COMMANDS = {
    "check": check,
    "render": render,
    "rotate": rotate,
    "doctor": doctor,
    "discover": discover,
    "explain": explain,
    "providers": providers,
}
