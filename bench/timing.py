"""Timing whole processes for `bench/answers.py`: wall time, the moment a line is
printed, the moment a full-screen program first shows a text (in a pseudo-terminal), and
paired runs against a baseline."""

from __future__ import annotations

import compileall
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

# CSI and OSC sequences, and the other two-byte escapes: what is left is the text shown.
_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=$ ]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def compile_package() -> None:
    """Write the package's bytecode first, as installing it does (pip compiles at install
    time): a checkout run with PYTHONDONTWRITEBYTECODE (or read-only) would otherwise
    compile every module of smtp-wizard in every timed run, which no user's run does,
    while the baselines' libraries come compiled."""
    if not compileall.compile_dir(ROOT / "wizard", quiet=1):
        raise SystemExit("could not compile the wizard package")


@dataclass(frozen=True)
class Paired:
    """Medians of paired runs: the program, its baseline, and the ratio of each pair."""

    program: float
    baseline: float
    ratio: float


def summary(pairs: Sequence[tuple[float, float]]) -> Paired:
    """(program, baseline) pairs as their medians; the ratio is the median of the pairs'
    ratios."""
    return Paired(statistics.median(value for value, _base in pairs),
                  statistics.median(base for _value, base in pairs),
                  statistics.median(value / base for value, base in pairs))


def pairs_of(program: Callable[[], T], baseline: Callable[[], T],
             runs: int) -> list[tuple[T, T]]:
    """Run both `runs` times, alternating which goes first, so that neither always finds
    the caches warm."""
    pairs = []
    for index in range(runs):
        if index % 2:
            base = baseline()
            value = program()
        else:
            value = program()
            base = baseline()
        pairs.append((value, base))
    return pairs


def wall(command: Sequence[str], env: Mapping[str, str], *, expect: int = 0,
         stdin: str = "") -> float:
    """Seconds from starting `command` to its exit."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}, not {expect}:\n"
                         f"{done.stdout}{done.stderr}")
    return elapsed


def until_line(command: Sequence[str], env: Mapping[str, str],
               pattern: str) -> tuple[float, float]:
    """Seconds from start to the first output line containing `pattern`, and to exit."""
    start = time.perf_counter()
    seen = None
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if seen is None and pattern in line:
                seen = time.perf_counter() - start
    ended = time.perf_counter() - start
    if seen is None:
        raise SystemExit(f"{' '.join(command)} never printed {pattern!r}")
    return seen, ended


def first_screen(command: Sequence[str], env: Mapping[str, str], text: str, *,
                 size: tuple[int, int] = (80, 24), limit: float = 30.0) -> tuple[float, float]:
    """Seconds until a full-screen program, in a pseudo-terminal of `size` (columns,
    lines), first shows `text`, and its peak memory (RSS, MiB) by then. The program is
    then ended by SIGHUP, as when its terminal closes."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdin=slave, stdout=slave,
                             stderr=slave, start_new_session=True)
    os.close(slave)
    shown = b""
    try:
        while True:
            left = limit - (time.perf_counter() - start)
            if left <= 0:
                raise SystemExit(f"{' '.join(command)} never showed {text!r}")
            ready, _w, _x = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                shown += os.read(master, 65536)
            except OSError:  # the program ended: the terminal is gone
                raise SystemExit(f"{' '.join(command)} ended before showing {text!r}") \
                    from None
            if text.encode() in _ESCAPES.sub(b"", shown):
                elapsed = time.perf_counter() - start
                return elapsed, _peak_rss(child.pid)
    finally:
        _end(child)
        os.close(master)


def _peak_rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc: peak memory is measured on Linux only")


def _end(child: subprocess.Popen[bytes]) -> None:
    os.killpg(child.pid, signal.SIGHUP)
    try:
        child.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
