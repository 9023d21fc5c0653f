"""Factory of DAFH's baseline partitions (Section 6.2) by name.

Cai, Khalili & Zhang (arXiv 2509.24077), Section 6.2: Pooled classifier, Trivial partition,
Clustering, LR-All and TreeLR (Ustun, Liu & Parkes 2019), plus the Manual partition of Table 5.
"""
from __future__ import annotations

from fairopt.core.errors import ConfigError
from fairopt.methods.dafh.partitions import (ClusteringClassifier, LRAllClassifier, ManualPartitionClassifier,
                                             PartitionClassifier, PooledClassifier, TrivialPartitionClassifier)
from fairopt.methods.dafh.tree import TreeLRClassifier

__all__ = ["PARTITION_KINDS", "make_partition_classifier"]

#: Partition kind -> estimator class.
PARTITION_KINDS: dict[str, type[PartitionClassifier]] = {
    "pooled": PooledClassifier,
    "trivial": TrivialPartitionClassifier,
    "clustering": ClusteringClassifier,
    "lr_all": LRAllClassifier,
    "manual": ManualPartitionClassifier,
    "tree_lr": TreeLRClassifier,
}


def make_partition_classifier(kind: str, **params) -> PartitionClassifier:
    """A baseline partition estimator by kind (``pooled``, ``trivial``, ``clustering``, ``lr_all``,
    ``manual``, ``tree_lr``).

    Args:
        kind: The partition kind.
        **params: Constructor parameters of that estimator.

    Returns:
        The (unfitted) estimator.

    Raises:
        ConfigError: Unknown kind, or a parameter the estimator does not take.
    """
    if kind not in PARTITION_KINDS:
        raise ConfigError(f"kind: unknown partition kind {kind!r}; expected one of {sorted(PARTITION_KINDS)}")
    cls = PARTITION_KINDS[kind]
    valid = cls._get_param_names()
    for name in params:
        if name not in valid:
            raise ConfigError(f"{name}: not a parameter of the {kind!r} partition; expected one of {valid}")
    return cls(**params)
