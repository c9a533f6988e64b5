"""The diagnosis catalogue: complete sentences, and every code proven by a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wizard.model.diagnosis import CATALOGUE, diagnose

TESTS = Path(__file__).parents[1]


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_entry_reads_as_sentences(code: str) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", code)
    diagnosis = diagnose(code)
    for text in (diagnosis.cause, diagnosis.fix):
        assert text[0].isupper() or text[0] in "{$“'", text
        assert text.rstrip("”)").endswith((".", ":", "1")) or "{" in text[-12:], text


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_is_produced_by_a_test(code: str) -> None:
    """Each code must be asserted on by a test that makes a real peer or file produce it."""
    sources = [path.read_text() for path in TESTS.rglob("test_*.py")
               if path.name != Path(__file__).name]
    assert any(f'"{code}"' in source for source in sources), f"no test produces {code}"


def test_readme_documents_every_code() -> None:
    readme = (TESTS.parent / "README.md").read_text()
    missing = [code for code in CATALOGUE if f"`{code}`" not in readme]
    assert not missing, "run scripts/diagnosis_table.py and update README: " + ", ".join(missing)
