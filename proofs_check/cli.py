"""``ascent-fails``: the command-line skin over the library.

Each command lives in the module that owns it; that module defines ``configure_parser(parser)`` and
``main(args) -> int``. Only the module of the command being run is imported, so ``verify`` never loads torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ascent_fails.cli_errors import name_flags

# (command words, owning module, one-line help)
COMMANDS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("verify",), "ascent_fails.proofs_check.verify_command", "check every lemma and print one PASS/FAIL report"),
    (("figure", "phase"), "ascent_fails.numerics.phase_figure", "Figure 4: the alpha-epsilon phase diagram"),
    (("figure", "toy"), "ascent_fails.numerics.toy_figure", "Figure 5: the non-convex toy landscape"),
    (("nn", "table"), "ascent_fails.nn_experiments.table_command", "Table 1: pretrained-vs-oracle KLoM per forget set"),
    (("nn", "run"), "ascent_fails.nn_experiments.run_command", "unlearning sweep scored with KLoM (Figures 1-3, 6-7)"),
    (("reproduce",), "ascent_fails.proofs_check.reproduce", "verify + every figure + nn run, and a report.md"),
    (("audit",), "ascent_fails.nn_experiments.audit_command", "audit any unlearning method (module:function) against oracles"),
)


def _selected(argv: Sequence[str]) -> tuple[str, ...] | None:
    """The command words that ``argv`` starts with (options aside), or None."""
    words = tuple(a for a in argv if not a.startswith("-"))
    for command_words, _, _ in COMMANDS:
        if words[: len(command_words)] == command_words:
            return command_words
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The full parser; only the command selected by ``argv`` gets its options (and its module imported)."""
    parser = argparse.ArgumentParser(
        prog="ascent-fails",
        description="Reference verification suite for 'Ascent Fails to Forget' (NeurIPS 2025, arXiv 2509.26427).",
    )
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for words, module_name, help_text in COMMANDS:
        if len(words) == 1:
            sub = top.add_parser(words[0], help=help_text, description=help_text)
        else:
            if words[0] not in groups:
                group_parser = top.add_parser(words[0], help=f"{words[0]} commands")
                groups[words[0]] = group_parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
            sub = groups[words[0]].add_parser(words[1], help=help_text, description=help_text)
        if words == _selected(argv):
            module = importlib.import_module(module_name)
            module.configure_parser(sub)
            sub.set_defaults(handler=module.main)
    return parser


def flag_names(parser: argparse.ArgumentParser, argv: Sequence[str]) -> dict[str, str]:
    """Map each option's ``dest`` (the library's parameter name) to the flag the user would type."""
    words = _selected(argv) or ()
    sub: argparse.ArgumentParser = parser
    for word in words:
        (choices,) = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        sub = choices.choices[word]
    return {a.dest: max(a.option_strings, key=len) for a in sub._actions if a.option_strings and a.dest != "help"}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ValueError as exc:
        # bad parameters (UsageError included) in the user's words: flags, not the library's parameter names
        print(f"ascent-fails: error: {name_flags(str(exc), flag_names(parser, argv))}", file=sys.stderr)
        return 2
    except OSError as exc:
        # a file-system problem the commands did not foresee (disk full, a file vanished): no traceback either
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"ascent-fails: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ascent-fails: interrupted; finished work is saved and a rerun resumes it", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
