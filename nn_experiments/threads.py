"""How many CPU threads torch uses: the machine's default unless the user says otherwise.

torch picks its intra-op thread count when it starts (the physical cores, or ``$OMP_NUM_THREADS``). Once a
command calls ``torch.set_num_threads``, that choice can no longer be read back, so :func:`machine_threads`
reads it the first time it is called, before the commands set anything, and remembers it. ``--threads``
defaults to it; ``--threads 1`` still gives one thread (the ensembles' small matrix products can run faster
on one thread of a machine whose other cores are busy). The count used is recorded in ``results.json``
(``timings.threads`` and ``provenance.torch_threads``).
"""

from __future__ import annotations

__all__ = ["machine_threads", "use_threads"]

_MACHINE_THREADS: int | None = None


def machine_threads() -> int:
    """torch's own choice of intra-op threads on this machine, read once per process before anyone changes it."""
    global _MACHINE_THREADS
    if _MACHINE_THREADS is None:
        import torch

        _MACHINE_THREADS = int(torch.get_num_threads())
    return _MACHINE_THREADS


def use_threads(threads: int | None) -> int:
    """Set torch's intra-op threads to ``threads`` (``None``: :func:`machine_threads`); returns the count set.

    Validation of ``threads`` is the caller's (the command line checks ``--threads`` before any work).
    """
    import torch

    count = machine_threads() if threads is None else int(threads)
    torch.set_num_threads(count)
    return count
