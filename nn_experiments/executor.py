"""Executors: where the independent units of a sweep run, in this process (``local``) or on Ray (``ray``).

The work of ``nn run`` / ``nn table`` / ``reproduce`` is a graph of independent units, in three layers:

1. datamodel chunks (subset models for the PC forget sets), then
2. ensemble chunks: the pretrained ensemble, the oracle ensemble of every forget set with work left, the
   independent oracle ensemble of every noise-floor set and the rewind checkpoints, each in chunks of
   ``chunk_size`` models, then
3. unlearning units (one method configuration on one forget set, all its snapshots scored with KLoM).

Units of one layer only read what earlier layers stored. Every unit is a :class:`Task`: a module-level
function and its arguments (so it can be shipped to another process), which computes its artefact under
the artefact's lock and writes it, verified, into the same content-addressed store the local path uses
(:mod:`~ascent_fails.nn_experiments.storage`, :mod:`ascent_fails.integrity`, :mod:`ascent_fails.locks`).
The seeds of every model and run are derived from the configuration, not from the order of execution, so
a Ray run and a local run of one sweep write the same artefacts and the same ``results.json``, and either
resumes the other's work.

* :class:`LocalExecutor` runs the tasks one after the other in this process (the default; what ran before
  executors existed);
* :class:`RayExecutor` submits each task as a Ray task asking for one GPU when the task trains on CUDA and
  one CPU otherwise; without an address it starts a Ray instance on this machine, with one
  (``--ray-address``, e.g. ``auto`` or ``ray://head:10001``) it joins that cluster. Every worker must see
  the cache directory and ``--out`` at the same path (a shared filesystem; docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["EXECUTORS", "Task", "Executor", "LocalExecutor", "RayExecutor", "make_executor", "RayMissing",
           "by_reference"]

#: the executor names of ``--executor``
EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)``; ``gpu`` asks for one GPU (else one CPU); ``label`` names it in errors."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = field(default=())
    gpu: bool = False
    label: str = ""

    def __call__(self) -> Any:
        return self.fn(*self.args)


class Executor(Protocol):
    """Runs a batch of independent tasks and returns their results in the order given."""

    name: str

    def map(self, tasks: Sequence[Task], *, title: str = "", progress: bool = True) -> list[Any]: ...


class LocalExecutor:
    """Every task in this process, in order (no progress stage of its own: the tasks report theirs)."""

    name = "local"

    def map(self, tasks: Sequence[Task], *, title: str = "", progress: bool = True) -> list[Any]:
        return [task() for task in tasks]


class RayMissing(RuntimeError):
    """``--executor ray`` was asked for but Ray is not installed."""


def _call(fn: Callable[..., Any], threads: int, *args: Any) -> Any:
    """Run ``fn(*args)`` in a Ray worker with ``threads`` torch threads (the CPUs the task asked for).

    ``fn`` and ``args`` arrive as top-level arguments of the Ray task, so Ray has already replaced every object
    reference among them by its value (read from the object store, zero-copy for arrays).
    """
    import torch

    torch.set_num_threads(threads)
    return fn(*args)


#: arguments of these types travel inline with their task (small); every other argument once by reference
_INLINE = (bool, int, float, complex, str, bytes, type(None))


def by_reference(tasks: Sequence[Task], put: Callable[[Any], Any]) -> list[tuple[Any, ...]]:
    """The Ray arguments ``(fn, *args)`` of every task, each distinct object put in the object store once.

    ``put`` is ``ray.put``. A function, and every argument that is not a plain scalar or string (the training
    set, a ``Dataset``, the masks of an ensemble, a chunk's spec), is replaced by the reference ``put`` returns
    for it, one ``put`` per distinct object (by identity) in the batch. Passing the arrays inline instead would
    copy them into every task's specification: the CIFAR-10 training set (614 MB) once per ensemble chunk.
    """
    refs: dict[int, Any] = {}
    keep: list[Any] = []  # the objects behind the ids, alive until the batch is built (ids are not reused)

    def ref(obj: Any) -> Any:
        if isinstance(obj, _INLINE):
            return obj
        if id(obj) not in refs:
            refs[id(obj)] = put(obj)
            keep.append(obj)
        return refs[id(obj)]

    return [(ref(task.fn), *(ref(arg) for arg in task.args)) for task in tasks]


class RayExecutor:
    """Tasks as Ray tasks (one CPU each, or one GPU each when ``task.gpu``); see the module docstring."""

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None, threads_per_task: int = 1) -> None:
        try:
            import ray
        except ImportError:
            raise RayMissing("--executor ray needs Ray, which is not installed: pip install 'ascent-fails[ray]' "
                             "(or pip install 'ray>=2.9'), or use --executor local") from None
        self._ray = ray
        self.address = address
        self.threads_per_task = threads_per_task
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False}
            if address is None:
                options["num_cpus"] = num_cpus  # None: every core of this machine
            ray.init(address=address, **options)
        self._remote = ray.remote(_call)

    def map(self, tasks: Sequence[Task], *, title: str = "", progress: bool = True) -> list[Any]:
        from ascent_fails.progress import stage

        if not tasks:
            return []
        # each distinct function (e.g. the sweep's unit closure, which holds the data) and each distinct large
        # argument (the training set of every ensemble chunk) is stored once in Ray's object store and handed to
        # every task by reference, not serialised again per task
        shipped = by_reference(tasks, self._ray.put)
        refs = [self._remote.options(num_cpus=0 if t.gpu else self.threads_per_task, num_gpus=1 if t.gpu else 0,
                                     name=t.label[:60] or None).remote(fn, self.threads_per_task, *args)
                for t, (fn, *args) in zip(tasks, shipped)]
        order = {ref: i for i, ref in enumerate(refs)}
        results: list[Any] = [None] * len(refs)
        pending = list(refs)
        with stage(f"{title} (Ray: {len(tasks)} tasks)", total=len(tasks), unit="task", enabled=progress) as bar:
            while pending:
                done, pending = self._ray.wait(pending, num_returns=1)
                for ref in done:
                    try:
                        results[order[ref]] = self._ray.get(ref)
                    except self._ray.exceptions.RayTaskError as exc:  # the worker's own exception, not Ray's wrapper
                        cause = exc.as_instanceof_cause()
                        raise cause from None
                    bar.update(1)
        return results


def make_executor(name: str = "local", address: str | None = None) -> Executor:
    """The executor ``--executor name`` (``--ray-address address``) asks for."""
    from ascent_fails.validate import require_choice

    require_choice("executor", name, EXECUTORS)
    if name == "local":
        if address is not None:
            raise ValueError("ray_address is only used with executor='ray'")
        return LocalExecutor()
    return RayExecutor(address)
