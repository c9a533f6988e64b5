"""A discovery's report steps: what DNS, the presets and each candidate's ports said."""

from __future__ import annotations

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.model.report import Status, Step
from wizard.model.settings import Security
from wizard.smtp.autoconfig import Lookup, best
from wizard.smtp.discover.candidates import Known
from wizard.smtp.discover.results import Candidate, Endpoint, Source
from wizard.smtp.dns import AddressResult, MxResult, Outcome, SrvResult
from wizard.smtp.https import FetchOutcome
from wizard.smtp.ports import PortResult, PortState

__all__ = [
    "autoconfig_step",
    "candidate_step",
    "dns_suggestion",
    "mx_step",
    "pending_autoconfig_step",
    "pending_candidate_step",
    "provider_step",
    "recommend_step",
    "srv_step",
]


def _security_text(security: Security) -> str:
    return {
        Security.TLS: _("TLS from the first byte (ssl://)"),
        Security.STARTTLS: _("STARTTLS"),
        Security.NONE: _("no encryption"),
    }[security]


def _state_text(result: PortResult) -> str:
    text = {
        PortState.IMPLICIT_TLS: _("SMTP over TLS from the first byte"),
        PortState.STARTTLS: _("SMTP with STARTTLS"),
        PortState.PLAIN: _("SMTP without STARTTLS"),
        PortState.REFUSED: _("connection refused"),
        PortState.TIMEOUT: _("no answer (filtered, or the deadline passed)"),
        PortState.SILENT: _("connected, but no SMTP greeting and no TLS"),
        PortState.NOT_SMTP: _("not SMTP"),
        PortState.ERROR: _("error"),
        PortState.PENDING: _("not answered yet (not waited for)"),
    }[result.state]
    if result.auth:
        text += " (AUTH " + " ".join(result.auth).upper() + ")"
    if result.detail:
        text += f": {result.detail}"
    return text


def _dns_diagnosis(outcome: Outcome, host: str, suggestion: str) -> Diagnosis | None:
    code = {Outcome.NXDOMAIN: "dns-nxdomain", Outcome.NO_ADDRESS: "dns-no-address",
            Outcome.TIMEOUT: "dns-timeout"}.get(outcome)
    return diagnose(code, host=host, suggestion=suggestion) if code else None


def srv_step(srv: SrvResult, elapsed: float) -> Step:
    details = tuple(
        f"_{r.service}._tcp.{srv.domain} → {r.target}:{r.port} "
        + _("(priority {priority}, weight {weight})").format(priority=r.priority,
                                                             weight=r.weight)
        for r in srv.records)
    details += tuple(_("_{service}._tcp.{domain} → “.”: not offered").format(
        service=service, domain=srv.domain) for service in srv.not_offered)
    if srv.records:
        summary = _("The domain names its submission servers in DNS (SRV): {hosts}.").format(
            hosts=", ".join(dict.fromkeys(f"{r.target}:{r.port}" for r in srv.records)))
        return Step("srv", Status.OK, summary, details, elapsed=elapsed)
    if srv.not_offered:
        return Step("srv", Status.OK, _("The domain states in DNS that it offers no "
                                        "submission service of its own."), details,
                    elapsed=elapsed)
    if srv.outcome in (Outcome.TIMEOUT, Outcome.ERROR):
        return Step("srv", Status.WARN, _("The SRV look-up failed: {error}").format(
            error=srv.error), diagnosis=_dns_diagnosis(
                srv.outcome, f"_submission._tcp.{srv.domain}", ""), elapsed=elapsed)
    return Step("srv", Status.OK, _("No SRV records for submission (most domains publish "
                                    "none)."), elapsed=elapsed)


def mx_step(mx: MxResult, elapsed: float) -> Step:
    if mx.records:
        return Step("mx", Status.OK, _("Mail for {domain} goes to {hosts}.").format(
            domain=mx.domain, hosts=", ".join(mx.hosts)),
            tuple(f"{r.preference} {r.host}" for r in mx.records), elapsed=elapsed)
    if mx.null_mx:
        return Step("mx", Status.OK, _("{domain} accepts no mail (null MX); its sending "
                                       "service may still be elsewhere.").format(
                                           domain=mx.domain), elapsed=elapsed)
    if mx.outcome is Outcome.NXDOMAIN:
        return Step("mx", Status.FAIL, _("The domain {domain} does not exist.").format(
            domain=mx.domain), diagnosis=_dns_diagnosis(mx.outcome, mx.domain, ""),
            elapsed=elapsed)
    if mx.outcome in (Outcome.TIMEOUT, Outcome.ERROR):
        return Step("mx", Status.WARN, _("The MX look-up failed: {error}").format(
            error=mx.error), diagnosis=_dns_diagnosis(mx.outcome, mx.domain, ""),
            elapsed=elapsed)
    return Step("mx", Status.OK, _("{domain} has no MX record.").format(domain=mx.domain),
                elapsed=elapsed)


def provider_step(known: Known) -> Step:
    """What the shipped knowledge says: curated presets, then the ISPDB snapshot."""
    matches = [(p.name, why) for p, why in known.presets]
    matches += [(_("ISPDB: {name}").format(name=c.name), why) for c, why in known.ispdb]
    if not matches:
        return Step("provider", Status.SKIPPED, _("No known provider matches this domain."))
    summary = "; ".join(_("{provider}: {why}").format(provider=name, why=why)
                        for name, why in matches)
    details = tuple(f"{p.name}: {note}" for p, _why in known.presets
                    for note in p.shown_notes())
    details += tuple(f"ISPDB {c.name}: {note}" for c, _why in known.ispdb
                     for note in c.notes())
    return Step("provider", Status.OK, _("Known provider — {matches}.").format(
        matches=summary), details)


def autoconfig_step(lookups: list[Lookup]) -> Step:
    """What the domain's autoconfig server, its well-known URL and the online ISPDB said;
    an answer refused as unsafe or too slow is a warning with what to do."""
    details = tuple(lookup.detail() for lookup in lookups)
    elapsed = max((lookup.elapsed for lookup in lookups), default=0.0)
    found = best(lookups)
    problems = [lookup for lookup in lookups if lookup.problem]
    if problems:
        first = problems[0]
        own = first.kind in ("autoconfig", "well-known")
        if first.outcome is FetchOutcome.TIMEOUT:
            summary = _("The {source} did not answer in time: {reason}. The other sources "
                        "are used instead.").format(source=first.source_text,
                                                    reason=first.reason)
            if own:
                summary += " " + _("If this persists, the domain's administrator should fix "
                                   "that server.")
        else:
            summary = _("The {source} gave an answer the wizard does not use: {reason}. The "
                        "other sources are used instead.").format(source=first.source_text,
                                                                  reason=first.reason)
            if own:
                summary += " " + _("The domain's administrator should fix or remove that "
                                   "file.")
        return Step("autoconfig", Status.WARN, summary, details, elapsed=elapsed)
    if found is not None and found.config is not None:
        hosts = ", ".join(dict.fromkeys(
            f"{s.host_for(found.domain)}:{s.port}" for s in found.config.servers))
        return Step("autoconfig", Status.OK, _("The {source} names {hosts}.").format(
            source=found.source_text, hosts=hosts), details, elapsed=elapsed)
    if not lookups:
        return Step("autoconfig", Status.SKIPPED, _("No autoconfig look-up was needed."))
    return Step("autoconfig", Status.OK, _("No autoconfig file was found online (most "
                                           "domains publish none)."), details,
                elapsed=elapsed)


def dns_suggestion(recommended: Endpoint | None, candidates: list[Candidate]) -> str:
    """The " such as host" tail for the DNS diagnoses: the best host that answered."""
    hosts = [recommended.host] if recommended else [
        c.host for c in candidates if c.source in (Source.SRV, Source.PRESET) and c.addresses]
    return _(", such as {hosts}").format(hosts=", ".join(hosts[:2])) if hosts else ""


def _label(candidate: Candidate, domain: str) -> str:
    source = {Source.SRV: _("SRV record"),
              Source.AUTOCONFIG: _("autoconfig server of {domain}").format(domain=domain),
              Source.PRESET: candidate.provider,
              Source.ISPDB: _("ISPDB: {name}").format(name=candidate.provider),
              Source.MX: _("MX host"), Source.GUESS: _("guess")}[candidate.source]
    return f"{candidate.host} ({source})"


def candidate_step(candidate: Candidate, found: AddressResult, suggestion: str,
                   domain: str = "") -> Step:
    """What one candidate's address look-up and ports said; `suggestion` from
    `dns_suggestion`, `domain` the mail domain (it names the autoconfig source)."""
    step_id = f"candidate:{candidate.host}"
    label = _label(candidate, domain)
    if not candidate.addresses:
        guess = candidate.source is Source.GUESS
        if guess and found.outcome in (Outcome.NXDOMAIN, Outcome.NO_ADDRESS):
            return Step(step_id, Status.SKIPPED, _("{host}: no such host.").format(
                host=label), (found.error,), elapsed=found.elapsed)
        return Step(step_id, Status.WARN, _("{host}: no address ({error}).").format(
            host=label, error=found.error), candidate.notes,
            _dns_diagnosis(found.outcome, candidate.host, suggestion), elapsed=found.elapsed)
    via = _(" from the hosts file") if found.source == "hosts" else ""
    details = (_("address: {addresses}{via}").format(
        addresses=", ".join(candidate.addresses), via=via),
        *(f"{r.port}: {_state_text(r)}" for r in sorted(candidate.results,
                                                       key=lambda r: r.port)),
        *candidate.notes)
    elapsed = found.elapsed + max((r.elapsed for r in candidate.results), default=0.0)
    secure = sorted({r.port for r in candidate.results
                     if r.state in (PortState.IMPLICIT_TLS, PortState.STARTTLS)})
    if secure:
        return Step(step_id, Status.OK, _("{host}: SMTP on port {ports}.").format(
            host=label, ports=", ".join(map(str, secure))), details, elapsed=elapsed)
    if any(r.state is PortState.PLAIN for r in candidate.results):
        return Step(step_id, Status.WARN, _("{host}: only SMTP without STARTTLS.").format(
            host=label), details, diagnose("starttls-missing"), elapsed=elapsed)
    # A published or known host that does not answer is news; a guess that does not is not.
    status = Status.SKIPPED if candidate.source in (Source.MX, Source.GUESS) else Status.WARN
    return Step(step_id, status, _("{host}: no SMTP service on the ports tried.").format(
        host=label), details, elapsed=elapsed)


def pending_candidate_step(candidate: Candidate, domain: str = "") -> Step:
    """A candidate still being looked up or probed when the answer was known: whatever
    it says, it cannot rank above the recommendation, so it was not waited for."""
    label = _label(candidate, domain)
    details = (*(f"{r.port}: {_state_text(r)}" for r in sorted(candidate.results,
                                                               key=lambda r: r.port)),
               *candidate.notes)
    return Step(f"candidate:{candidate.host}", Status.SKIPPED, _(
        "{host}: not waited for; it cannot rank above the recommendation.").format(
            host=label), details)


def pending_autoconfig_step() -> Step:
    return Step("autoconfig", Status.SKIPPED, _(
        "Not waited for: the web look-ups cannot change the recommendation."))


def recommend_step(recommended: Endpoint | None, endpoints: list[Endpoint],
                   candidates: list[Candidate]) -> Step:
    if recommended is None:
        if endpoints:
            return Step("recommend", Status.FAIL, _(
                "Only SMTP without STARTTLS was found; the wizard will not send a password "
                "that way."), diagnosis=diagnose("starttls-missing"))
        tried = sum(len(c.results) for c in candidates)
        return Step("recommend", Status.FAIL, _(
            "No SMTP submission service answered ({n} host and port combinations tried)."
        ).format(n=tried), (_("Ask the mail provider for its SMTP host and port, then run "
                              "a check with them."),))
    summary = _("Use {host} port {port} with {security}.").format(
        host=recommended.host, port=recommended.port,
        security=_security_text(recommended.security))
    others = tuple(f"{e.host}:{e.port} {_security_text(e.security)}"
                   for e in endpoints if e is not recommended)
    if recommended.port == 25:
        return Step("recommend", Status.WARN, summary + " " + _(
            "Port 25 is often blocked or throttled for clients (on Amazon EC2, for one); "
            "prefer 587 or 465 where the provider offers them."), others)
    return Step("recommend", Status.OK, summary, others)
