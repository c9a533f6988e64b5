"""Print the README's example output: real runs of the CLI against loopback servers.

Run: python scripts/readme_examples.py > /tmp/examples.txt
A loopback DNS zone stands in for example.org's records; the servers are the package's
own local server (the one `--demo` uses), with a throw-away CA.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dns_server import DnsServer  # noqa: E402

from wizard.demo.servers import ServerOptions, SmtpServer, make_certs  # noqa: E402

WIKI = """<?php
$wgSitename = "Example Wiki";
$wgServer = "https://wiki.example.org";
set_include_path(__DIR__ . "/lib");
$wgEnableEmail = true;
$wgSMTP = [
    'host' => 'localhost',
    'port' => {port},
    'auth' => true,
    'username' => 'wiki@example.org',
    'password' => 's3cret',
];
"""


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> None:
    shown = " ".join(args)
    print(f"$ {'echo $PASSWORD | ' if stdin else ''}smtp-wizard {shown}")
    result = subprocess.run([sys.executable, "-m", "wizard", *args], input=stdin, text=True,
                            capture_output=True, cwd=ROOT, env={**os.environ, **(env or {})})
    print((result.stdout + result.stderr).rstrip())
    print(f"[exit {result.returncode}]\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        certs = make_certs(Path(tmp))
        good = SmtpServer(ServerOptions(mode="starttls"), certs).start()
        tls = SmtpServer(ServerOptions(mode="implicit"), certs).start()
        expired = SmtpServer(ServerOptions(mode="starttls", cert="expired"), certs).start()
        picky = SmtpServer(ServerOptions(mode="starttls", reject_senders={
            "apache@wiki.example.org"}), certs).start()
        rotating = SmtpServer(ServerOptions(mode="starttls", users={
            "wiki@example.org": "n3w-Secret"}), certs).start()
        wiki = Path(tmp) / "wiki"
        wiki.mkdir()
        (wiki / "LocalSettings.php").write_text(WIKI.format(port=picky.port))
        dns = DnsServer({
            "_submissions._tcp.example.org": {"SRV": [f"0 1 {tls.port} mail.example.org."]},
            "_submission._tcp.example.org": {"SRV": [f"0 1 {good.port} mail.example.org."]},
            "example.org": {"MX": ["10 mx1.example.org."]},
            "mail.example.org": {"A": ["127.0.0.1"]},
        }).start()
        ca = ["--ca-file", str(certs.ca_file)]
        user = ["--user", "wiki@example.org", "--password-stdin"]
        try:
            run("check", "localhost", "--port", str(good.port), *user,
                "--sender", "wiki@example.org", "--rcpt", "admin@example.net", *ca,
                stdin="s3cret")
            run("check", "localhost", "--port", str(expired.port), *user, *ca, stdin="s3cret")
            run("check", "localhost", "--port", str(good.port), *user, "-v", *ca,
                stdin="wrong")
            run("discover", "alice@example.org", "--nameserver", f"127.0.0.1:{dns.port}",
                "--timeout", "3")
            run("doctor", str(wiki), *ca)
            (wiki / "LocalSettings.php").write_text(WIKI.format(port=rotating.port))
            run("rotate", "--localsettings", str(wiki), "--password-stdin", "--no-keyring",
                *ca, stdin="n3w-Secret")
            run("render", "ssl://smtp.example.org", "--user", "wiki@example.org",
                "--password-mode", "env", "--sender", "wiki@example.org",
                "--id-host", "wiki.example.org")
        finally:
            for server in (good, tls, expired, picky, rotating):
                server.stop()
            dns.stop()


if __name__ == "__main__":
    main()
