"""Group-parity constraint families of the fairness layer, as linear "slabs" on one batch.

Every family used by the fairness layer (Troxell, Montufar & Roemer, ICML 2026; reference note
``shared/reference/fairness_layer.md``) constrains *group means of the batch outputs*. On a batch of
``n`` outputs ``y`` each constraint is a slab

    lo_k <= w_k^T y <= hi_k,    lo_k = r_k - eps,  hi_k = r_k + eps,

where ``w_k`` is a difference or a single vector of group-mean weights (``1_G / |G|``) and ``r_k``
the slab centre (0 for parity families, the group mean of the targets for mean-residual parity).

Families (``groups`` is the per-row protected information of the batch):

``mean_parity``
    two groups, ``groups`` of shape ``(n,)`` with values 0/1:
    ``|m_0(y) - m_1(y)| <= eps`` with ``w = 1_{g=0}/n_0 - 1_{g=1}/n_1``.
``attribute_parity``
    ``K`` binary attributes, ``groups`` of shape ``(n, K)`` (or ``(n,)`` for ``K = 1``):
    ``|mean_{A_k=0}(y) - mean_{A_k=1}(y)| <= eps`` for every ``k`` (mean-logit parity for
    classification when ``y`` are logits).
``pairwise_parity``
    intersectional groups: ``groups`` of shape ``(n,)`` with integer codes, or ``(n, K)`` binary
    (each distinct row is one intersectional group): ``|m_i(y) - m_j(y)| <= eps`` for every pair
    ``i < j`` of groups present in the batch.
``residual_parity``
    ``|m_g(y) - m_g(target)| <= eps`` for every non-empty group ``g``; needs ``targets``. With
    ``groups`` of shape ``(n,)`` the groups are the distinct codes (disjoint); with a binary
    ``(n, K)`` matrix the groups are both sides ``{A_k = 1}`` and ``{A_k = 0}`` of each attribute
    (``2K`` overlapping groups; the employee wage audit has ``K = 5`` -> 10 constraints).
``equalized_odds``
    two groups and binary ``labels``: mean-prediction parity within ``Y = 0`` and within ``Y = 1``.

Absent groups are skipped: a constraint whose group(s) are empty in the batch is dropped (the
output is then only clipped to the box). The drop is never silent: :attr:`SlabSet.dropped` names
every constraint left out because a group it constrains is absent (for ``pairwise_parity`` and
``residual_parity`` over integer codes, "absent" means a code of ``expected_groups`` -- e.g. every
code of the data set, or every code a layer has seen -- that the batch lacks; without
``expected_groups`` only the codes present are known). :class:`AbsentGroupWarning` is the warning
the fairness layer, the primal-dual head and the study jobs issue (once each) for such batches,
and they count them. Constraints are returned as dense ``(m, n)`` float64 matrices; ``m`` is small
(at most a few dozen) so dense storage is cheapest.

:func:`check_finite` is the one check of numeric inputs (raw outputs, targets): a NaN or inf would
otherwise pass through the projection unnoticed (``clip(nan) = nan``, the 1-D root search treats it
as 0) and break the per-batch guarantee without an error.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from fairopt.core.errors import ConfigError, DataError

__all__ = ["FAMILIES", "CODE_FAMILIES", "SlabSet", "AbsentGroupWarning", "build_slabs", "as_numpy", "check_finite",
           "group_keys"]

#: constraint families understood by :func:`build_slabs`
FAMILIES = ("mean_parity", "attribute_parity", "pairwise_parity", "residual_parity", "equalized_odds")
#: families whose groups are integer codes (or distinct rows) known only from the data: an absent
#: group is detected against ``expected_groups`` (:func:`group_keys`)
CODE_FAMILIES = ("pairwise_parity", "residual_parity")


class AbsentGroupWarning(UserWarning):
    """A batch lacked a group that a fairness constraint needs, so the constraint was dropped."""


def check_finite(values: Any, what: str, owner: str, expected: str = "finite scores") -> None:
    """Raise a one-line :class:`~fairopt.core.errors.DataError` if ``values`` has a NaN or inf.

    Args:
        values: Tensor or array-like (``None`` is accepted and ignored).
        what: What the values are, e.g. ``"input z"`` or ``"targets"``.
        owner: Who checks, e.g. ``"FairnessLayer"`` (the message starts with it).
        expected: What was expected (the message ends with it).

    Raises:
        DataError: e.g. ``FairnessLayer: input z has 3 non-finite values (NaN/inf) of 20, first at
            row 4; expected finite scores``.
    """
    if values is None:
        return
    arr = as_numpy(values)
    if arr.dtype.kind not in "fc":  # integers and booleans are always finite
        return
    bad = ~np.isfinite(arr.reshape(-1))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(f"{owner}: {what} has {int(bad.sum())} non-finite values (NaN/inf) of {bad.size}, "
                        f"first at row {first}; expected {expected}")


@overload
def as_numpy(values: None) -> None: ...


@overload
def as_numpy(values: Any) -> np.ndarray: ...


def as_numpy(values: Any) -> np.ndarray | None:
    """Detached numpy copy of a tensor / array-like (no gradient is needed for group data)."""
    if values is None:
        return None
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


@dataclass
class SlabSet:
    """The slab constraints of one batch.

    Attributes:
        W: ``(m, n)`` float64 weights; row ``k`` is ``w_k``.
        uses_target: ``(m,)`` bool; row ``k`` is centred at ``r_k = w_k^T target`` (mean-residual
            parity), else ``r_k = 0``.
        names: One human-readable label per row (for logs).
        eps: Half width of every slab.
        dropped: Labels of the constraints left out because a group they constrain is absent
            from the batch (empty when every constraint of the family is imposed).
        present: For :data:`CODE_FAMILIES` with integer codes / distinct rows: the group keys
            present in the batch (:func:`group_keys`); empty otherwise.
    """

    W: np.ndarray
    uses_target: np.ndarray
    names: list[str] = field(default_factory=list)
    eps: float = 0.0
    dropped: list[str] = field(default_factory=list)
    present: list = field(default_factory=list)

    @property
    def m(self) -> int:
        return int(self.W.shape[0])

    @property
    def n(self) -> int:
        return int(self.W.shape[1])

    def disjoint(self) -> bool:
        """True when the rows have pairwise disjoint supports (independent 1-D problems)."""
        if self.m <= 1:
            return True
        return bool(((self.W != 0).sum(axis=0) <= 1).all())

    def centres(self, targets: Any = None) -> np.ndarray:
        """Slab centres ``r`` as numpy (``W @ targets`` on target rows, 0 elsewhere)."""
        r = np.zeros(self.m)
        if self.uses_target.any():
            t = np.asarray(as_numpy(targets), dtype=np.float64).reshape(-1)
            r[self.uses_target] = self.W[self.uses_target] @ t
        return r


def _mean_weights(mask: np.ndarray) -> np.ndarray:
    return mask.astype(np.float64) / float(mask.sum())


def _binary(values: np.ndarray, what: str) -> np.ndarray:
    """Validate 0/1 (or bool) values and return them as int8."""
    v = np.asarray(values)
    if v.dtype == bool:
        return v.astype(np.int8)
    if not np.all(np.isin(v, (0, 1))):
        bad = np.unique(v[~np.isin(v, (0, 1))])[:5]
        raise DataError(f"{what} must be binary 0/1; found values {bad.tolist()}")
    return v.astype(np.int8)


def build_slabs(family: str, groups: Any, n: int, eps: float, *, labels: Any = None,
                has_targets: bool = False, expected_groups: Iterable | None = None) -> SlabSet:
    """Build the slab constraints of ``family`` for one batch of ``n`` rows.

    Args:
        family: One of :data:`FAMILIES`.
        groups: Protected information per row (see the module docstring for shapes).
        n: Batch size (rows of ``groups``).
        eps: Parity tolerance (half width of every slab), ``eps >= 0``.
        labels: Binary outcome per row (``equalized_odds`` only).
        has_targets: Whether targets were given (required by ``residual_parity``).
        expected_groups: Group keys (:func:`group_keys`) the batch should contain, for the
            :data:`CODE_FAMILIES` with integer codes / distinct rows; a missing one makes its
            constraints ``dropped``. Ignored by the other families (their groups are known).

    Returns:
        A :class:`SlabSet`; constraints whose groups are absent from the batch are left out and
        named in ``dropped``.

    Raises:
        ConfigError: Unknown family, negative eps, or missing targets/labels.
        DataError: Group data of the wrong shape or non-binary where binary is required.
    """
    if family not in FAMILIES:
        raise ConfigError(f"unknown fairness-layer family {family!r}; expected one of {list(FAMILIES)}")
    if not eps >= 0:
        raise ConfigError(f"fairness-layer eps must be >= 0, got {eps}")
    g = as_numpy(groups)
    if g is None:
        raise DataError(f"family {family!r} needs per-row groups, got None")
    if g.ndim == 2 and g.shape[1] == 1 and family != "attribute_parity":
        g = g[:, 0]
    if g.shape[0] != n:
        raise DataError(f"groups have {g.shape[0]} rows but the batch has {n}")
    rows: list[np.ndarray] = []
    names: list[str] = []
    target_rows: list[bool] = []
    dropped: list[str] = []
    present: list = []

    def add(w: np.ndarray, name: str, uses_target: bool = False) -> None:
        rows.append(w)
        names.append(name)
        target_rows.append(uses_target)

    if family == "mean_parity":
        if g.ndim != 1:
            raise DataError(f"mean_parity needs groups of shape (n,), got {g.shape}")
        a = _binary(g, "mean_parity groups")
        m0, m1 = a == 0, a == 1
        if m0.any() and m1.any():
            add(_mean_weights(m0) - _mean_weights(m1), "m_0 - m_1")
        else:
            dropped.append("m_0 - m_1")
    elif family == "attribute_parity":
        A = g.reshape(n, -1)
        A = _binary(A, "attribute_parity groups")
        for k in range(A.shape[1]):
            m0, m1 = A[:, k] == 0, A[:, k] == 1
            if m0.any() and m1.any():
                add(_mean_weights(m0) - _mean_weights(m1), f"A{k}: m(A=0) - m(A=1)")
            else:
                dropped.append(f"A{k}: m(A=0) - m(A=1)")
    elif family == "pairwise_parity":
        codes, keys = _codes(g)
        present = keys
        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                add(_mean_weights(codes == i) - _mean_weights(codes == j), f"m_{keys[i]} - m_{keys[j]}")
        missing = _missing(expected_groups, keys)
        every = sorted(set(keys) | set(missing), key=repr)
        for i_pos, i in enumerate(every):
            for j in every[i_pos + 1:]:
                if i in missing or j in missing:
                    dropped.append(f"m_{i} - m_{j}")
    elif family == "residual_parity":
        if not has_targets:
            raise ConfigError("family 'residual_parity' needs targets (pass targets=...)")
        if g.ndim == 1:
            codes = np.asarray(g)
            present = [_key(c) for c in np.unique(codes)]
            for c in np.unique(codes):
                add(_mean_weights(codes == c), f"m_{c}(y) - m_{c}(t)", True)
            dropped += [f"m_{c}(y) - m_{c}(t)" for c in _missing(expected_groups, present)]
        else:
            A = _binary(g, "residual_parity groups")
            for k in range(A.shape[1]):
                for side in (1, 0):
                    mask = A[:, k] == side
                    if mask.any():
                        add(_mean_weights(mask), f"A{k}={side}: m(y) - m(t)", True)
                    else:
                        dropped.append(f"A{k}={side}: m(y) - m(t)")
    elif family == "equalized_odds":
        if labels is None:
            raise ConfigError("family 'equalized_odds' needs labels (pass labels=...)")
        if g.ndim != 1:
            raise DataError(f"equalized_odds needs groups of shape (n,), got {g.shape}")
        a = _binary(g, "equalized_odds groups")
        lab = _binary(as_numpy(labels).reshape(-1), "equalized_odds labels")
        if lab.shape[0] != n:
            raise DataError(f"labels have {lab.shape[0]} rows but the batch has {n}")
        for y_val in (0, 1):
            m0, m1 = (a == 0) & (lab == y_val), (a == 1) & (lab == y_val)
            if m0.any() and m1.any():
                add(_mean_weights(m0) - _mean_weights(m1), f"Y={y_val}: m_0 - m_1")
            else:
                dropped.append(f"Y={y_val}: m_0 - m_1")
    W = np.vstack(rows) if rows else np.zeros((0, n))
    return SlabSet(W=W, uses_target=np.asarray(target_rows, dtype=bool), names=names, eps=float(eps),
                   dropped=dropped, present=list(present))


def _key(value: Any) -> Any:
    """A hashable group key: a Python scalar, or a tuple for a row of attributes."""
    if isinstance(value, (np.ndarray, list, tuple)):
        return tuple(_key(v) for v in value)
    return value.item() if hasattr(value, "item") else value


def _missing(expected: Iterable | None, present: list) -> list:
    """Expected group keys absent from ``present`` (sorted by their text)."""
    if expected is None:
        return []
    return sorted({_key(e) for e in expected} - set(present), key=repr)


def group_keys(family: str, groups: Any) -> list:
    """Keys of the groups present in ``groups`` for a :data:`CODE_FAMILIES` family, else ``[]``.

    Keys are the integer codes for 1-D groups and tuples of the attribute values for 2-D
    ``pairwise_parity`` groups (each distinct row one group); they are what
    :func:`build_slabs` takes as ``expected_groups``. ``residual_parity`` over a binary matrix
    has known groups (both sides of every attribute) and returns ``[]``.
    """
    g = as_numpy(groups)
    if family not in CODE_FAMILIES or g is None:
        return []
    if g.ndim == 2 and g.shape[1] == 1:
        g = g[:, 0]
    if family == "residual_parity" and g.ndim != 1:
        return []
    return _codes(g)[1] if family == "pairwise_parity" else [_key(c) for c in np.unique(g)]


def _codes(g: np.ndarray) -> tuple[np.ndarray, list]:
    """Integer group index per row and the key of each index (:func:`group_keys`).

    1-D input: the distinct values; 2-D input: the distinct rows (as tuples).
    """
    g = np.asarray(g)
    if g.ndim == 1:
        values, inverse = np.unique(g, return_inverse=True)
        return inverse.reshape(-1), [_key(v) for v in values]
    rows, inverse = np.unique(g, axis=0, return_inverse=True)
    return inverse.reshape(-1), [_key(r) for r in rows]
