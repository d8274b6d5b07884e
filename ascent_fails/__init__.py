"""Reference verification suite for "Ascent Fails to Forget" (NeurIPS 2025, arXiv 2509.26427).

One import package; its sub-packages live in the repository's top-level folders:

=============================  ====================================================================
``ascent_fails.theory``        one module per lemma: closed forms, Lambert-W, SymPy/mpmath proofs
``ascent_fails.numerics``      simulations behind each lemma and the figure generators (Figs. 4, 5)
``ascent_fails.nn_experiments`` PyTorch ensembles, unlearning methods, KLoM, forget sets, sweeps
``ascent_fails.proofs_check``  the ``verify`` runner, ``reproduce`` and the ``ascent-fails`` CLI
=============================  ====================================================================

The helpers that are not mathematics live here, one idea per module: :mod:`ascent_fails.validate`
(parameter checks), :mod:`ascent_fails.atomic_io` (every output file), :mod:`ascent_fails.provenance`
(versions and hardware recorded with results), :mod:`ascent_fails.config_hash` (content keys),
:mod:`ascent_fails.progress` (progress bars on a terminal, one line per stage in a log) and
:mod:`ascent_fails.cli_errors` (user mistakes as exit-2 messages).

The mathematics the suite checks is written out in ``docs/theory.md``; the network protocol in
``docs/experiments.md``.
"""

import importlib
import pkgutil
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ascent-fails")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "unknown"

__all__ = ["__version__", "SUBPACKAGES", "module_names"]

#: the sub-packages, each in a top-level folder of the repository of the same name
SUBPACKAGES = ("theory", "numerics", "nn_experiments", "proofs_check")


def module_names() -> list[str]:
    """Every module of the package by its full name, sorted (imports the sub-packages to find them).

    The sub-packages are walked one by one rather than through ``ascent_fails.__path__``: in an editable
    install they live beside this folder, not inside it, and only their own ``__path__`` knows where.
    """
    names = {__name__, *(f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__))}
    for sub in SUBPACKAGES:
        package = importlib.import_module(f"{__name__}.{sub}")
        names.add(package.__name__)
        names.update(info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."))
    return sorted(names)
