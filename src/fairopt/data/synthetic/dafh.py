"""The synthetic data of DAFH's Figure 1 (Cai, Khalili & Zhang, Section 6.1) -- a reconstruction.

The paper's generator did not survive (its equation is lost from the text); what remains: 20,000
samples; two sensitive attributes s1, s2 and a label, "randomly assigned"; two features x1, x2
"associated with both sensitive attributes and the label" (proxies of both); "different subgroups
divided by two sensitive attributes follow different distributions"; a pooled linear classifier is
poor (Fig. 1(a)), splitting on s1 alone or s2 alone is better but inferior (Fig. 1(b), (c)), and a
learned partition matching both attributes is best (Fig. 1(d)). This generator is ours, built to
have exactly those properties:

1. ``s1, s2, y ~ Bernoulli(1/2)``, independent (the "random assignment");
2. each subgroup ``(s1, s2)`` has a centre at a corner of a square,
   ``c = center_distance * (2 s1 - 1, 2 s2 - 1)``, and a label direction ``u = (cos a, sin a)`` with
   ``a = label_angles_deg[(s1, s2)]`` -- by default 0 deg for (0, 0), 90 deg for (0, 1), 270 deg for
   (1, 0) and 180 deg for (1, 1);
3. ``z = c + (2 y - 1) * label_distance * u + e``, ``e ~ N(0, noise_sd^2 I)``;
4. ``x = R(rotation_deg) z``: the square is turned (45 deg by default) so that each feature depends
   on both attributes (x1 ~ s1 - s2, x2 ~ s1 + s2 - 1) and on the label.

Consequences (defaults: centre distance 3, label distance 1, noise 0.6): within a subgroup the
optimal rule is linear, the line through its centre perpendicular to ``R u`` (accuracy
``Phi(label_distance / noise_sd)`` = 95.2%); (i) the four subgroups have four different decision
rules (normals 90 deg apart around the square); (ii) any two subgroups that share s1 or share s2 have
normals 90 deg apart, so one linear rule for both is right on about 3/4 of them (per-s1 and per-s2
logistic regressions: ~74%), and the four normals sum to zero, so a pooled linear rule is at chance
(~50%); (iii) the subgroup clusters are ``2 * center_distance`` apart with spread
``label_distance + noise``, so (s1, s2) is recoverable from x alone (a multinomial logistic
regression on x: ~100%) -- a demographic-agnostic group classifier can find the partition.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from fairopt.data.container import FairData

__all__ = ["DEFAULT_LABEL_ANGLES", "make_synthetic"]

#: the label direction (degrees, before the rotation) of each subgroup (s1, s2)
DEFAULT_LABEL_ANGLES: dict[tuple[int, int], float] = {(0, 0): 0.0, (0, 1): 90.0, (1, 0): 270.0, (1, 1): 180.0}


def make_synthetic(n: int = 20_000, seed: int = 0, *, center_distance: float = 3.0, label_distance: float = 1.0,
                   noise_sd: float = 0.6, rotation_deg: float = 45.0,
                   label_angles_deg: Mapping[tuple[int, int], float] | None = None) -> FairData:
    """Draw the Figure-1 data set (module docstring).

    Args:
        n: Number of samples (the paper: 20,000).
        seed: Seed of :func:`numpy.random.default_rng`; the same arguments give the same data.
        center_distance: Half the side of the square of subgroup centres.
        label_distance: Distance of each class mean from its subgroup centre.
        noise_sd: Standard deviation of the isotropic Gaussian noise.
        rotation_deg: Rotation of the whole picture (0: x1 carries s1 only, x2 s2 only).
        label_angles_deg: Label direction per subgroup ``(s1, s2)``; default
            :data:`DEFAULT_LABEL_ANGLES`.

    Returns:
        :class:`FairData`: ``X = [x1, x2]`` (float64), ``y`` (0/1 float64), ``groups = [s1, s2]``
        (int64), ``meta`` with every parameter of the generator.

    Raises:
        ValueError: ``n < 8``, non-positive distances or noise, or angles missing a subgroup.
    """
    if n < 8:
        raise ValueError(f"n must be at least 8, got {n}")
    for name, value in (("center_distance", center_distance), ("label_distance", label_distance),
                        ("noise_sd", noise_sd)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    angles = dict(DEFAULT_LABEL_ANGLES if label_angles_deg is None else label_angles_deg)
    missing = [k for k in DEFAULT_LABEL_ANGLES if k not in angles]
    if missing:
        raise ValueError(f"label_angles_deg lacks subgroup(s) {missing}")
    rng = np.random.default_rng(seed)
    s1 = rng.integers(0, 2, n)
    s2 = rng.integers(0, 2, n)
    y = rng.integers(0, 2, n)
    noise = rng.normal(0.0, noise_sd, size=(n, 2))
    centres = center_distance * np.column_stack([2 * s1 - 1, 2 * s2 - 1]).astype(float)
    table = np.deg2rad(np.array([angles[(a, b)] for a in (0, 1) for b in (0, 1)], dtype=float))
    alpha = table[2 * s1 + s2]
    direction = np.column_stack([np.cos(alpha), np.sin(alpha)])
    z = centres + ((2 * y - 1) * label_distance)[:, None] * direction + noise
    t = math.radians(rotation_deg)
    rotation = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    X = z @ rotation.T
    groups = np.column_stack([s1, s2]).astype(np.int64)
    meta = {
        "dataset": "dafh_synthetic",
        "generator": "fairopt.data.synthetic.dafh.make_synthetic (reconstruction; the paper's is lost)",
        "n": int(n), "seed": int(seed), "center_distance": float(center_distance),
        "label_distance": float(label_distance), "noise_sd": float(noise_sd), "rotation_deg": float(rotation_deg),
        "label_angles_deg": {f"{a},{b}": float(v) for (a, b), v in sorted(angles.items())},
        "p_s1": 0.5, "p_s2": 0.5, "p_y": 0.5,
        "subgroup_bayes_accuracy": float(0.5 * (1.0 + math.erf(label_distance / noise_sd / math.sqrt(2.0)))),
        "label_rate": float(y.mean()),
        "primary": "s1",
        "sensitive": {"s1": {0: "0", 1: "1"}, "s2": {0: "0", 1: "1"}},
        "lr_all": ["s1", "s2"],
    }
    return FairData(X=X.astype(np.float64), y=y.astype(np.float64), groups=groups, feature_names=["x1", "x2"],
                    group_names=["s1", "s2"], meta=meta)
