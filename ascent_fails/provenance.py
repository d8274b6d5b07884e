"""What produced a result: package versions, machine, device, threads and time, recorded beside it.

Every results file of the suite (``results.json``, ``table1.json``, cached ensembles' ``spec.json``, the
figure JSON files, ``report.md``) records :func:`provenance`, so a number can be traced to the software
and hardware that computed it.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from typing import Any

import numpy as np

__all__ = ["provenance", "package_version"]


def package_version() -> str:
    """The installed ``ascent-fails`` version, or ``'unknown'`` in an uninstalled source tree."""
    from ascent_fails import __version__

    return __version__


def provenance(device: Any = None) -> dict[str, Any]:
    """Versions, platform and (when torch is imported and a device is given) the device and threads.

    ``device`` may be a ``torch.device`` or a string such as ``"cpu"`` or ``"cuda:0"``; torch is consulted
    only if a device is given, so the theory side never imports it.
    """
    info: dict[str, Any] = {
        "ascent-fails": package_version(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "written_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    for name in ("scipy", "sympy", "mpmath"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = getattr(module, "__version__", "unknown")
    if device is not None:
        import torch

        dev = torch.device(device)
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["device"] = str(dev)
        if dev.type == "cuda" and torch.cuda.is_available():
            info["device_name"] = torch.cuda.get_device_name(dev)
        else:
            info["device_name"] = platform.processor() or platform.machine()
    return info
