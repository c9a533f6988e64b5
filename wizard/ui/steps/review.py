"""Review & write: target, where the password lives, a preview, then write on confirmation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.syntax import Syntax
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from wizard.mediawiki.localsettings import LintOutcome, LocalSettingsError
from wizard.model.fields import SettingsError
from wizard.model.i18n import N_, _, ngettext
from wizard.render import (
    PasswordMode,
    Rendered,
    RenderError,
    RenderOptions,
    Target,
    render,
)
from wizard.store.files import backup_folder
from wizard.store.install import (
    NotConfirmedError,
    PatchOptions,
    SecretsAccessError,
    Written,
    write_patch,
    write_snippet,
)
from wizard.ui.modals import ConfirmModal
from wizard.ui.steps.base import StepScreen
from wizard.ui.widgets import Choice, ChoiceSet, step_label

__all__ = ["MASK", "ReviewScreen"]

MASK = "********"
"""Stands for the password in the preview, so it never reaches the screen."""

_TARGETS: list[tuple[Target, str]] = [
    (Target.MEDIAWIKI, "MediaWiki"), (Target.DJANGO, "Django"),
    (Target.SMTPLIB, "smtplib"), (Target.MOINMOIN, "MoinMoin"),
]
# Short labels: the four must fit one row of an 80-column terminal.
_MODES: list[tuple[PasswordMode, str]] = [
    (PasswordMode.ENV, N_("env variable")),
    (PasswordMode.FILE, N_("secrets file")),
    (PasswordMode.INLINE, N_("inline")),
    (PasswordMode.KEYRING, N_("keyring (Python)")),
]


class ReviewScreen(StepScreen):
    STEP_ID = "review"
    STEP_TITLE = N_("Review & write")
    INTRO = N_("Choose the software and where it reads the password; nothing is written "
               "until you confirm.")
    HELP = N_("The preview shows the snippet with the password masked. “Write file” saves "
              "it (and a secrets file, mode 0600, if chosen); “Patch LocalSettings.php” "
              "replaces only the wizard's block, after a timestamped backup; “Copy” puts "
              "it on the clipboard through the terminal (OSC 52, works over SSH). Each "
              "write asks first. Finish leaves the wizard.")

    def compose_body(self) -> ComposeResult:
        yield Label(_("The software that sends the mail:"), classes="field-label")
        with ChoiceSet(id="target", classes="row"):
            for target, label in _TARGETS:
                yield Choice(label, id=f"target-{target}")
        yield Label(_("The snippet reads the password from:"), classes="field-label")
        with ChoiceSet(id="password-mode", classes="row"):
            for mode, label in _MODES:
                yield Choice(_(label), id=f"mode-{mode}")
        yield Static("", id="where", markup=False)
        # No box of its own that scrolls: the page scrolls, and the snippet is whole.
        yield Static("", id="preview")
        yield Static("", id="secret-lines", markup=False)
        yield Label(_("Write the snippet to:"), classes="field-label")
        yield Input(id="path", placeholder=_("e.g. /srv/wiki/smtp_settings.php"))
        with Horizontal(id="actions"):
            yield Button(_("Write file"), id="write", compact=True)
            yield Button(_("Patch LocalSettings.php"), id="patch", compact=True,
                         disabled=self.state.localsettings is None)
            yield Button(_("Copy"), id="copy", compact=True)
        yield Static("", id="written", markup=False)
        yield Static("", id="written-problems", markup=False)
        yield Static("", id="summary", markup=False)

    def next_label(self) -> str:
        return _("Finish")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(f"#target-{self.state.target}", RadioButton).value = True
        self.query_one(f"#mode-{self.state.password_mode}", RadioButton).value = True
        self._show_summary()
        self._refresh()
        self.query_one("#target", RadioSet).focus()

    @on(RadioSet.Changed, "#target")
    def target_changed(self, event: RadioSet.Changed) -> None:
        target = _TARGETS[event.index][0]
        if target is not self.state.target:
            self.state.target = target
            self.query_one("#path", Input).value = ""
        self._refresh()

    @on(RadioSet.Changed, "#password-mode")
    def mode_changed(self, event: RadioSet.Changed) -> None:
        self.state.password_mode = _MODES[event.index][0]
        self._refresh()

    @on(Input.Changed, "#path")
    def path_changed(self) -> None:
        self._refresh(keep_path=True)

    def _options(self, *, masked: bool) -> RenderOptions:
        password = self.state.password
        folder = self._path().parent
        secrets = folder / ("smtp_password.php" if self.state.target is Target.MEDIAWIKI
                            else "smtp_password")
        return RenderOptions(password_mode=self.state.password_mode,
                             password=MASK if masked and password else password,
                             secrets_path=str(secrets))

    def _snippet(self, *, masked: bool) -> Rendered:
        settings = self.state.settings
        assert settings is not None
        return render(settings, self.state.target, self._options(masked=masked))

    def _path(self) -> Path:
        text = self.query_one("#path", Input).value.strip()
        return Path(text).expanduser().absolute() if text else Path.cwd() / (
            "smtp_settings.php" if self.state.target is Target.MEDIAWIKI else "smtp_settings.py")

    def _refresh(self, *, keep_path: bool = False) -> None:
        where = self.query_one("#where", Static)
        stored = self.state.stored_in
        lines = [_("Keyring: {where}.").format(where=stored.description) if stored else
                 _("Keyring: the password was not stored.")]
        try:
            preview = self._snippet(masked=True)
        except RenderError as exc:
            where.update("\n".join([*lines, f"✗ {exc.message}"]))
            self.query_one("#preview", Static).update("")
            self._enable_writes(False)
            return
        if preview.secrets_file is not None:
            lines.append(_("Secrets file (mode 0600): {path}").format(
                path=preview.secrets_file[0]))
        where.update("\n".join(lines))
        # Tabs expanded: Rich drops a leading tab when it wraps a line.
        text = preview.snippet.expandtabs(4)
        secret = self._secret_lines(text)
        self.query_one("#preview", Static).update(Syntax(
            text, preview.language, theme="ansi_dark", word_wrap=True, line_numbers=True,
            highlight_lines=set(secret)))
        self.query_one("#secret-lines", Static).update(ngettext(
            "Line {lines} holds the password (masked here).",
            "Lines {lines} hold the password (masked here).", len(secret)).format(
                lines=", ".join(map(str, secret))) if secret else "")
        if not keep_path and not self.query_one("#path", Input).value:
            with self.prevent(Input.Changed):
                self.query_one("#path", Input).value = str(Path.cwd() / preview.filename)
        self._enable_writes(True)

    def _secret_lines(self, text: str) -> list[int]:
        """The snippet's lines that hold the password or say where it comes from."""
        marks = [MASK, self._options(masked=True).env_var]
        if self.state.password_mode is PasswordMode.FILE:
            marks.append(str(self._options(masked=True).secrets_path))
        return [number for number, line in enumerate(text.splitlines(), 1)
                if any(mark in line for mark in marks)
                and not line.lstrip().startswith(("//", "#"))]

    def _enable_writes(self, enabled: bool) -> None:
        self.query_one("#write", Button).disabled = not enabled
        self.query_one("#copy", Button).disabled = not enabled
        self.query_one("#patch", Button).disabled = not enabled or (
            self.state.localsettings is None or self.state.target is not Target.MEDIAWIKI)

    def _show_summary(self) -> None:
        rows = self.state.summary()
        width = max((len(step_label(step)) for step, _status, _summary in rows), default=0)
        text = [_("Checks:")] + [f"{status.mark} {step_label(step):<{width}}  {summary}"
                                 for step, status, summary in rows]
        if not rows:
            text.append(_("- no live check ran"))
        self.query_one("#summary", Static).update("\n".join(text))

    # -- writing (only after a confirmation) ----------------------------------------------

    @on(Button.Pressed, "#write")
    def write_file(self) -> None:
        try:
            rendered = self._snippet(masked=False)
        except RenderError as exc:
            self.set_hint(exc.message)
            return
        path = self._path()
        files = [str(path)] + ([rendered.secrets_file[0]] if rendered.secrets_file else [])
        verb = _("Replace") if path.exists() else _("Write")
        question = _("{verb} {files}?").format(verb=verb, files=_(" and ").join(files))

        def confirmed(yes: bool | None) -> None:
            if not yes:
                self.set_hint(_("Nothing was written."))
                return
            try:
                written = write_snippet(rendered, path, holds_password=(
                    self.state.password_mode is PasswordMode.INLINE))
            except SettingsError as exc:  # the secrets file would overwrite the snippet
                self.set_hint(exc.message)
                return
            except OSError as exc:
                self.set_hint(_("Could not write {path}: {error}").format(
                    path=exc.filename or path, error=exc.strerror or exc))
                return
            self._written([line for item in written for line in _written_lines(item)],
                          [str(item.path) for item in written],
                          [str(item.backup) for item in written if item.backup is not None])

        self.app.push_screen(ConfirmModal(question), confirmed)

    @on(Button.Pressed, "#patch")
    def patch_localsettings(self) -> None:
        path = self.state.localsettings
        assert path is not None
        try:
            rendered = self._snippet(masked=False)
        except RenderError as exc:
            self.set_hint(exc.message)
            return
        options = self._patch_options()
        shown: list[str] = []

        def preview(diff: str) -> bool:
            shown.append(diff)
            return False  # the question comes first, in the modal

        # The core plans the change and hands its diff to `confirm`: asked once to see
        # it, then again after the yes, writing only if the change is still the one shown.
        if not self._patch(rendered, path, dataclasses.replace(options, confirm=preview)):
            return  # nothing needed a confirmation (already up to date), or an error
        question = _("Write this change to {path}? A private timestamped backup is made "
                     "first (in {folder}).").format(path=path, folder=backup_folder())

        def confirmed(yes: bool | None) -> None:
            if not yes:
                self.set_hint(_("Nothing was written."))
                return
            if self._patch(rendered, path, dataclasses.replace(
                    options, confirm=lambda diff: diff == shown[0])):
                self.set_hint(_("The file changed since the change was shown; nothing was "
                                "written. Press Patch again to see the change now."))

        self.app.push_screen(ConfirmModal(question, diff=shown[0]), confirmed)

    def _patch_options(self) -> PatchOptions:
        """What the diff masks, and what the warnings after the patch are about."""
        password, mode = self.state.password, self.state.password_mode
        settings = self.state.settings
        env = mode is PasswordMode.ENV and settings is not None and settings.auth
        return PatchOptions(secrets=(password,) if password else (),
                            holds_password=mode is PasswordMode.INLINE and bool(password),
                            env_var=self._options(masked=True).env_var if env else None)

    def _patch(self, rendered: Rendered, path: Path, options: PatchOptions) -> bool:
        """Patch LocalSettings.php and show what was written, or say why not. True:
        `options.confirm` refused the change, and nothing was written."""
        try:
            result, written = write_patch(rendered, path, expected=self.state.localsettings_raw,
                                          options=options)
        except NotConfirmedError:
            return True
        except (LocalSettingsError, SettingsError, SecretsAccessError) as exc:
            self.set_hint(exc.message)
            return False
        except OSError as exc:
            self.set_hint(_("Could not write {path}: {error}").format(
                path=exc.filename, error=exc.strerror or exc))
            return False
        self.state.localsettings_raw = path.read_bytes()
        lines = [line for item in written for line in _written_lines(item)]
        if result.changed:
            lines.append(_("✓ Patched: {path} (backup: {backup})").format(
                path=path, backup=result.backup))
            if result.lint is LintOutcome.SKIPPED:
                lines.append(_("! PHP is not installed here, so the file's syntax was not "
                               "checked."))
        else:
            lines.append(_("✓ {path} already holds this block; nothing changed.").format(
                path=path))
        lines += [f"  {note}" for note in result.notes]
        lines += [f"! {warning}" for warning in result.warnings]
        self._written(lines, [*(str(item.path) for item in written), str(path)],
                      [str(backup) for backup in (*(item.backup for item in written),
                                                  result.backup) if backup is not None])
        return False

    def _written(self, lines: list[str], paths: list[str], backups: list[str]) -> None:
        """`lines` (each with its mark: ✓ done, ✗ or ! to act on) under the buttons."""
        self.state.written.extend(paths)
        self.state.backups.extend(backups)
        self._done()
        done = [line for line in lines if not line.lstrip().startswith(("✗", "!"))]
        problems = [line for line in lines if line.lstrip().startswith(("✗", "!"))]
        self.query_one("#written", Static).update("\n".join(done))
        shown = self.query_one("#written-problems", Static)
        shown.update("\n".join(problems))
        shown.display = bool(problems)
        self.bring_into_view(self.query_one("#written-problems" if problems else "#written",
                                            Static))
        self.set_hint(_("Done, with something to fix by hand: see the lines marked ✗ or !.")
                      if problems else _("Done. Press Finish to leave."))

    def _done(self) -> None:
        """The snippet left the wizard: note what the admin must still do by hand."""
        self.state.done = True
        if self.state.password_mode is not PasswordMode.ENV:
            return
        name = self._options(masked=True).env_var
        self.state.todo.append(
            _("Set the environment variable {name} to the SMTP password where the wiki "
              "runs (Apache: SetEnv; php-fpm: env[{name}] in the pool) and for cron and "
              "maintenance scripts.").format(name=name)
            if self.state.target is Target.MEDIAWIKI else
            _("Set the environment variable {name} to the SMTP password for the program "
              "that sends the mail.").format(name=name))

    @on(Button.Pressed, "#copy")
    def copy_snippet(self) -> None:
        try:
            rendered = self._snippet(masked=False)
        except RenderError as exc:
            self.set_hint(exc.message)
            return
        self.app.copy_to_clipboard(rendered.snippet)
        self.state.copied = True
        self._done()
        self.set_hint(_("Copied to the clipboard (through the terminal)."))

    @on(Input.Submitted, "#path")
    def path_submitted(self, event: Input.Submitted) -> None:
        # Enter after the path leads to the write button; writing still asks first.
        event.prevent_default()
        self.query_one("#write", Button).focus()

    def proceed(self) -> None:
        if self.state.written:
            self.go_next()
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.go_next()

        self.app.push_screen(ConfirmModal(_("Nothing was written. Leave anyway?")),
                             confirmed)


def _written_lines(item: Written) -> list[str]:
    """A file written, then each account that opened it (✓) or could not (✗), then what
    else to do by hand (!)."""
    head = dataclasses.replace(item, notes=(), warnings=()).describe()
    return [f"✓ {head}", *item.notes, *(warning if warning.lstrip().startswith("✗")
                                         else f"! {warning}" for warning in item.warnings)]
