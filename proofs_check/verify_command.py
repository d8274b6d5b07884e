"""``ascent-fails verify``: run every check and print the report (text table or JSON).

The table fits 100 columns, one symbol per evidence kind; ``--wide`` prints the long form. The statements of
the results checked are in ``docs/theory.md``, where the text report ends by pointing.
"""

from __future__ import annotations

import argparse

from ascent_fails.proofs_check.runner import run_all


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    parser.add_argument("--only", nargs="+", metavar="ID", help="check only these result ids (e.g. lemma2 lemma3)")
    parser.add_argument("--brief", action="store_true", help="print the table without per-check summaries")
    parser.add_argument("--wide", action="store_true",
                        help="long form: evidence kinds spelled out in the table (169 columns), one line per summary")


def main(args: argparse.Namespace) -> int:
    report = run_all(args.only)
    print(report.to_json() if args.json else report.to_text(verbose=not args.brief, wide=args.wide))
    return 0 if report.ok else 1
