"""How soon smtp-wizard answers, each figure a ratio to a baseline timed in the same run.

Every row is a whole process, timed as paired runs (the program, then its baseline, in
alternating order); the figures are medians, the ratio the median of the pairs' ratios.
The servers run on loopback in a process of their own (`bench/loopback.py`).

- discovery: `discover alice@example.test --timeout 3` for a domain with an SRV host that
  answers at once and an MX host that is blackholed, until the recommendation is printed;
  against the deadline; and the same in the wizard's Host step (`bench/host_step.py`);
- a silent port (it accepts and never greets): `check 127.0.0.1 --port P --timeout 2`;
  against the timeout;
- a full check (STARTTLS, AUTH, MAIL FROM, RCPT TO): `check localhost ...`; against
  `bench/baselines/smtp_minimal.py`, the same conversation with aiosmtplib alone;
- `--help` and `check --help`; against `python -c pass`;
- the wizard's first screen at 80x24 (and with `--demo`), time and peak memory; against
  `bench/baselines/one_label.py`, a Textual app of one Label.

swaks, the other baseline worth having for the check, is used when installed. The
package's bytecode is written first, as installing it does (`timing.compile_package`).
Run from the repository root (as root for the discovery row, whose servers listen on
ports 465 and 587 of 127.0.0.2 and 127.0.0.3):
`python bench/answers.py [--runs N] [--only GROUP ...]`; it prints README's table
(GROUP: discovery, host-step, cli, screen).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from timing import (
    ROOT,
    Paired,
    compile_package,
    first_screen,
    pairs_of,
    summary,
    until_line,
    wall,
)

USER, PASSWORD, RCPT = "wiki@example.org", "s3cret", "admin@example.net"
DEADLINE = 3.0
SILENT_TIMEOUT = 2.0
SCREEN_TEXT = "Rotate the SMTP password"


@dataclass(frozen=True)
class Row:
    what: str
    program: str
    baseline: str
    ratio: float
    target: str
    met: bool | None
    """None: a figure for comparison, without a target."""


def _wizard() -> list[str]:
    """`smtp-wizard` as installed beside this Python, else `python -m wizard`."""
    script = Path(sysconfig.get_path("scripts")) / "smtp-wizard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "wizard"]


def _env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LC_", "LANGUAGE", "SMTP_WIZARD"))}
    return {**env, "LANG": "C.UTF-8", "HOME": str(home), "XDG_CONFIG_HOME": str(home),
            "XDG_DATA_HOME": str(home), "TERM": "xterm-256color", "PW": PASSWORD}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _row(what: str, timed: Paired, program: str, baseline: str, limit: float | None,
         unit: Callable[[float], str] = _ms) -> Row:
    return Row(what, f"{program} {unit(timed.program)}", f"{baseline} {unit(timed.baseline)}",
               timed.ratio, f"≤ {limit:g} ×" if limit else "-",
               None if limit is None else timed.ratio <= limit)


def cli_rows(info: dict[str, object], env: dict[str, str], runs: int) -> list[Row]:
    wizard, python = _wizard(), sys.executable
    rows = []
    for args in (["--help"], ["check", "--help"]):
        timed = summary(pairs_of(functools.partial(wall, [*wizard, *args], env),
                                 functools.partial(wall, [python, "-c", "pass"], env), runs))
        rows.append(_row(f"`smtp-wizard {' '.join(args)}`", timed, "", "`python -c pass`", 3))
    check = [*wizard, "check", "localhost", "--port", str(info["starttls"]), "--user", USER,
             "--password-env", "PW", "--sender", USER, "--rcpt", RCPT,
             "--ca-file", str(info["ca_file"])]
    minimal = [python, str(ROOT / "bench/baselines/smtp_minimal.py"), "localhost",
               str(info["starttls"]), str(info["ca_file"]), USER, USER, RCPT]
    rows.append(_row("one full check (STARTTLS, AUTH, MAIL, RCPT)",
                     summary(pairs_of(lambda: wall(check, env), lambda: wall(minimal, env),
                                      runs)),
                     "", "aiosmtplib script", 1.2))
    swaks = shutil.which("swaks")
    if swaks:
        script = [swaks, "--server", f"localhost:{info['starttls']}", "--tls",
                  "--tls-ca-path", str(info["ca_file"]), "--auth", "LOGIN", "--auth-user",
                  USER, "--auth-password", PASSWORD, "--from", USER, "--to", RCPT,
                  "--quit-after", "RCPT"]
        rows.append(_row("the same check", summary(pairs_of(
            lambda: wall(check, env), lambda: wall(script, env), runs)), "", "swaks", None))
    silent = [*wizard, "check", "127.0.0.1", "--port", str(info["silent"]), "--timeout",
              f"{SILENT_TIMEOUT:g}"]
    rows.append(_row(f"a silent port, `--timeout {SILENT_TIMEOUT:g}`",
                     summary([(wall(silent, env, expect=1), SILENT_TIMEOUT)
                              for _run in range(runs)]), "", "the timeout", 1.1))
    return rows


def discovery_rows(info: dict[str, object], env: dict[str, str], runs: int) -> list[Row]:
    if info["dns"] is None:
        print("discovery rows skipped: their servers need root (ports 465 and 587)",
              file=sys.stderr)
        return []
    command = [*_wizard(), "discover", "alice@example.test", "--timeout", f"{DEADLINE:g}",
               "--nameserver", f"127.0.0.1:{info['dns']}"]
    shown = [until_line(command, env, "✓ recommend") for _run in range(runs)]
    rows = [_row("discovery, an SRV host that answers and a blackholed MX host: the "
                 "recommendation printed", _median_of(shown, 0), "", "the deadline", 0.2,
                 _seconds),
            _row("the same, whole process", _median_of(shown, 1), "", "the deadline", None,
                 _seconds)]
    waited = [until_line([*command, "--wait-all"], env, "✓ recommend")
              for _run in range(runs)]
    rows.append(_row("the same with `--wait-all` (every probe answers or times out), "
                     "whole process", _median_of(waited, 1), "", "the deadline", None,
                     _seconds))
    return rows


def host_step_rows(info: dict[str, object], env: dict[str, str], runs: int) -> list[Row]:
    """The discovery row's zone in the wizard's Host step (`bench/host_step.py`)."""
    if info["dns"] is None:
        print("the Host step row is skipped: its servers need root (ports 465 and 587)",
              file=sys.stderr)
        return []
    host_step = [sys.executable, str(ROOT / "bench/host_step.py"), str(info["dns"]),
                 f"{DEADLINE:g}"]
    try:
        typed = [float(subprocess.run(host_step, cwd=ROOT, env=env, capture_output=True,
                                      text=True, check=True).stdout) for _run in range(runs)]
    except (subprocess.CalledProcessError, ValueError) as exc:
        print(f"the Host step row is left out: {exc}", file=sys.stderr)
        return []
    return [_row("the same in the wizard's Host step: the first suggestion shown after the "
                 "address is typed (the step waits 0.5 s for typing to pause)",
                 summary([(t, DEADLINE) for t in typed]), "", "the deadline", 0.2, _seconds)]


def _seconds(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _median_of(times: list[tuple[float, float]], index: int) -> Paired:
    return summary([(t[index], DEADLINE) for t in times])


def screen_rows(env: dict[str, str], runs: int) -> list[Row]:
    baseline = [sys.executable, str(ROOT / "bench/baselines/one_label.py")]
    rows = []
    # The target is the plain wizard's; the demo first makes its CA and certificates and
    # starts its servers, a row of its own for comparison.
    for what, args, limit in (("the wizard's first screen at 80x24", [], 1.3),
                              ("the same with `--demo` (it makes its certificates first)",
                               ["--demo"], None)):
        shown = pairs_of(functools.partial(first_screen, [*_wizard(), *args], env, SCREEN_TEXT),
                         functools.partial(first_screen, baseline, env, SCREEN_TEXT), runs)
        rows.append(_row(what, summary([(p[0], b[0]) for p, b in shown]), "",
                         "one-Label Textual app", limit))
        rows.append(_row(what + ": peak RSS", summary([(p[1], b[1]) for p, b in shown]), "",
                         "one-Label Textual app", limit, lambda mib: f"{mib:.0f} MiB"))
    return rows


def markdown(rows: list[Row], runs: int) -> str:
    lines = [f"| what (whole process, median of {runs} paired runs) | smtp-wizard | "
             "baseline | ratio | target |", "|---|---|---|---|---|"]
    for row in rows:
        mark = "" if row.met is None else (" ✓" if row.met else " ✗")
        lines.append(f"| {row.what} | {row.program.strip()} | {row.baseline} | "
                     f"{row.ratio:.2f} × | {row.target}{mark} |")
    return "\n".join(lines)


ROWS: dict[str, Callable[[dict[str, object], dict[str, str], int], list[Row]]] = {
    "discovery": discovery_rows,
    "host-step": host_step_rows,
    "cli": cli_rows,
    "screen": lambda _info, env, runs: screen_rows(env, runs),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="paired runs per row (≥ 7)")
    parser.add_argument("--only", action="append", choices=sorted(ROWS),
                        help="measure only these groups of rows (repeatable); all by default")
    args = parser.parse_args()
    runs, groups = args.runs, args.only or list(ROWS)
    compile_package()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        home.mkdir()
        env = _env(home)
        servers = subprocess.Popen([sys.executable, str(ROOT / "bench/loopback.py"), folder],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                   cwd=ROOT)
        assert servers.stdout is not None
        try:
            info = json.loads(servers.stdout.readline())
            rows = [row for group in groups for row in ROWS[group](info, env, runs)]
        finally:
            servers.communicate("")
    if "cli" in groups and not shutil.which("swaks"):
        print("swaks is not installed: its row is left out", file=sys.stderr)
    print(markdown(rows, runs))


if __name__ == "__main__":
    main()
