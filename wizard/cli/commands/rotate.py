"""`smtp-wizard rotate`: a new SMTP password, tested before anything changes."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from wizard.cli.common import EXIT_FAILED, EXIT_OK, password_arguments, read_password
from wizard.cli.keyring_choice import choose_keyring, keyring_arguments
from wizard.errors import UsageError
from wizard.model.i18n import _


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("rotate", help=_("change the SMTP password, tested first"),
                                 allow_abbrev=False,
                                 description=_("Test a new SMTP password against the server, "
                                               "then update LocalSettings.php (or its "
                                               "secrets file) and the keyring."))
    parser.add_argument("--localsettings", metavar="PATH",
                        help=_("LocalSettings.php or the wiki folder (default: look for it)"))
    password_arguments(parser)
    parser.add_argument("--ca-file", help=_("also trust the CA certificates in this file"))
    parser.add_argument("--no-keyring", action="store_true",
                        help=_("do not store the new password in the keyring"))
    parser.add_argument("--undo", action="store_true",
                        help=_("put back the latest backup of the file that holds the "
                               "password (the keyring is left as it is)"))
    keyring_arguments(parser)


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin or args.password_env or not sys.stdin.isatty():
        password = read_password(args)
        if password is None:
            raise UsageError(_("Give the new password with --password-stdin or "
                               "--password-env VAR."))
        return password
    from wizard.model.fields import check_password

    first = check_password(getpass.getpass(_("New SMTP password: ")))
    if getpass.getpass(_("The same again: ")) != first:
        raise UsageError(_("The two passwords differ; nothing was changed."))
    return first


async def run(args: argparse.Namespace) -> int:
    from wizard.cli.output import report_text
    from wizard.mediawiki.localsettings import find_localsettings, read_localsettings, to_settings
    from wizard.store.backends import sudo_note
    from wizard.store.rotate import rotate_password

    given = Path(args.localsettings) if args.localsettings else None
    path = find_localsettings(given, Path.cwd())
    if path is None:
        raise UsageError(_("No LocalSettings.php found here or in the usual places; name it "
                           "with --localsettings PATH."))
    if args.undo:
        return _undo(path)
    config = read_localsettings(path)
    found = to_settings(config)
    if found is None:
        raise UsageError(_("{path} does not send through SMTP ($wgSMTP is not set); run "
                           "smtp-wizard to set it up.").format(path=path))
    settings, _old = found
    if not settings.auth:
        raise UsageError(_("{path} sends without authentication: there is no password to "
                           "change.").format(path=path))
    if args.ca_file:
        settings = settings.replace(ca_file=args.ca_file)
    password = _new_password(args)
    # Chosen (and a master password read) before the test, so that a wrong master
    # password stops the rotation before anything changes.
    keyring = None if args.no_keyring else choose_keyring(args, create=True)
    result = await rotate_password(config, settings, password,
                                   store=keyring is not None and keyring.backend is not None,
                                   backend=keyring.backend if keyring else None)
    print(report_text(result.report, title=_("Testing the new password for {user} at "
                                             "{host}:{port}").format(
        user=settings.username, host=settings.mediawiki_host, port=settings.port)))
    if not result.tested:
        print(_("The new password did not log in, so nothing was changed."))
        return EXIT_FAILED
    if result.restored:
        for note in result.notes:
            print(note)
        return EXIT_FAILED
    if result.change is not None:
        print(_("Updated the password in {path}; the previous version is in {backup}.").format(
            path=result.change.path, backup=result.change.backup))
        print(_("Tested again after writing: {how}. (smtp-wizard rotate --undo puts the "
                "previous version back.)").format(how=result.verified))
    if result.stored is not None:
        print(" ".join(filter(None, (_("Stored the new password in the keyring ({backend})."
                                       ).format(backend=result.stored.name), sudo_note()))))
    elif keyring is not None and keyring.hint:
        print(_("The keyring was not updated: {reason}").format(reason=keyring.hint))
    for note in result.notes:
        print(note)
    return EXIT_OK


def _undo(path: Path) -> int:
    from wizard.store.rotate import undo_last

    undone = undo_last(path)
    print(_("Restored {path} from {backup}; the version it replaced is in {saved}. The "
            "keyring was not changed.").format(path=undone.path, backup=undone.backup,
                                               saved=undone.saved))
    return EXIT_OK
