"""Benchmark: concurrent port probes vs one after another, and a full live check.

Run: python bench/probes.py [--runs N]

Servers run in a child process, so the client's CPU time measured here is our own time
alone. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.hostile import blackhole_port, closed_port
from wizard.model.settings import Security, Settings
from wizard.smtp.check import CheckOptions, run_check
from wizard.smtp.ports import probe_ports

SERVERS = """
import json, sys, time
from pathlib import Path
from wizard.demo.servers import ServerOptions, SmtpServer, make_certs
certs = make_certs(Path(sys.argv[1]))
a = SmtpServer(ServerOptions(mode="starttls"), certs).start()
b = SmtpServer(ServerOptions(mode="implicit"), certs).start()
print(json.dumps({"starttls": a.port, "implicit": b.port, "ca": str(certs.ca_file)}), flush=True)
sys.stdin.read()
"""

DEADLINE = 2.0


# The implicit-TLS server is on a random port, so say so, as an SRV record would.
async def concurrent(targets: list[tuple[str, int]]) -> float:
    start = time.perf_counter()
    await probe_ports(targets, timeout=DEADLINE, tls_ports={targets[1][1]})
    return time.perf_counter() - start


async def sequential(targets: list[tuple[str, int]]) -> float:
    start = time.perf_counter()
    for target in targets:
        await probe_ports([target], timeout=DEADLINE, tls_ports={targets[1][1]})
    return time.perf_counter() - start


async def full_check(port: int, ca: str) -> tuple[float, float]:
    settings = Settings(host="127.0.0.1", port=port, security=Security.STARTTLS,
                        username="wiki@example.org", sender="wiki@example.org", ca_file=ca)
    wall, cpu = time.perf_counter(), time.process_time()
    report = await run_check(settings, "s3cret", CheckOptions(rcpt="someone@example.net"))
    assert report.ok, report.to_dict()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen([sys.executable, "-c", SERVERS, tmp], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True,
                                 cwd=Path(__file__).resolve().parent.parent)
        assert child.stdout is not None
        info = json.loads(child.stdout.readline())
        try:
            with blackhole_port() as hole, blackhole_port() as hole2, closed_port() as refused:
                good = [("127.0.0.1", info["starttls"]), ("127.0.0.1", info["implicit"])]
                for holes in ([hole], [hole, hole2]):
                    targets = good + [("127.0.0.1", port) for port in holes]
                    if len(holes) == 1:
                        targets.append(("127.0.0.1", refused))
                    conc = [asyncio.run(concurrent(targets)) for _ in range(runs)]
                    seq = [asyncio.run(sequential(targets)) for _ in range(runs)]
                    c, s = statistics.median(conc), statistics.median(seq)
                    print(f"port probes, 4 ports, {len(holes)} blackholed, deadline "
                          f"{DEADLINE:g} s, median of {runs}:")
                    print(f"  concurrent   {c * 1000:8.1f} ms")
                    print(f"  sequential   {s * 1000:8.1f} ms   ({s / c:.1f}x slower)")
            checks = [asyncio.run(full_check(info["starttls"], info["ca"]))
                      for _ in range(runs * 4)]
        finally:
            child.communicate("")
    wall = statistics.median(x[0] for x in checks)
    cpu = statistics.median(x[1] for x in checks)
    print(f"full check (STARTTLS + AUTH LOGIN + MAIL FROM + RCPT TO), median of {runs * 4}:")
    print(f"  wall time    {wall * 1000:8.1f} ms")
    print(f"  our CPU time {cpu * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
