"""The DAFH objectives: the fairness-without-harm objective (1), its lower bound (2) and the surrogate (5).

Cai, Khalili & Zhang, "Demographic-Agnostic Fairness without Harm" (arXiv 2509.24077), Sections 3-4.
The extraction of the paper lost every equation; each formula below is reconstructed from the prose
and derived here (the choices are listed under "Reconstructions" in :mod:`fairopt.methods.dafh`).

Notation (used by every function of this module):

* ``n`` samples, ``K`` groups, hard assignments ``z_ik`` in {0, 1} with ``sum_k z_ik = 1`` and group
  sizes ``n_k = sum_i z_ik``;
* per-sample losses ``l_i0`` of the pooled classifier ``h_0`` and ``l_ik`` of the decoupled
  classifier ``h_k`` (``k = 1..K``), 0-1 losses for (1)-(2), sigmoid surrogates for (5);
* group-specific empirical risks ``R_k(h) = (1/n_k) sum_i z_ik l(h(x_i), y_i)``.

Objective (1) (Section 3) is the sum over groups of the rationality gain and the envy-freeness gains::

    F(g, h) = sum_k [ (R_k(h_0) - R_k(h_k)) + sum_{j != k} (R_k(h_j) - R_k(h_k)) ].

Writing each group risk as a sum over samples gives the form used in the proof of Proposition 1::

    F = sum_k (1/n_k) S_k,   S_k = sum_i z_ik b_ik,
    b_ik = (l_i0 - l_ik) + sum_{j != k} (l_ij - l_ik) = l_i0 + sum_{j=1}^K l_ij - (K + 1) l_ik.

The lower bound (2) replaces ``n_k`` by the sample size ``n``::

    F_2 = (1/n) sum_i sum_k z_ik b_ik = (1/n) sum_k S_k.

Proposition 1: if every group satisfies empirical rationality and envy-freeness then every term of
``S_k / n_k`` is >= 0, hence ``S_k >= 0``; with ``1 <= n_k <= n`` we have ``1/n_k >= 1/n`` and
``S_k / n_k >= S_k / n`` for every k, so ``F >= F_2``. Equality holds iff every non-empty group has
``S_k = 0`` or ``n_k = n``. (Only ``S_k >= 0`` is used, which is weaker than the per-term assumption.)

Discussion (3)-(4): the sums over all samples do not depend on the assignment, because
``sum_k z_ik = 1``::

    F_2 = (1/n) sum_i l_i0 + (1/n) sum_i sum_{j=1}^K l_ij - (K + 1) (1 - Acc),
    Acc = (1/n) sum_i sum_k z_ik (1 - l_ik)                                        (3)
    F_2 = (K + 1) [ Acc + (1 / ((K + 1) n)) sum_i sum_j l_ij ] + const(h_0)        (4)

so maximising (2) is maximising the accuracy of the assigned classifiers (3) plus a term that rewards
every decoupled classifier's losses on all samples (our reading of (4): "also considers the
performance of decoupled classifiers on groups that they are not assigned to"). The derivative of
``F_2`` with respect to ``l_ij`` is ``(1 - (K + 1) z_ij) / n``: classifier j is pushed to be right on
its own group and wrong elsewhere, which is what drives the group classifier and the decoupled
classifiers apart.

Surrogate (5) (Section 4): soft assignments ``p_ik`` (the softmax output of the group classifier g),
sigmoid surrogates of the 0-1 loss, and a penalty that balances the groups::

    J = (1/n) sum_i sum_k p_ik [ (s_i0 - s_ik) + sum_{j != k} (s_ij - s_ik) ]
        - lambda * KL(pbar || u),
    s_ik = sigmoid(-y_i t_k(x_i))    (labels y_i in {-1, +1}, logit t_k of classifier h_k),
    pbar_k = (1/n) sum_i p_ik,       KL(pbar || u) = sum_k pbar_k log(K pbar_k).

``s_ik`` is also ``1 - (predicted probability of the true label)`` of the logistic classifier h_k:
the paper's two phrasings (a sigmoid of the logit; the predicted probability of label 1) give the
same function. Because ``sum_k p_ik = 1``, the pooled term contributes ``(1/n) sum_i s_i0``, a
constant with no gradient with respect to p (or to the decoupled classifiers): training may drop it.
"""
from __future__ import annotations

import numpy as np
import torch

from fairopt.core.errors import DataError

__all__ = [
    "hard_assignments", "objective_brackets", "group_sums", "fairness_objective", "lower_bound_objective",
    "accuracy_form_of_lower_bound", "sigmoid_surrogate_loss", "sigmoid_surrogate_loss_np",
    "kl_to_uniform", "surrogate_objective", "surrogate_objective_np",
]


def _losses(pooled_loss, model_loss) -> tuple[np.ndarray, np.ndarray]:
    """Validate and cast the loss arrays to float64 (pooled ``(n,)``, decoupled ``(n, K)``)."""
    l0 = np.asarray(pooled_loss, dtype=np.float64)
    lk = np.asarray(model_loss, dtype=np.float64)
    if lk.ndim != 2:
        raise DataError(f"model_loss: expected a 2-d array (n samples, K classifiers), got shape {lk.shape}")
    if l0.shape != (lk.shape[0],):
        raise DataError(f"pooled_loss: expected shape ({lk.shape[0]},) to match model_loss, got {l0.shape}")
    return l0, lk


def hard_assignments(assigned, n_groups: int) -> np.ndarray:
    """One-hot assignment matrix ``z_ik = 1[assigned_i = k]``.

    Args:
        assigned: Group index of each sample, integers in ``[0, n_groups)``.
        n_groups: Number of groups K.

    Returns:
        ``(n, K)`` float64 matrix with one 1 per row.
    """
    a = np.asarray(assigned)
    if a.ndim != 1 or (a.size and (a.min() < 0 or a.max() >= n_groups)):
        raise DataError(f"assigned: expected a 1-d array of group indices in [0, {n_groups})")
    z = np.zeros((a.size, n_groups), dtype=np.float64)
    z[np.arange(a.size), a.astype(np.int64)] = 1.0
    return z


def objective_brackets(pooled_loss, model_loss) -> np.ndarray:
    """Per-sample brackets ``b_ik = (l_i0 - l_ik) + sum_{j != k} (l_ij - l_ik)``.

    Equivalently ``b_ik = l_i0 + sum_j l_ij - (K + 1) l_ik``: the rationality gain plus the
    envy-freeness gains that sample i contributes to group k if it belongs to group k.

    Args:
        pooled_loss: ``(n,)`` losses ``l_i0`` of the pooled classifier.
        model_loss: ``(n, K)`` losses ``l_ik`` of the decoupled classifiers.

    Returns:
        ``(n, K)`` float64 array of ``b_ik``.
    """
    l0, lk = _losses(pooled_loss, model_loss)
    k = lk.shape[1]
    return l0[:, None] + lk.sum(axis=1, keepdims=True) - (k + 1) * lk


def group_sums(pooled_loss, model_loss, z) -> tuple[np.ndarray, np.ndarray]:
    """Group bracket sums ``S_k = sum_i z_ik b_ik`` and group sizes ``n_k = sum_i z_ik``.

    Args:
        pooled_loss: ``(n,)`` pooled losses.
        model_loss: ``(n, K)`` decoupled losses.
        z: ``(n, K)`` hard assignments (see :func:`hard_assignments`).

    Returns:
        ``(S, n_k)``, two ``(K,)`` float64 arrays.
    """
    b = objective_brackets(pooled_loss, model_loss)
    z = np.asarray(z, dtype=np.float64)
    if z.shape != b.shape:
        raise DataError(f"z: expected shape {b.shape} (n samples, K groups), got {z.shape}")
    return (z * b).sum(axis=0), z.sum(axis=0)


def fairness_objective(pooled_loss, model_loss, z) -> float:
    """Objective (1): ``sum_k [(R_k(h_0) - R_k(h_k)) + sum_{j != k} (R_k(h_j) - R_k(h_k))]``.

    Computed as ``sum_k S_k / n_k`` (module docstring); a group with no samples has no defined risk
    and contributes 0.

    Args:
        pooled_loss: ``(n,)`` 0-1 losses of h_0.
        model_loss: ``(n, K)`` 0-1 losses of h_1..h_K.
        z: ``(n, K)`` hard assignments.

    Returns:
        The objective value (float64).
    """
    s, nk = group_sums(pooled_loss, model_loss, z)
    nonempty = nk > 0
    return float(np.sum(s[nonempty] / nk[nonempty]))


def lower_bound_objective(pooled_loss, model_loss, z) -> float:
    """Objective (2) of Proposition 1: ``(1/n) sum_i sum_k z_ik b_ik``.

    A lower bound of (1) whenever every group's bracket sum ``S_k`` is non-negative (in particular
    when every group is empirically rational and envy-free); see the module docstring.

    Args:
        pooled_loss: ``(n,)`` 0-1 losses of h_0.
        model_loss: ``(n, K)`` 0-1 losses of h_1..h_K.
        z: ``(n, K)`` hard assignments.

    Returns:
        The objective value (float64).
    """
    s, nk = group_sums(pooled_loss, model_loss, z)
    n = np.asarray(z).shape[0]
    return float(s.sum() / n) if n else 0.0


def accuracy_form_of_lower_bound(pooled_loss, model_loss, z) -> tuple[float, float]:
    """Objective (2) rewritten through the assigned accuracy (3): ``(K+1)*(4) + const``.

    ``F_2 = (K + 1) [Acc + (1/((K + 1) n)) sum_ij l_ij] + (1/n) sum_i l_i0 - (K + 1)``.

    Args:
        pooled_loss: ``(n,)`` 0-1 losses of h_0.
        model_loss: ``(n, K)`` 0-1 losses of h_1..h_K.
        z: ``(n, K)`` hard assignments.

    Returns:
        ``(accuracy, value)``: the assigned accuracy (3) and the right-hand side above, which equals
        :func:`lower_bound_objective`.
    """
    l0, lk = _losses(pooled_loss, model_loss)
    z = np.asarray(z, dtype=np.float64)
    n, k = lk.shape
    acc = float(np.sum(z * (1.0 - lk)) / n)
    four = acc + lk.sum() / ((k + 1) * n)
    return acc, float((k + 1) * four + l0.mean() - (k + 1))


def sigmoid_surrogate_loss(logits: torch.Tensor, y_pm: torch.Tensor) -> torch.Tensor:
    """Sigmoid surrogate of the 0-1 loss, ``sigmoid(-y t)`` (= 1 - probability of the true label).

    Args:
        logits: Logits ``t`` with the samples on the axis that ``y_pm`` broadcasts against.
        y_pm: Labels in {-1, +1}.

    Returns:
        The surrogate losses, same shape as ``logits``.
    """
    return torch.sigmoid(-y_pm * logits)


def sigmoid_surrogate_loss_np(logits, y_pm) -> np.ndarray:
    """NumPy float64 version of :func:`sigmoid_surrogate_loss` (numerically stable).

    Args:
        logits: Logits ``t``.
        y_pm: Labels in {-1, +1}, broadcastable against ``logits``.

    Returns:
        ``sigmoid(-y t)`` as float64.
    """
    t = -np.asarray(y_pm, dtype=np.float64) * np.asarray(logits, dtype=np.float64)
    out = np.empty_like(t)
    pos = t >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-t[pos]))
    e = np.exp(t[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def kl_to_uniform(pbar: torch.Tensor) -> torch.Tensor:
    """``KL(pbar || u) = sum_k pbar_k log(K pbar_k)`` over the last axis (u uniform on K groups).

    ``0 log 0 = 0``; the logarithm's argument is clamped at the dtype's smallest normal number so that
    the gradient stays finite when a group's mean probability underflows.

    Args:
        pbar: Mean assignment probabilities, last axis of size K.

    Returns:
        The divergence, shape ``pbar.shape[:-1]``.
    """
    k = pbar.shape[-1]
    tiny = torch.finfo(pbar.dtype).tiny
    return (pbar * (torch.log(pbar.clamp_min(tiny)) + float(np.log(k)))).sum(dim=-1)


def surrogate_objective(group_logits: torch.Tensor, decoupled_logits: torch.Tensor, y_pm: torch.Tensor,
                        penalty, pooled_logits: torch.Tensor | None = None) -> torch.Tensor:
    """Surrogate objective (5) on one (mini-)batch, to be maximised.

    ``J = (1/B) sum_i sum_k p_ik [s_i0 + sum_j s_ij - (K+1) s_ik] - lambda KL(pbar || u)`` with
    ``p_i = softmax(group_logits_i)``, ``s_ik = sigmoid(-y_i t_ik)``, ``pbar = mean_i p_i``.

    Any leading axes are batch axes over configurations (the batched trainer passes ``(C, B, K)``).

    Args:
        group_logits: ``(..., B, K)`` pre-softmax outputs of the group classifier g.
        decoupled_logits: ``(..., B, K)`` logits of the decoupled classifiers h_1..h_K.
        y_pm: ``(B,)`` labels in {-1, +1}.
        penalty: lambda, a float or a tensor broadcastable to the leading axes.
        pooled_logits: ``(..., B)`` logits of h_0, or ``None`` to drop the pooled term (a constant
            ``(1/B) sum_i s_i0`` without gradient; see the module docstring).

    Returns:
        The objective, shape ``group_logits.shape[:-2]``.
    """
    p = torch.softmax(group_logits, dim=-1)
    y = y_pm.unsqueeze(-1)
    s = sigmoid_surrogate_loss(decoupled_logits, y)
    k = s.shape[-1]
    bracket = s.sum(dim=-1, keepdim=True) - (k + 1) * s
    if pooled_logits is not None:
        bracket = bracket + sigmoid_surrogate_loss(pooled_logits, y_pm).unsqueeze(-1)
    gain = (p * bracket).sum(dim=-1).mean(dim=-1)
    return gain - penalty * kl_to_uniform(p.mean(dim=-2))


def surrogate_objective_np(group_logits, decoupled_logits, y_pm, penalty: float,
                           pooled_logits=None) -> float:
    """NumPy float64 evaluation of the surrogate (5) on a whole data set (one configuration).

    Args:
        group_logits: ``(n, K)`` pre-softmax group-classifier outputs.
        decoupled_logits: ``(n, K)`` decoupled logits.
        y_pm: ``(n,)`` labels in {-1, +1}.
        penalty: lambda.
        pooled_logits: ``(n,)`` pooled logits or ``None`` (drop the constant pooled term).

    Returns:
        The value of (5).
    """
    a = np.asarray(group_logits, dtype=np.float64)
    a = a - a.max(axis=1, keepdims=True)
    p = np.exp(a)
    p /= p.sum(axis=1, keepdims=True)
    y = np.asarray(y_pm, dtype=np.float64)
    s = sigmoid_surrogate_loss_np(decoupled_logits, y[:, None])
    k = s.shape[1]
    bracket = s.sum(axis=1, keepdims=True) - (k + 1) * s
    if pooled_logits is not None:
        bracket = bracket + sigmoid_surrogate_loss_np(pooled_logits, y)[:, None]
    gain = float(np.mean(np.sum(p * bracket, axis=1)))
    pbar = p.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = float(np.sum(np.where(pbar > 0, pbar * np.log(k * pbar), 0.0)))
    return gain - float(penalty) * kl
