"""The translation catalogues, with Babel: extract, update, compile, check.

    python3 scripts/i18n.py extract [-o FILE]   the template (.pot) from the source
    python3 scripts/i18n.py update              merge the source's messages into every .po
    python3 scripts/i18n.py compile             every .po to its .mo (shipped in the package)
    python3 scripts/i18n.py check               untranslated, placeholders, stale .mo: exit 1
    python3 scripts/i18n.py missing [LANG]      the messages still to translate, as a .po
    python3 scripts/i18n.py merge FILE [LANG]   take the translations of such a .po

After changing a user-facing text: `update`, translate the new entries (`missing` writes
them out, `merge` takes them back), `compile`. tests/unit/test_i18n.py runs the same checks.
"""

from __future__ import annotations

import argparse
import io
import re
import string
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "wizard"
LOCALE_DIR = SOURCE / "locale"
DOMAIN = "smtp-wizard"
PROJECT = "smtp-wizard"
HEADER = """\
# {language} translation of smtp-wizard.
# This file is distributed under the same license as the smtp-wizard project.
#"""

# A code span (`smtp-wizard doctor`, `$wgSMTP`) is a command, a key or a PHP name: it
# stays as it is in every language.
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_FULL_WIDTH = tuple("：，。；？！")


def extract() -> Catalog:
    """Every message of the source (`_`, `N_`, `ngettext`), as `pybabel extract -k _ -k N_
    -k ngettext:1,2 --no-location --sort-output wizard` finds them."""
    template = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    found = extract_from_dir(str(SOURCE), method_map=[("**.py", "python")],
                             keywords=DEFAULT_KEYWORDS)
    for _filename, _lineno, message, comments, context in found:
        template.add(message, None, auto_comments=comments, context=context)
    for message, comment in provider_texts():
        template.add(message, None, auto_comments=[comment])
    return template


def provider_texts() -> list[tuple[str, str]]:
    """The provider presets' notes and user-name hints: data in providers.toml,
    translated where shown (`Provider.shown_notes`, `shown_username_hint`)."""
    with (SOURCE / "smtp" / "providers.toml").open("rb") as file:
        providers = tomllib.load(file)["provider"]
    return [(text, f"providers.toml: {provider['id']}")
            for provider in providers
            for text in [*provider.get("notes", []), provider.get("username_hint", "")]
            if text]


def catalogue_paths() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=path.parents[1].name, domain=DOMAIN)


def po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, omit_header=False, sort_output=True, ignore_obsolete=True,
             include_lineno=False, no_location=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (tuple, list)):
        return [text for text in value if isinstance(text, str)]
    return []


def _translated(message: Message) -> bool:
    texts = _texts(message.string)
    return bool(texts) and all(texts) and not message.fuzzy


def fields(text: str) -> set[str]:
    """The replacement fields of a `str.format` text: "{port}", "{0}", "{n:d}"."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:  # not a format string: a lone brace is text
        return set()
    return {"{" + name + (f"!{conversion}" if conversion else "") +
            (f":{spec}" if spec else "") + "}"
            for _literal, name, spec, conversion in parsed if name is not None}


def _edges_differ(source: str, translation: str) -> bool:
    """The indentation, a final line break or a final gap differ. A label's padding may
    differ ("cause: " -> "原因："): it aligns in terminal cells, where a Chinese
    character takes two, and full-width punctuation carries its own space."""
    def indent(text: str) -> str:
        return text[:len(text) - len(text.lstrip())]

    gap = translation.endswith(" ") or (source.endswith(" ") and
                                        translation.endswith(_FULL_WIDTH))
    # " (the preset above wins)" joins a sentence: "（以上面的预设为准）" needs no space.
    joined = indent(source) == " " and translation.startswith("（")
    return ((indent(source) != indent(translation) and not joined)
            or gap != source.endswith(" ")
            or source.endswith("\n") != translation.endswith("\n"))


def problems(catalog: Catalog, template: Catalog) -> Iterator[str]:
    """What keeps `catalog` from serving every message of `template` correctly."""
    wanted = {_key(message) for message in template if message.id}
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None:
            yield f"not in the catalogue (run update): {_key(message)!r}"
        elif not _translated(found):
            yield f"untranslated{' (fuzzy)' if found.fuzzy else ''}: {_key(message)!r}"
    for message in catalog:
        if not message.id:
            continue
        key = _key(message)
        if key not in wanted:
            yield f"no longer in the source (run update): {key!r}"
            continue
        if not _translated(message):
            continue
        sources = _texts(message.id)
        for translation in _texts(message.string):
            # A plural's forms may drop the number ("one message"), never add a field.
            expected = fields(sources[0]) | fields(sources[-1])
            if fields(translation) != expected and not (
                    len(sources) > 1 and fields(translation) <= expected):
                yield (f"placeholders differ: {key!r} has {sorted(expected)}, "
                       f"the translation {sorted(fields(translation))}")
            lost = [span for span in _CODE_SPAN.findall(sources[0]) if span not in translation]
            if lost:
                yield f"code changed: {key!r} lost {lost}"
            if _edges_differ(sources[0], translation):
                yield f"indentation or final space differs: {key!r}"


def update(template: Catalog) -> list[Path]:
    """Merge the template into every catalogue: new messages empty, gone ones dropped."""
    changed = []
    for path in catalogue_paths():
        catalog = read(path)
        before = po_bytes(catalog)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        if po_bytes(catalog) != before:
            catalog.revision_date = datetime.now(UTC)
            path.write_bytes(po_bytes(catalog))
            changed.append(path)
    return changed


def compile_all() -> list[Path]:
    written = []
    for path in catalogue_paths():
        target = path.with_suffix(".mo")
        data = mo_bytes(read(path))
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
            written.append(target)
    return written


def check() -> list[str]:
    template = extract()
    found = []
    for path in catalogue_paths():
        catalog = read(path)
        found += [f"{path.relative_to(ROOT)}: {problem}"
                  for problem in problems(catalog, template)]
        target = path.with_suffix(".mo")
        if not target.exists() or target.read_bytes() != mo_bytes(catalog):
            found.append(f"{target.relative_to(ROOT)}: out of date (run compile)")
    return found


def missing(language: str) -> Catalog:
    """The untranslated messages of one catalogue, as a .po to hand to a translator."""
    template = extract()
    catalog = read(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po")
    todo = Catalog(locale=language, project=PROJECT, domain=DOMAIN)
    for message in template:
        if message.id and not _translated(catalog.get(message.id) or Message(message.id)):
            todo.add(message.id, flags=message.flags)
    return todo


def merge(language: str, source: Path) -> int:
    """Take the translated entries of `source` (a .po from `missing`, translated) into
    the catalogue of `language`; returns how many changed."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    catalog = read(path)
    with source.open("rb") as file:
        translated = read_po(file, locale=language, domain=DOMAIN)
    changed = 0
    for message in translated:
        target = catalog.get(message.id) if message.id else None
        if target is None or not _translated(message) or target.string == message.string:
            continue
        target.string = message.string
        target.flags.discard("fuzzy")
        changed += 1
    if changed:
        catalog.revision_date = datetime.now(UTC)
        path.write_bytes(po_bytes(catalog))
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    extract_parser = commands.add_parser("extract")
    extract_parser.add_argument("-o", "--output", type=Path)
    commands.add_parser("update")
    commands.add_parser("compile")
    commands.add_parser("check")
    missing_parser = commands.add_parser("missing")
    missing_parser.add_argument("language", nargs="?", default="zh_CN")
    merge_parser = commands.add_parser("merge")
    merge_parser.add_argument("file", type=Path)
    merge_parser.add_argument("language", nargs="?", default="zh_CN")
    args = parser.parse_args()
    if args.command == "extract":
        data = po_bytes(extract())
        if args.output:
            args.output.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
    elif args.command == "update":
        for path in update(extract()):
            print(f"updated {path.relative_to(ROOT)}")
    elif args.command == "compile":
        for path in compile_all():
            print(f"wrote {path.relative_to(ROOT)}")
    elif args.command == "merge":
        print(f"{merge(args.language, args.file)} translations taken")
    elif args.command == "missing":
        sys.stdout.buffer.write(po_bytes(missing(args.language)))
    else:
        found = check()
        print("\n".join(found) or "all catalogues complete and compiled")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
