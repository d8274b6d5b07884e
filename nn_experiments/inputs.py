"""What a sweep consumes besides its configuration: data, forget sets and (lazily trained) ensembles.

:class:`DataSettings` holds the ``ascent-fails nn run`` flags that say where the models and forget sets come
from; :func:`prepare_inputs` turns them into :class:`ExperimentInputs`: the data set, the default forget sets
(random, class, and top self-influence sets of an estimated datamodel matrix, :mod:`nn_experiments.forget_sets`;
the benchmark's nine for CIFAR-10) plus any index files, the split-half stability of the structured sets
(:mod:`nn_experiments.pc_stability`) and every set's cross-influence norm (:mod:`nn_experiments.cross_influence`),
and callables that train or load the pretrained, oracle and independent-oracle ensembles from the cache only when
the runner first needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ascent_fails.nn_experiments.names import ARCHITECTURES, DATASETS, IMAGE_DATASETS

__all__ = ["DataSettings", "ExperimentInputs", "model_plan", "load_data", "prepare_inputs"]


@dataclass(frozen=True, eq=False)
class ExperimentInputs:
    """Everything a sweep consumes besides its configuration: data, models and forget sets.

    The callables are called lazily, so that a resumed sweep whose units are all done trains nothing:
    ``oracle_margins(name)`` / ``independent_margins(name)`` return the margins ``[N, n_train + n_val]`` of the
    N oracles retrained without forget set ``name`` and of a second, independent oracle ensemble (the noise
    floor); ``checkpoint(epoch)`` returns the pretraining checkpoint after ``epoch`` epochs (for rewind).
    """

    dataset: Any  # nn_experiments.data.Dataset
    arch: str  # architecture of every ensemble
    recipe: Any  # nn_experiments.recipe.TrainRecipe of pretraining and of every oracle
    forget_sets: tuple[Any, ...]  # nn_experiments.forget_sets.ForgetSet, in report order
    pretrained: Callable[[], Any]  # () -> Ensemble of N models trained on the full training set
    checkpoint: Callable[[int], Any]  # epoch -> Ensemble after that many pretraining epochs
    oracle_margins: Callable[[str], np.ndarray]  # forget-set name -> [N, P] oracle margins
    independent_margins: Callable[[str], np.ndarray]  # forget-set name -> [N, P] independent oracle margins
    oracle_check: Callable[[str], Mapping[str, Any]] | None = None  # forget-set name -> leave-out evidence
    device: str = "cpu"
    extra: Mapping[str, Any] = field(default_factory=dict)  # provenance recorded in results.json
    # (oracle sets, independent-oracle sets) -> executor.Task per ensemble chunk still to train (pretrained
    # included); None: the ensembles are only built lazily, in the process that first needs them
    ensemble_tasks: Callable[[Sequence[str], Sequence[str]], list[Any]] | None = None
    # (oracle sets, independent-oracle sets) -> executor.Task per stored ensemble (pretrained included) that lost a
    # file to the integrity audit (quarantined): each rebuilds it. None: no audit (files are verified when loaded)
    repair_tasks: Callable[[Sequence[str], Sequence[str]], list[Any]] | None = None


@dataclass(frozen=True)
class DataSettings:
    """Where the models and forget sets of a sweep come from (``ascent-fails nn run`` flags)."""

    dataset: str = "digits"  # nn_experiments.data.DATASETS
    data_dir: str | None = None  # CIFAR-10 directory (cifar-10-batches-py); never downloaded
    device: str = "cpu"  # "cpu" or "cuda": the same code path
    arch: str | None = None  # None: "mlp" on CPU for digits/synthetic, "resnet9" on CUDA or for CIFAR-10
    n_models: int = 100  # N of the pretrained, oracle and independent-oracle ensembles
    seed: int = 0  # base seed of the ensembles and of the data split
    # M subset models behind the datamodel matrix (PC forget sets); not scaled down by the quick protocol: with
    # 1,000 models the PC sets of the digits came out no harder than random ones (pretrained forget KLoM of
    # pc1_top_10 0.88, at the floor), with 4,000 they are clearly harder (9.66), for about 70 s more
    datamodel_models: int = 4000
    forget_set_files: tuple[str, ...] = ()  # extra forget sets read from index files
    epochs: int | None = None  # training epochs of every ensemble (None: the recipe's; TrainRecipe.with_epochs)

    def __post_init__(self) -> None:
        from ascent_fails.validate import require_choice, require_positive_int

        require_choice("dataset", self.dataset, DATASETS)
        if self.arch is not None:
            require_choice("arch", self.arch, ARCHITECTURES)
        require_positive_int("n_models", self.n_models, minimum=2, symbol="N")
        require_positive_int("seed", self.seed, minimum=0)
        require_positive_int("datamodel_models", self.datamodel_models, minimum=2, symbol="M")
        object.__setattr__(self, "forget_set_files", tuple(str(f) for f in self.forget_set_files))
        if self.epochs is not None:
            require_positive_int("epochs", self.epochs)


def model_plan(settings: DataSettings) -> tuple[Any, str, Any]:
    """(torch device, architecture, training recipe) of every ensemble of ``settings``; nothing is loaded.

    The architecture is ``settings.arch``, else ResNet-9 on CUDA or for CIFAR-10 and the MLP otherwise;
    ``settings.epochs`` overrides the recipe's epochs (a changed recipe, hence a new cache key).
    """
    from dataclasses import replace

    from ascent_fails.nn_experiments.models import resolve_device
    from ascent_fails.nn_experiments.recipe import DIGITS_RECIPE, RESNET9_RECIPE

    device = resolve_device(settings.device)
    arch = settings.arch or ("resnet9" if device.type == "cuda" or settings.dataset == "cifar10" else "mlp")
    if arch == "resnet9" and settings.dataset not in IMAGE_DATASETS:
        raise ValueError(f"arch='resnet9' needs images: dataset={settings.dataset!r} must be one of {IMAGE_DATASETS}")
    if arch == "resnet9":
        recipe = RESNET9_RECIPE if settings.dataset == "cifar10" else replace(RESNET9_RECIPE, batch_size=128, lr=0.1)
    else:
        recipe = DIGITS_RECIPE
    if settings.epochs is not None:
        recipe = recipe.with_epochs(settings.epochs)
    return device, arch, recipe


def load_data(settings: DataSettings) -> Any:
    """The data set of ``settings`` (``data.Dataset``).

    The 8×8 digits are upsampled to 32×32×3 when the architecture needs CIFAR-10's input shape (ResNet-9, whose
    stride-2 stages and pooling leave nothing of an 8×8 image), on any device: the choice follows the model, not
    the hardware.
    """
    from ascent_fails.nn_experiments import data as data_mod

    upsample = settings.dataset == "digits" and model_plan(settings)[1] == "resnet9"
    return data_mod.load_dataset(settings.dataset, data_dir=settings.data_dir, seed=settings.seed, upsample_32=upsample)


#: fewer subset models than this and the split-half stability of the forget sets is not measured (each half
#: would hold too few models for a meaningful estimate of Θ; the tests' tiny runs use 4)
MIN_MODELS_FOR_STABILITY = 100


def _pc_stability(dataset: Any, dm: Any, cache_dir: str | Path, device: str, in_use: list[str]) -> dict[str, Any] | None:
    """Split-half stability table of the structured sets (nn_experiments.pc_stability) from the cached chunks.

    The subset models' masks and margins are read back through the datamodel cache's verified loader (every
    chunk exists once ``estimate_datamodels`` has returned), so nothing is retrained.
    """
    from ascent_fails.nn_experiments import datamodels, pc_stability

    config = dm.config
    if dm.cache_path is None or config.n_models < MIN_MODELS_FOR_STABILITY or dm.matrix.shape[0] <= 100:
        return None  # the report says "not measured"
    chunks = [datamodels.store_datamodel_chunk(dataset, config, cache_dir, c, device)
              for c in range(-(-config.n_models // config.chunk_size))]
    return pc_stability.measure_stability(np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks]),
                                          ridge=config.ridge, seed=config.seed, in_use=in_use, full_matrix=dm.matrix)


def prepare_inputs(settings: DataSettings, cache_dir: str | Path, *, progress: bool = True,
                   dataset: Any = None, executor: Any = None) -> ExperimentInputs:
    """Data, forget sets (the defaults from an estimated datamodel matrix, plus files) and lazy ensembles.

    ``dataset`` is ``load_data(settings)`` when the caller has it already (the command line loads the data
    before any training, to check the forget-set files against its size).

    With ResNet-9 the digits are upsampled to 32×32×3 (a stand-in with CIFAR-10's input shape, named as such) and
    ResNet-9 is trained with the paper's recipe, its batch reduced to 128 and its peak lr scaled linearly to
    0.1 for the 1,437 digits (untested here: no GPU on the development machine). Rewind checkpoints are the
    same seeds trained for ``epoch`` epochs with the recipe truncated to ``epoch`` epochs: exactly the
    pretraining trajectory's state at that epoch when the learning rate is constant (the digits recipe); with a
    triangular schedule the truncated run has the same shape compressed, not the same trajectory.

    Temporary files that killed writes left in ``cache_dir`` are removed first (those older than this call and
    not locked by a live writer). ``executor`` (:mod:`~ascent_fails.nn_experiments.executor`) trains the
    missing datamodel chunks as parallel tasks before the matrix is fitted; the ensembles' chunks are offered
    to the runner as ``ExperimentInputs.ensemble_tasks``.
    """
    from dataclasses import replace

    from ascent_fails.nn_experiments import benchmark_forget_sets, datamodels, forget_sets, oracles
    from ascent_fails.nn_experiments.seeds import derive_seed
    from ascent_fails.nn_experiments.storage import EnsembleStore

    import time

    from ascent_fails.atomic_io import remove_orphans
    from ascent_fails.nn_experiments.executor import LocalExecutor, Task

    remove_orphans(cache_dir, older_than=time.time(), recursive=True)
    device, arch, recipe = model_plan(settings)
    if dataset is None:
        dataset = load_data(settings)
    store = EnsembleStore(cache_dir)
    ens = oracles.EnsembleSettings(arch=arch, recipe=recipe, n_models=settings.n_models, seed=settings.seed, device=str(device))
    n_train = dataset.n_train
    extra: dict[str, Any] = {"ensemble_seed": settings.seed, "data_settings": asdict(settings)}
    from ascent_fails.nn_experiments.engine import EngineOptions, auto_rule  # speed only: not in any cache key

    extra["engine"] = {"options": asdict(EngineOptions()), "models_per_pass_auto": auto_rule(arch, device)}
    dm = None
    if n_train <= datamodels.MAX_TRAIN_POINTS:
        dm_config = datamodels.DatamodelConfig(n_models=settings.datamodel_models, seed=settings.seed)
        if executor is not None and not isinstance(executor, LocalExecutor):
            missing = datamodels.missing_datamodel_chunks(dataset, dm_config, cache_dir)
            executor.map([Task(datamodels.store_datamodel_chunk, (dataset, dm_config, cache_dir, chunk, str(device)),
                               gpu=device.type == "cuda", label=f"datamodel chunk {chunk}") for chunk in missing],
                         title=f"datamodels: {len(missing)} chunks of subset models", progress=progress)
        dm = datamodels.estimate_datamodels(dataset, dm_config, cache_dir=cache_dir, device=str(device),
                                            progress=progress, purpose="for the self-influence sets")
        pcs = dm.principal_components(2)
        sets = list(forget_sets.default_forget_sets(dataset, dm))
        extra["datamodels"] = {**asdict(dm_config), "explained_variance_ratio": pcs.explained_variance_ratio.tolist(),
                               "train_seconds_this_session": dm.train_seconds}
        extra["pc_stability"] = _pc_stability(dataset, dm, cache_dir, str(device), [fs.name for fs in sets])
    elif dataset.name == "cifar10" and n_train == benchmark_forget_sets.CIFAR10_TRAIN_SIZE:
        # the paper's nine sets, as the benchmark it used published them (its 50k × 50k datamodel is not recomputed)
        sets = list(benchmark_forget_sets.cifar10_default_forget_sets(n_train))
        extra["datamodels"] = "not estimated: the benchmark's CIFAR-10 forget sets are shipped with the package"
    else:  # no n×n datamodel matrix: the random sets only; PC sets must come as index files
        sets = [forget_sets.random_forget_set(n_train, size, seed) for size, seed in zip(forget_sets.PAPER_SIZES.random, (0, 1, 2))]
        extra["datamodels"] = f"not estimated (n_train={n_train} > {datamodels.MAX_TRAIN_POINTS}); give PC sets with --forget-set-file"
    sets += [forget_sets.load_forget_set(path, n_train) for path in settings.forget_set_files]
    if dm is not None:  # the App. A conjecture's statistic, for every set (nn_experiments.cross_influence)
        from ascent_fails.nn_experiments.cross_influence import cross_influence_table

        extra["cross_influence"] = cross_influence_table(dm.matrix, sets)
    by_name = {fs.name: fs for fs in sets}
    if len(by_name) != len(sets):
        raise ValueError(f"forget-set names must be distinct, got {[fs.name for fs in sets]}")

    memo: dict[Any, Any] = {}

    def once(key: Any, make: Callable[[], Any]) -> Any:
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def pretrained() -> Any:
        return once("pretrained", lambda: oracles.pretrained_ensemble(store, dataset, ens, progress=progress))

    def checkpoint(epoch: int) -> Any:
        if not 0 < epoch < recipe.epochs:
            raise ValueError(f"rewind_epoch={epoch} must lie in [0, {recipe.epochs}) (pretraining epochs)")
        short = replace(recipe, epochs=epoch, peak_epoch=min(recipe.peak_epoch, epoch / 2))
        return once(("checkpoint", epoch), lambda: store.ensemble(
            arch, dataset.train_x, dataset.train_y, short, n_models=settings.n_models, seed=derive_seed(settings.seed, "pretrained"),
            num_classes=dataset.num_classes, device=device, label=f"pretraining checkpoint at epoch {epoch}", progress=progress,
        ).ensemble)

    def oracle(name: str, replicate: int) -> Any:
        return once(("oracle", name, replicate), lambda: oracles.oracle_ensemble(store, dataset, by_name[name], ens, replicate=replicate, progress=progress))

    def ensemble_tasks(oracle_sets: Sequence[str], independent_sets: Sequence[str]) -> list[Any]:
        wanted = [(by_name[n], 0) for n in oracle_sets] + [(by_name[n], 1) for n in independent_sets]
        return oracles.ensemble_chunk_tasks(store, dataset, ens, wanted)

    def repair_tasks(oracle_sets: Sequence[str], independent_sets: Sequence[str]) -> list[Any]:
        wanted = [(by_name[n], 0) for n in oracle_sets] + [(by_name[n], 1) for n in independent_sets]
        return oracles.repair_tasks(store, dataset, ens, wanted)

    def check(name: str) -> Mapping[str, Any]:
        return asdict(oracles.check_oracle(pretrained().margins, oracle(name, 0).margins, by_name[name]))

    return ExperimentInputs(
        dataset=dataset,
        arch=arch,
        recipe=recipe,
        forget_sets=tuple(sets),
        pretrained=lambda: pretrained().cached.ensemble,
        checkpoint=checkpoint,
        oracle_margins=lambda name: oracle(name, 0).margins.all_points(),
        independent_margins=lambda name: oracle(name, 1).margins.all_points(),
        oracle_check=check,
        device=str(device),
        extra=extra,
        ensemble_tasks=ensemble_tasks,
        repair_tasks=repair_tasks,
    )
