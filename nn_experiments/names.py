"""The names the network experiments accept, each list defined once (and importable without torch).

A user types these names on the command line (``--dataset``, ``--arch``, ``--klom-direction``, ``--methods``),
the results file stores them, and the library validates them. Every one of those places refers to the tuples
below, so a name added here is accepted everywhere at once and nowhere else. The module imports nothing heavy:
the command line builds its ``choices=`` from it before torch is loaded.

Each tuple also has a home where its names are *implemented*, and that module re-exports it:

* :data:`DATASETS`: :func:`ascent_fails.nn_experiments.data.load_dataset`;
* :data:`ARCHITECTURES`: :func:`ascent_fails.nn_experiments.models.build_model`;
* :data:`GROUPS`: the groups of evaluation points KLoM is reported on (:mod:`~ascent_fails.nn_experiments.table1`);
* :data:`KLOM_DIRECTIONS`: :func:`ascent_fails.nn_experiments.klom.klom` (its ``direction`` argument);
* :data:`METHODS`: :func:`ascent_fails.nn_experiments.methods.unlearn`.

>>> "resnet9" in ARCHITECTURES and "digits" in DATASETS
True
>>> GROUPS
('forget', 'retain', 'validation')
"""

from __future__ import annotations

__all__ = ["DATASETS", "IMAGE_DATASETS", "ARCHITECTURES", "GROUPS", "KLOM_DIRECTIONS", "METHODS"]

#: data sets (docs/experiments.md#data-sets): scikit-learn's bundled digits, Gaussian classes with a correlated forget
#: group (Section 5.1.2), and CIFAR-10 read from a local directory (never downloaded)
DATASETS: tuple[str, ...] = ("digits", "synthetic", "cifar10")

#: the data sets with images (ResNet-9 needs them; the digits are upsampled to 32×32×3 for it)
IMAGE_DATASETS: tuple[str, ...] = ("digits", "cifar10")

#: ensemble-native networks: a 64-128-C MLP, a small CNN for 8×8 digits, the paper's ResNet-9
ARCHITECTURES: tuple[str, ...] = ("mlp", "cnn", "resnet9")

#: groups of evaluation points, in report order: the forget set F, the retain set R = D \ F, the validation set
GROUPS: tuple[str, ...] = ("forget", "retain", "validation")

#: "oracle_unlearned" = KL(P_oracle ‖ P_unlearned) (the reference pipeline's); "unlearned_oracle" = the reverse
KLOM_DIRECTIONS: tuple[str, ...] = ("oracle_unlearned", "unlearned_oracle")

#: unlearning methods: the three ascent-based ones the paper studies, then the baselines
METHODS: tuple[str, ...] = ("ga", "gda", "scrub", "do_nothing", "finetune", "rewind", "noisy")
