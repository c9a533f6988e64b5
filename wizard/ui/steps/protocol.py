"""Protocol prefix: none, `ssl://` or `tls://`, and which of them this server supports."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import RadioButton, RadioSet, Static

from wizard.model.i18n import N_, _
from wizard.model.settings import Security
from wizard.smtp.ports import PortResult, PortState
from wizard.ui.messages import PortsProbed
from wizard.ui.steps.base import StepScreen
from wizard.ui.widgets import Choice, ChoiceSet

__all__ = ["ProtocolScreen"]

# Short labels (a radio button is one line, and 60 columns must do); what each means is
# written out below the choices, where it can wrap.
_CHOICES: list[tuple[str, Security, str, str]] = [
    ("none", Security.STARTTLS, N_("no prefix (STARTTLS)"),
     N_("no prefix: plain connect, then STARTTLS; port 587 or 25.")),
    ("ssl", Security.TLS, N_("ssl:// (TLS first)"),
     N_("ssl://: TLS from the first byte (implicit TLS); port 465.")),
    ("tls", Security.TLS, N_("tls:// (TLS first)"),
     N_("tls://: the same as ssl:// in PHP, NOT STARTTLS; port 465.")),
]


class ProtocolScreen(StepScreen):
    STEP_ID = "protocol"
    STEP_TITLE = N_("Protocol prefix")
    INTRO = N_("How MediaWiki's $wgSMTP['host'] starts decides how the connection is "
               "protected. The wizard probes the server to show which choices work. "
               "Arrows pick, Enter takes the choice and goes on.")
    HELP = N_("PHP opens ssl:// and tls:// hosts with TLS from the first byte; that is "
              "implicit TLS, normally on port 465. Without a prefix PEAR connects in plain "
              "text and upgrades with STARTTLS before logging in, normally on port 587. "
              "Choosing tls:// for port 587 is the most common mistake. The snippet always "
              "writes ssl:// for TLS from the first byte.")

    def compose_body(self) -> ComposeResult:
        with ChoiceSet(id="prefix"):
            for key, _security, label, _meaning in _CHOICES:
                yield Choice(_(label), id=f"prefix-{key}")
        yield Static("\n".join(_(meaning) for *_rest, meaning in _CHOICES), id="meanings",
                     markup=False)
        yield Static(_("Probing the server…"), id="support", markup=False)
        yield Static("", id="mismatch", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        settings = self.state.settings
        assert settings is not None
        key = "ssl" if settings.security is Security.TLS else "none"
        self.query_one(f"#prefix-{key}", RadioButton).value = True
        self.query_one("#prefix", RadioSet).focus()
        self._show_mismatch()
        if self.state.port_results:
            self._show_support(self.state.port_results)
        else:
            self._probe()

    @property
    def chosen(self) -> Security:
        pressed = self.query_one("#prefix", RadioSet).pressed_index
        return _CHOICES[max(pressed, 0)][1]

    @work(exclusive=True, group="protocol-probe", exit_on_error=False,
          description="Port probe")
    async def _probe(self) -> None:
        settings = self.state.settings
        assert settings is not None
        ports = list(dict.fromkeys((*self.state.candidate_ports, settings.port)))
        results = await self.services.probe_ports(
            [(settings.ascii_host, port) for port in ports], timeout=self.state.timeout)
        self.post_message(PortsProbed(results))

    @on(PortsProbed)
    def take_probe(self, event: PortsProbed) -> None:
        self.state.port_results = event.results
        self._show_support(event.results)

    def _show_support(self, results: list[PortResult]) -> None:
        starttls = [r.port for r in results if r.state is PortState.STARTTLS]
        implicit = [r.port for r in results if r.state is PortState.IMPLICIT_TLS]
        lines = [
            (_("✓ no prefix works on port {ports} (STARTTLS).").format(
                ports=", ".join(map(str, starttls))) if starttls else
             _("✗ no port answered with STARTTLS: no prefix will not work.")),
            (_("✓ ssl:// or tls:// works on port {ports} (TLS first).").format(
                ports=", ".join(map(str, implicit))) if implicit else
             _("✗ no port answered with TLS first: ssl:// and tls:// will not work.")),
        ]
        self.query_one("#support", Static).update("\n".join(lines))

    @on(RadioSet.Changed, "#prefix")
    def prefix_changed(self) -> None:
        self._show_mismatch()

    def _show_mismatch(self) -> None:
        settings = self.state.settings
        assert settings is not None
        # Only the prefix/port hints can show: the choices are STARTTLS or TLS.
        hints = settings.replace(security=self.chosen).hints()
        text = "\n".join(f"! {hint}" for hint in hints)
        self.query_one("#mismatch", Static).update(text)

    def proceed(self) -> None:
        settings = self.state.settings
        assert settings is not None
        if settings.security is not self.chosen:
            self.state.settings = settings.replace(security=self.chosen)
            self.state.results.pop("credentials", None)
            self.state.results.pop("sender", None)
        self.go_next()
