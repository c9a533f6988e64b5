"""Print the README's diagnosis table from the catalogue: python scripts/diagnosis_table.py"""

from __future__ import annotations

import re

from wizard.model.diagnosis import CATALOGUE


def plain(text: str) -> str:
    """The template with its placeholders shown as `…`, one line, pipes escaped."""
    return re.sub(r"\{[a-z_]+\}", "…", text).replace("|", "\\|")


def main() -> None:
    print("| code | what happened | what to do |")
    print("|---|---|---|")
    for code, (cause, fix) in CATALOGUE.items():
        print(f"| `{code}` | {plain(cause)} | {plain(fix)} |")


if __name__ == "__main__":
    main()
