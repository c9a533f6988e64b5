"""What the wizard leaves on the terminal when it ends: a plain-text trail.

The full-screen app clears the terminal when it exits; without this the admin would be
left with no record of what was written, where the backups went, what is still to do,
or how to test the settings again.
"""

from __future__ import annotations

import shlex

from wizard.model.i18n import _
from wizard.model.settings import Settings
from wizard.render import Target
from wizard.ui.state import WizardState

__all__ = ["EXIT_DONE", "EXIT_QUIT", "check_command", "exit_summary"]

EXIT_DONE, EXIT_QUIT = 0, 1


def exit_summary(state: WizardState, code: int) -> str:
    """The lines printed after the app ends with exit status `code`."""
    if code == EXIT_DONE:
        lines = [_("smtp-wizard: done.")]
    elif state.written:
        lines = [_("smtp-wizard: quit before finishing.")]
    else:
        lines = [_("smtp-wizard: quit before finishing; nothing was written.")]
    lines += [_("  wrote {path}").format(path=path) for path in state.written]
    lines += [_("  backup of the previous version: {path}").format(path=path)
              for path in state.backups]
    if state.backups:
        from wizard.store.files import backup_folder  # the file code, only when it wrote

        lines.append(_("Backups are kept in {folder}.").format(folder=backup_folder()))
    if state.copied:
        lines.append(_("The snippet was copied to the clipboard."))
    if state.stored_in is not None:
        lines.append(_("The password is stored in {where}.").format(
            where=state.stored_in.description))
    lines += list(dict.fromkeys(state.todo))
    if state.settings is not None and state.settings.host:
        lines.append(_("To test these settings again:"))
        lines.append("  " + check_command(state.settings, state))
        if state.demo is not None:
            lines.append(_("(The demo servers stopped with the wizard.)"))
    return "\n".join(lines)


def check_command(settings: Settings, state: WizardState) -> str:
    """The one `smtp-wizard check` command that repeats the wizard's live test; it asks
    for the password without echo, so none is ever on a command line."""
    words = ["smtp-wizard", "check", settings.mediawiki_host, "--port", str(settings.port),
             "--security", str(settings.security)]
    if settings.auth and settings.username:
        words += ["--user", settings.username]
    for option, value in (("--sender", settings.sender), ("--rcpt", state.rcpt),
                          ("--helo", settings.helo_name), ("--ca-file", state.ca_file)):
        if value:
            words += [option, value]
    if state.target is not Target.MEDIAWIKI:
        words += ["--client", "smtplib"]
    return shlex.join(words)
