#!/usr/bin/env python3
"""Compile every salestrack/locale/<lang>/LC_MESSAGES/django.po to django.mo (no GNU gettext).

Like `msgfmt`, fuzzy and obsolete entries are left out. An entry flagged python-format whose
translation uses a named placeholder (%(name)s) that its msgid lacks is an error, since it would
raise KeyError when the string is rendered.

Usage: python scripts/compile_translations.py [--force] [--check] [--locale-dir DIR]
  --force  recompile even when django.mo is newer than django.po
  --check  only validate the .po files, write nothing
Exits 0 when there is nothing to compile.
"""

import argparse
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "salestrack" / "locale"
NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def placeholder_errors(po: polib.POFile, path: Path) -> list[str]:
    errors = []
    for entry in po:
        if entry.obsolete or entry.fuzzy or "python-format" not in entry.flags:
            continue
        allowed = set(NAMED_PLACEHOLDER.findall(entry.msgid))
        allowed |= set(NAMED_PLACEHOLDER.findall(entry.msgid_plural or ""))
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        for text in translations:
            unknown = set(NAMED_PLACEHOLDER.findall(text or "")) - allowed
            if unknown:
                names = ", ".join(sorted(unknown))
                errors.append(
                    f"{path}:{entry.linenum}: msgstr uses %({names}) not in msgid {entry.msgid!r}"
                )
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="recompile up-to-date files too")
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument(
        "--locale-dir", type=Path, default=LOCALE_DIR, help="default: salestrack/locale"
    )
    args = parser.parse_args(argv)

    locale_dir = args.locale_dir.resolve()
    po_paths = sorted(locale_dir.glob("*/LC_MESSAGES/django.po")) if locale_dir.is_dir() else []
    if not po_paths:
        print(f"compile_translations: no django.po files under {locale_dir}, nothing to do")
        return 0

    errors: list[str] = []
    compiled = 0
    for po_path in po_paths:
        rel = po_path.relative_to(locale_dir.parent)
        try:
            po = polib.pofile(str(po_path), wrapwidth=0)
        except (OSError, ValueError) as exc:
            errors.append(f"{rel}: cannot parse: {exc}")
            continue
        problems = placeholder_errors(po, rel)
        if problems:
            errors.extend(problems)
            continue
        if args.check:
            continue
        mo_path = po_path.with_suffix(".mo")
        if (
            not args.force
            and mo_path.exists()
            and mo_path.stat().st_mtime >= po_path.stat().st_mtime
        ):
            continue
        po.save_as_mofile(str(mo_path))
        compiled += 1
        percent = po.percent_translated()
        print(f"compile_translations: {rel} -> {mo_path.name} ({percent}% translated)")

    for error in errors:
        print(f"compile_translations: error: {error}", file=sys.stderr)
    if errors:
        return 1
    if not args.check and not compiled:
        print(f"compile_translations: {len(po_paths)} catalogue(s) already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
