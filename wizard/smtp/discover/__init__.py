"""From an address or a mail domain to ranked, live-tested submission endpoints.

1. Candidates, best first (`candidates`): the domain's RFC 6186 SRV records
   (`_submissions` = implicit TLS before `_submission` = STARTTLS), the domain's own
   autoconfig file (`wizard.smtp.autoconfig`, Thunderbird's order), a curated provider
   preset (by the address's domain or by an MX host), Thunderbird's ISPDB (shipped, by
   domain or MX parent domain; online for a domain it lacks), the MX hosts themselves, then
   the guesses `smtp.<domain>` and `mail.<domain>`. A host appears once, with its best
   source; the notes of a preset naming the same host are kept.
2. Every candidate is resolved, then probed on the standard ports plus its own SRV or
   preset port, all at once (`search`): what is known offline at once, what the web adds
   as soon as it arrives. The whole run, DNS and HTTPS included, ends within `timeout`.
3. The endpoints that speak SMTP are ranked (`results.rank_endpoints`): implicit TLS on
   465 or STARTTLS on 587 first, then other SRV-advertised ports, other ports, port 25
   (throttled on EC2 and often blocked), and last plain SMTP without STARTTLS, which is
   never recommended.
4. The recommendation is known as soon as every probe that could rank above the best
   endpoint so far has answered or failed (`search.Search.decided`): one blackholed host
   of lower rank does not hold it back until the deadline.

`discover()` returns a typed `Discovery`: the report of steps (worded in `steps`), the
candidates, the ranked endpoints and the recommendation; with `wait_all=False` it returns
as soon as the recommendation is known, listing what had not answered as pending. Its
`on_progress` sees every step and port as it comes, and that early `Discovery` too.
`Discovery.to_dict()` is the JSON form, for the command line's `--json` only.
"""

from wizard.smtp.discover.results import Candidate, Discovery, Endpoint, Source, rank_endpoints
from wizard.smtp.discover.run import DEFAULT_PORTS, ProgressCallback, discover

__all__ = [
    "DEFAULT_PORTS",
    "Candidate",
    "Discovery",
    "Endpoint",
    "ProgressCallback",
    "Source",
    "discover",
    "rank_endpoints",
]
