"""The figures of README's "Reliability" section: every hostile case, in every locale.

Runs the cases of tests/support/hostile_cli.py through the real command line (hostile
servers in text, -v and --json output under en_US.UTF-8, C.UTF-8 and C; bad paths for
-o and --secrets-file; a password on standard input that is not UTF-8) and counts what
went wrong: leaks of the password, tracebacks, control characters that reached the
terminal, bytes of existing files lost, files left behind, wrong exit codes or
diagnoses. Each unclean run is listed. Exit code 1 if there was any.

Run from the repository root: `python scripts/reliability.py` (as root, the cases that
need a second account or chattr +i run too).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.hostile_cli import (
    FILE_CASES,
    FILE_OPTIONS,
    LOCALES,
    MODES,
    PEER_CASES,
    STDIN_COMMANDS,
    Outcome,
    run_file_case,
    run_peer_case,
    run_stdin_case,
)
from wizard.demo.servers import make_certs


def main() -> int:
    outcomes: list[Outcome] = []
    skipped = 0
    with tempfile.TemporaryDirectory() as folder:
        certs = Path(folder)
        make_certs(certs)
        # Never /var/backups: whatever a run backs up stays in this run's folder.
        os.environ["SMTP_WIZARD_BACKUP_DIR"] = str(certs / "backups")
        for name in PEER_CASES:
            for locale in LOCALES:
                outcomes += [run_peer_case(name, mode, locale, certs) for mode in MODES]
        for case in FILE_CASES:
            for option in FILE_OPTIONS:
                for locale in LOCALES:
                    outcome = run_file_case(case, option, locale)
                    skipped += outcome is None
                    outcomes += [outcome] if outcome is not None else []
        for command in STDIN_COMMANDS:
            outcomes += [run_stdin_case(command, locale) for locale in LOCALES]
    behaviours = len(PEER_CASES) + len(FILE_CASES) * len(FILE_OPTIONS) + len(STDIN_COMMANDS)
    figures = {
        "hostile behaviours tried": behaviours,
        "runs": len(outcomes),
        "runs skipped (need root)": skipped,
        "leaks of the password": sum(bool(o.leaks) for o in outcomes),
        "tracebacks": sum(o.traceback for o in outcomes),
        "control characters that reached the terminal": sum(bool(o.controls)
                                                            for o in outcomes),
        "bytes lost": sum(o.bytes_lost for o in outcomes),
        "files left half-written": sum(len(o.strays) for o in outcomes),
        "wrong exit code or diagnosis": sum(o.exit_code != o.expected_exit or bool(o.problems)
                                            for o in outcomes),
    }
    for label, value in figures.items():
        print(f"{label:<46} {value}")
    dirty = [o for o in outcomes if not o.clean]
    for outcome in dirty:
        print(f"UNCLEAN {outcome.case}: exit {outcome.exit_code}, leaks {outcome.leaks}, "
              f"controls {outcome.controls}, lost {outcome.bytes_lost}, "
              f"strays {outcome.strays}, {outcome.problems}")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
