"""What a sweep consumes besides its configuration: data, forget sets and (lazily trained) ensembles.

:class:`DataSettings` holds the ``ascent-fails nn run`` flags that say where the models and forget sets come
from; :func:`prepare_inputs` turns them into :class:`ExperimentInputs`: the data set, the nine default forget
sets (three random, six from the principal components of an estimated datamodel matrix, docs/glossary.md, "PC forget sets")
plus any index files, and callables that train or load the pretrained, oracle and independent-oracle ensembles
from the cache only when the runner first needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

    def __post_init__(self) -> None:
        from ascent_fails.validate import require_choice, require_positive_int

        require_choice("dataset", self.dataset, DATASETS)
        if self.arch is not None:
            require_choice("arch", self.arch, ARCHITECTURES)
        require_positive_int("n_models", self.n_models, minimum=2, symbol="N")
        require_positive_int("seed", self.seed, minimum=0)
        require_positive_int("datamodel_models", self.datamodel_models, minimum=2, symbol="M")
        object.__setattr__(self, "forget_set_files", tuple(str(f) for f in self.forget_set_files))


def model_plan(settings: DataSettings) -> tuple[Any, str, Any]:
    """(torch device, architecture, training recipe) of every ensemble of ``settings``; nothing is loaded.

    The architecture is ``settings.arch``, else ResNet-9 on CUDA or for CIFAR-10 and the MLP otherwise.
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


def prepare_inputs(settings: DataSettings, cache_dir: str | Path, *, progress: bool = True,
                   dataset: Any = None) -> ExperimentInputs:
    """Data, forget sets (the nine defaults from an estimated datamodel matrix, plus files) and lazy ensembles.

    ``dataset`` is ``load_data(settings)`` when the caller has it already (the command line loads the data
    before any training, to check the forget-set files against its size).

    With ResNet-9 the digits are upsampled to 32×32×3 (a stand-in with CIFAR-10's input shape, named as such) and
    ResNet-9 is trained with the paper's recipe, its batch reduced to 128 and its peak lr scaled linearly to
    0.1 for the 1,437 digits (untested here: no GPU on the development machine). Rewind checkpoints are the
    same seeds trained for ``epoch`` epochs with the recipe truncated to ``epoch`` epochs: exactly the
    pretraining trajectory's state at that epoch when the learning rate is constant (the digits recipe); with a
    triangular schedule the truncated run has the same shape compressed, not the same trajectory.
    """
    from dataclasses import replace

    from ascent_fails.nn_experiments import benchmark_forget_sets, datamodels, forget_sets, oracles
    from ascent_fails.nn_experiments.seeds import derive_seed
    from ascent_fails.nn_experiments.storage import EnsembleStore

    device, arch, recipe = model_plan(settings)
    if dataset is None:
        dataset = load_data(settings)
    store = EnsembleStore(cache_dir)
    ens = oracles.EnsembleSettings(arch=arch, recipe=recipe, n_models=settings.n_models, seed=settings.seed, device=str(device))
    n_train = dataset.n_train
    extra: dict[str, Any] = {"ensemble_seed": settings.seed, "data_settings": asdict(settings)}
    if n_train <= datamodels.MAX_TRAIN_POINTS:
        dm_config = datamodels.DatamodelConfig(n_models=settings.datamodel_models, seed=settings.seed)
        dm = datamodels.estimate_datamodels(dataset, dm_config, cache_dir=cache_dir, device=str(device),
                                            progress=progress, purpose="for the PC forget sets")
        pcs = dm.principal_components(2)
        sets = list(forget_sets.default_forget_sets(dataset, dm))
        extra["datamodels"] = {**asdict(dm_config), "explained_variance_ratio": pcs.explained_variance_ratio.tolist(),
                               "train_seconds_this_session": dm.train_seconds}
    elif dataset.name == "cifar10" and n_train == benchmark_forget_sets.CIFAR10_TRAIN_SIZE:
        # the paper's nine sets, as the benchmark it used published them (its 50k × 50k datamodel is not recomputed)
        sets = list(benchmark_forget_sets.cifar10_default_forget_sets(n_train))
        extra["datamodels"] = "not estimated: the benchmark's CIFAR-10 forget sets are shipped with the package"
    else:  # no n×n datamodel matrix: the random sets only; PC sets must come as index files
        sets = [forget_sets.random_forget_set(n_train, size, seed) for size, seed in zip(forget_sets.PAPER_SIZES.random, (0, 1, 2))]
        extra["datamodels"] = f"not estimated (n_train={n_train} > {datamodels.MAX_TRAIN_POINTS}); give PC sets with --forget-set-file"
    sets += [forget_sets.load_forget_set(path, n_train) for path in settings.forget_set_files]
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
    )
