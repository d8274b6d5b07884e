"""The command-line skin: every command resolves to a module with the two required functions."""

import importlib

import pytest

from ascent_fails.proofs_check.cli import COMMANDS, build_parser, main


@pytest.mark.parametrize("words, module_name", [(w, m) for w, m, _ in COMMANDS])
def test_every_command_module_configures_a_parser(words, module_name):
    module = importlib.import_module(module_name)
    assert callable(module.main)
    parser = build_parser(list(words) + ["--help"])
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(list(words) + ["--help"])
    assert exit_info.value.code == 0


def test_verify_does_not_import_torch():
    """`verify` must start fast: the parser for it loads no network code."""
    import subprocess
    import sys

    code = "import sys; from proofs_check.cli import build_parser; build_parser(['verify']); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
