"""``--seeds K``: the whole sweep repeated on K seeds, and its claims pooled across them.

Seed s (the sweep's ``seed``, or ``--seed``) is the root of the random choices of a sweep: data split, ensembles,
datamodel, forget sets' points and unlearning runs on digits; the ensembles and unlearning runs only on CIFAR-10,
whose split and forget sets are fixed (:mod:`~ascent_fails.nn_experiments.claims_across_seeds`).
``--seeds K`` runs the seeds s, s + 1, …, s + K − 1, each a complete ``nn run``:

* seed s into ``OUT`` itself (so K = 1 is exactly the plain run, and a later ``--seeds 3`` reuses it);
* seed s + i into ``OUT/seeds/seed-<s+i>/``, each with its own results.json, figures and units;
* every seed's ensembles in one cache (``--cache-dir``, default ``OUT/cache``): the cache is content-addressed,
  so the seeds share what they can (nothing model-related: every ensemble depends on the seed) and never clash;
* ``OUT/seeds.json``: the seeds, their folders and the pooled verdicts (:func:`claims_across_seeds.pool_claims`).

Every seed's run resumes by itself, so an interrupted ``--seeds 3`` picks up where it stopped. All K runs are
planned (flags, files, folders checked) before the first one trains.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["SEEDS_FILE", "SeedRuns", "seed_folder", "plan_seeds", "execute_seeds", "run_seeds"]

SEEDS_FILE = "seeds.json"


def seed_folder(out: str | Path, base_seed: int, seed: int) -> Path:
    """Where the run of ``seed`` goes: ``out`` for the base seed, ``out/seeds/seed-<seed>`` for the others.

    >>> seed_folder("/r", 0, 0).as_posix(), seed_folder("/r", 0, 2).as_posix()
    ('/r', '/r/seeds/seed-2')
    """
    return Path(out) if seed == base_seed else Path(out) / "seeds" / f"seed-{seed}"


@dataclass(frozen=True)
class SeedRuns:
    """The outcome of :func:`execute_seeds`: every seed's results and files, and the pooled claims."""

    seeds: tuple[int, ...]
    results: dict[int, dict[str, Any]]  # seed -> results.json
    files: dict[int, dict[str, Path]]  # seed -> the files nn run wrote
    pooled: list[Any]  # claims_across_seeds.PooledClaim ([] for a single seed: nothing to pool)
    summary: Path | None  # OUT/seeds.json (None for a single seed: nothing to pool)

    @property
    def base(self) -> int:
        return self.seeds[0]


def plan_seeds(out: str | Path, request: Any) -> list[Any]:
    """One checked :class:`~ascent_fails.nn_experiments.run_command.RunPlan` per seed of ``request`` (``request.seeds``
    of them, from ``request.seed`` or the sweep's seed); nothing is trained. Raises ``UsageError`` naming the flag."""
    from ascent_fails.cli_errors import UsageError
    from ascent_fails.nn_experiments.run_command import plan_run

    k = request.seeds
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 1000:
        raise UsageError("--seeds", f"{k!r} must be an integer in [1, 1000] (how many seeds of the sweep to run)")

    def check_range(base: Any) -> None:
        if isinstance(base, int) and not isinstance(base, bool) and base + k - 1 >= 2**32:
            raise UsageError("--seeds", f"the seeds {base} … {base + k - 1} pass 2**32 - 1, the largest seed; lower "
                                        "--seed or --seeds")

    check_range(request.seed)  # before anything is created, when --seed is given
    first = plan_run(out, replace(request, seeds=1))
    if k == 1:
        return [first]
    base = first.sweep.seed
    check_range(base)  # the sweep file's own seed
    cache = request.cache_dir if request.cache_dir is not None else first.cache_dir
    plans = [first]
    for seed in range(base + 1, base + k):
        plan = plan_run(seed_folder(out, base, seed), replace(request, seed=seed, seeds=1, cache_dir=cache))
        if _same_data(plan.dataset, first.dataset):  # e.g. CIFAR-10, whose split is fixed: keep one copy in memory
            # (the record keeps this plan's own seed: it enters the configuration key the run claims --out with)
            plan = replace(plan, dataset=replace(first.dataset, seed=plan.dataset.seed))
        plans.append(plan)
    return plans


def _same_data(a: Any, b: Any) -> bool:
    """Whether two loaded data sets hold the same arrays (CIFAR-10 ignores the seed; digits splits by it)."""
    import numpy as np

    return all(np.array_equal(np.asarray(getattr(a, f)), np.asarray(getattr(b, f)))
               for f in ("train_x", "train_y", "val_x", "val_y"))


def _relative(folder: Path, out: Path) -> str:
    """``folder`` relative to ``out`` (``"."`` for ``out`` itself), so that seeds.json survives a move of OUT."""
    import os

    return Path(os.path.relpath(Path(folder).resolve(), Path(out).resolve())).as_posix()


def _drop_stale_summary(out: Path, base_key: str) -> None:
    """Remove ``out/seeds.json`` if it pools runs of another configuration than the one ``out`` now holds."""
    import json

    path = out / SEEDS_FILE
    if not path.exists():
        return
    try:
        summary = json.loads(path.read_text())
        recorded = summary["configurations"][str(summary["seeds"][0])]  # the key of the base seed's run
        why = "it pooled seeds of another configuration than the one this run writes"
    except (OSError, ValueError, KeyError, IndexError, TypeError):  # unreadable, or written before keys were kept
        recorded, why = None, "it is unreadable or records no configuration"
    if recorded == base_key:
        return
    try:
        path.unlink()
    except OSError as error:
        print(f"warning: {path} could not be removed ({error}); {why}: do not trust it", file=sys.stderr, flush=True)
        return
    print(f"warning: removed {path}: {why}", file=sys.stderr, flush=True)


def execute_seeds(plans: Sequence[Any]) -> SeedRuns:
    """Run every plan of :func:`plan_seeds` in turn (each resumes by itself); with several, pool their claims and
    write ``seeds.json`` into the base seed's folder (``--out``)."""
    from ascent_fails.atomic_io import atomic_write_json
    from ascent_fails.locks import claim_output
    from ascent_fails.nn_experiments.claims_across_seeds import RULE, claims_of, pool_claims, pooled_json
    from ascent_fails.nn_experiments.run_command import execute

    if not plans:
        raise ValueError("plans is empty: plan at least one seed")
    seeds = tuple(p.sweep.seed for p in plans)
    results: dict[int, dict[str, Any]] = {}
    files: dict[int, dict[str, Path]] = {}
    base = plans[0]
    out = Path(base.out)
    # --out (the base seed's folder) is held until seeds.json is written (or a stale one removed): no run of
    # another configuration can land between the base run's results and the pooled summary (execute's own claim
    # of it is re-entrant)
    with claim_output(base.out, *base.claim, force=base.request.force, flag="--out"):
        _drop_stale_summary(out, base.claim[0])  # before the base results change: never beside new results
        if len(plans) == 1:  # the plain run: nothing to pool
            results[seeds[0]], files[seeds[0]] = execute(base)
            return SeedRuns(seeds=seeds, results=results, files=files, pooled=[], summary=None)
        for i, plan in enumerate(plans):
            if plan.request.progress:
                print(f"== seed {plan.sweep.seed} ({i + 1} of {len(plans)}): nn run into {plan.out}", file=sys.stderr,
                      flush=True)
            results[plan.sweep.seed], files[plan.sweep.seed] = execute(plan)
        pooled = pool_claims({s: claims_of(r) for s, r in results.items()})
        summary = atomic_write_json(out / SEEDS_FILE, {
            "seeds": list(seeds),
            "folders": {str(p.sweep.seed): _relative(p.out, out) for p in plans},  # relative to OUT
            "configurations": {str(p.sweep.seed): p.claim[0] for p in plans},  # each run's configuration key
            "rule": RULE,
            "claims": pooled_json(pooled),
        })
    return SeedRuns(seeds=seeds, results=results, files=files, pooled=pooled, summary=summary)


def run_seeds(out: str | Path, request: Any) -> SeedRuns:
    """``nn run --seeds K`` as a function: :func:`plan_seeds` then :func:`execute_seeds`."""
    return execute_seeds(plan_seeds(out, request))
