"""The fairness-layer study's methods: F-Layer and the baselines of the reference note, by name.

Each entry of :data:`METHODS` is a fit function of :mod:`fairopt.methods.flayer.training`
(``fit(model_factory, train, val, cfg) -> TrainedModel``) with its display label (the paper's):

* ``flayer`` -- :func:`~fairopt.methods.flayer.training.fit_flayer` ("F-Layer");
* ``projection`` -- :func:`~fairopt.methods.flayer.training.fit_projection` ("Projection");
* ``penalty`` -- :func:`~fairopt.methods.flayer.training.fit_penalty` ("Penalty", lambda selected on validation);
* ``strict_penalty`` -- :func:`~fairopt.methods.flayer.training.fit_strict_penalty` ("Strict Penalty").

The schema's list of method names is pinned to this registry by a test.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fairopt.studies.common import Registry

if TYPE_CHECKING:  # for the annotation only: listing the methods imports neither torch nor the trainers
    from torch import nn

    from fairopt.data.container import FairData
    from fairopt.methods.flayer.training import TrainConfig, TrainedModel

__all__ = ["METHODS", "label"]

_TRAINING = "fairopt.methods.flayer.training"
METHODS: Registry[Callable[[Callable[[], nn.Module], FairData, FairData | None, TrainConfig], TrainedModel]] = \
    Registry("fairness-layer method")
METHODS.register_path("flayer", f"{_TRAINING}:fit_flayer", label="F-Layer")
METHODS.register_path("projection", f"{_TRAINING}:fit_projection", label="Projection")
METHODS.register_path("penalty", f"{_TRAINING}:fit_penalty", label="Penalty")
METHODS.register_path("strict_penalty", f"{_TRAINING}:fit_strict_penalty", label="Strict Penalty")

#: display names of rows that are not methods (the unconstrained network behind Projection)
_EXTRA_LABELS = {"unconstrained": "Unconstrained"}


def label(name: str) -> str:
    """The paper's display name of a method (or of the unconstrained network); the name itself otherwise."""
    if name in METHODS:
        return METHODS.info(name)["label"]
    return _EXTRA_LABELS.get(name, name)
