#!/usr/bin/env bash
# The device check of a session with a GPU: run once, from anywhere, in at most ~8 minutes on one H200.
#
#   bash bench/device_check.sh            # on the GPU machine: JSON under $OUT (default ./device_check_out)
#   bash bench/device_check.sh --dry-run  # the same code path on the CPU at tiny sizes (what CI runs)
#
# It installs nothing: it uses the Python that already imports the project (the checkout's .venv when there is
# one, else $PYTHON or python3), and bench/device_check.py imports the package straight from this checkout when
# it is not installed (its sub-packages live in the top-level folders; see import_checkout there).
# What it measures and how: the docstring of bench/device_check.py, and docs/experiments.md, "Running on a GPU".
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -n "${PYTHON:-}" ]]; then
  python="$PYTHON"
elif [[ -x "$repo/.venv/bin/python" ]]; then
  python="$repo/.venv/bin/python"
else
  python="$(command -v python3 || command -v python)"
fi
out="${OUT:-./device_check_out}"
exec "$python" "$repo/bench/device_check.py" --out "$out" "$@"
