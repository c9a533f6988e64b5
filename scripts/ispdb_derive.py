"""Derive wizard/smtp/ispdb.json from a snapshot of Thunderbird's ISPDB.

    python3 scripts/ispdb_derive.py [SNAPSHOT] [-o OUTPUT]

SNAPSHOT is the folder with the ISPDB's README.md, LICENSE and xml/ (default:
../shared/ispdb beside the repository); OUTPUT defaults to wizard/smtp/ispdb.json. Each
provider file is read with the wizard's own hardened parser and only its sending half is
kept. The ISPDB is under the Mozilla Public License 2.0, a file-level licence: the derived
file carries the MPL notice and names its source, the rest of the project keeps its own
licence. tests/unit/test_ispdb.py checks that the shipped file equals this script's output.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from wizard.smtp.clientconfig import parse_clientconfig

ROOT = Path(__file__).resolve().parent.parent
NOTICE = ("This Source Code Form is subject to the terms of the Mozilla Public License, "
          "v. 2.0. If a copy of the MPL was not distributed with this file, You can obtain "
          "one at https://mozilla.org/MPL/2.0/.")


def source_of(snapshot: Path) -> str:
    """The snapshot's origin as its README states it (repository, folder, commit, date)."""
    readme = (snapshot / "README.md").read_text("utf-8")
    found = re.search(r"commit (\w+), (\d{4}-\d{2}-\d{2})", readme)
    version = f", commit {found[1]} of {found[2]}" if found else ""
    return ("Thunderbird's ISPDB (https://github.com/thunderbird/autoconfig, folder ispdb/"
            f"{version}), SMTP part only, derived by scripts/ispdb_derive.py")


def derive(snapshot: Path) -> str:
    """The data file's text: a header, then one provider per line, by file name."""
    rows = []
    for path in sorted((snapshot / "xml").iterdir()):
        config = parse_clientconfig(path.read_bytes())
        rows.append(json.dumps(config.to_dict(), ensure_ascii=False, separators=(",", ":")))
    header = json.dumps({"source": source_of(snapshot), "license": "MPL-2.0",
                         "notice": NOTICE}, ensure_ascii=False)
    return header[:-1] + ', "providers": [\n' + ",\n".join(rows) + "\n]}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", type=Path, default=ROOT.parent / "shared/ispdb")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "wizard/smtp/ispdb.json")
    args = parser.parse_args()
    args.output.write_text(derive(args.snapshot), "utf-8")


if __name__ == "__main__":
    main()
