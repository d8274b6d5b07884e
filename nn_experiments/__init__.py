"""Neural-network corroboration: model ensembles, unlearning methods, KLoM, forget sets, experiments.

Runs on the CPU by default and on CUDA when asked (``--device cuda``). Nothing is downloaded: data come from
scikit-learn's bundled digits, a synthetic generator, or a local CIFAR-10 directory.
"""
