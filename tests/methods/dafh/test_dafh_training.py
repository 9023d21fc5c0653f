"""Tests of DAFH training (Algorithm 1): seeds, batched = separate fits, and a sanity check that it learns."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from fairopt.core.errors import ConfigError, DataError
from fairopt.methods.dafh import DAFHClassifier, DAFHConfig, train_dafh, train_dafh_batched
from fairopt.methods.dafh.training import train_pooled, train_pooled_batched

FIELDS = ("w1", "b1", "w2", "b2", "wd", "bd", "pooled_w")


def _data(n=240, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = np.where(x[:, 0] - 0.5 * x[:, 1] + 0.5 * rng.normal(size=n) > 0, 1.0, -1.0)
    return x, y


def four_subgroups(n, seed):
    """Four clusters at (+-3, +-3); the two diagonals have opposite decision boundaries.

    Cluster pairs on the main diagonal follow y = sign(x1 - x2), the others y = sign(x1 + x2). The design
    is symmetric, so every linear classifier is right on about half of the rows, while a partition into
    the diagonals (K = 2) or the clusters (K = 4) makes each group linearly separable.
    """
    rng = np.random.default_rng(seed)
    a1, a2 = rng.integers(0, 2, n), rng.integers(0, 2, n)
    x = np.column_stack([6 * a1 - 3, 6 * a2 - 3]) + rng.normal(size=(n, 2))
    y = np.where(a1 == a2, np.sign(x[:, 0] - x[:, 1]), np.sign(x[:, 0] + x[:, 1]))
    return x, y.astype(int)


def _equal(p, q) -> bool:
    return all(np.array_equal(getattr(p, f), getattr(q, f)) for f in FIELDS) and p.pooled_b == q.pooled_b


def test_same_seed_bit_identical_and_other_seed_differs():
    x, y = _data()
    cfg = DAFHConfig(batch_size=32, epochs=2, hidden_units=8)
    p1 = train_dafh(x, y, n_groups=3, config=cfg, seed=5)
    p2 = train_dafh(x, y, n_groups=3, config=cfg, seed=5)
    p3 = train_dafh(x, y, n_groups=3, config=cfg, seed=6)
    assert _equal(p1, p2)
    assert not np.array_equal(p1.w1, p3.w1)
    e1 = DAFHClassifier(3, batch_size=32, epochs=2, hidden_units=8, seed=5).fit(x, y)
    e2 = DAFHClassifier(3, batch_size=32, epochs=2, hidden_units=8, seed=5).fit(x, y)
    assert np.array_equal(e1.predict_proba(x), e2.predict_proba(x))
    assert np.array_equal(e1.assign(x), e2.assign(x))


def test_global_torch_rng_is_left_untouched():
    x, y = _data(n=64)
    state = torch.get_rng_state().clone()
    train_dafh(x, y, n_groups=2, config=DAFHConfig(batch_size=16, epochs=1, hidden_units=4), seed=0)
    assert torch.equal(state, torch.get_rng_state())


def test_batched_equals_separate_fits_float64():
    x, y = _data(n=300, d=5, seed=1)
    configs = [DAFHConfig(batch_size=40, epochs=e, lr_group=lg, lr_decoupled=lh, penalty=lam, hidden_units=12,
                          pooled_epochs=pe)
               for e in (1, 3) for lg in (0.05, 0.5) for lh in (0.02, 0.3) for lam in (0.0, 10.0)
               for pe in (None, 2)][::3]
    batched = train_dafh_batched(x, y, n_groups=3, configs=configs, seed=11, dtype="float64")
    assert len(batched) == len(configs)
    worst = 0.0
    for c, b in zip(configs, batched):
        s = train_dafh(x, y, n_groups=3, config=c, seed=11, dtype="float64")
        for f in FIELDS:
            worst = max(worst, float(np.max(np.abs(getattr(s, f) - getattr(b, f)))))
        worst = max(worst, abs(s.pooled_b - b.pooled_b))
        assert b.config == c and len(b.history) == c.epochs
        assert s.history[-1]["objective"] == pytest.approx(b.history[-1]["objective"], abs=1e-10)
    assert worst < 1e-10
    # the fits moved away from the shared initialisation, and differently per configuration
    assert not np.allclose(batched[0].w1, batched[-1].w1)


def test_pooled_batched_equals_separate_and_logistic_regression_direction():
    x, y = _data(n=200, d=3, seed=2)
    out = train_pooled_batched(x, y, lrs=[0.05, 0.2], batch_size=25, epochs=[1, 4], seed=3, dtype="float64")
    for p, lr in enumerate([0.05, 0.2]):
        for e in (1, 4):
            w, b = train_pooled(x, y, lr=lr, batch_size=25, epochs=e, seed=3, dtype="float64")
            np.testing.assert_allclose(out[(p, e)][0], w, rtol=0, atol=1e-12)
            assert out[(p, e)][1] == pytest.approx(b, abs=1e-12)
    w, _ = out[(1, 4)]
    ref = LogisticRegression().fit(x, y).coef_[0]
    assert np.dot(w, ref) / (np.linalg.norm(w) * np.linalg.norm(ref)) > 0.95


def test_fit_many_equals_single_estimators():
    x, y = _data(n=150, d=3, seed=4)
    configs = [DAFHConfig(batch_size=30, epochs=e, lr_group=0.2, lr_decoupled=0.1, penalty=p, hidden_units=6)
               for e in (1, 2) for p in (0.0, 5.0)]
    many = DAFHClassifier.fit_many(x, y, configs, n_groups=2, seed=1, dtype="float64")
    for c, est in zip(configs, many):
        one = DAFHClassifier(2, batch_size=30, epochs=c.epochs, lr_group=0.2, lr_decoupled=0.1, penalty=c.penalty,
                             hidden_units=6, dtype="float64", seed=1).fit(x, y)
        np.testing.assert_allclose(est.predict_proba(x), one.predict_proba(x), rtol=0, atol=1e-10)
        assert np.array_equal(est.assign(x), one.assign(x))
        assert est.get_params()["penalty"] == c.penalty


def test_dafh_beats_pooled_logistic_regression_on_four_subgroups():
    x, y = four_subgroups(2000, seed=0)
    xt, yt = four_subgroups(2000, seed=1)
    pooled = LogisticRegression().fit(x, y).score(xt, yt)
    dafh = DAFHClassifier(4, batch_size=64, epochs=10, lr_group=0.1, lr_decoupled=0.1, penalty=1.0, seed=0).fit(x, y)
    acc = dafh.score(xt, yt)
    assert pooled < 0.6
    assert acc > pooled + 0.25
    assert np.bincount(dafh.assign(xt), minlength=4).min() > 100
    # training increased the surrogate objective
    assert dafh.history_[-1]["objective"] > dafh.history_[0]["objective"]


@pytest.mark.parametrize("field,value", [("batch_size", 0), ("epochs", 1.5), ("lr_group", 0.0),
                                         ("lr_decoupled", -1.0), ("penalty", float("nan")), ("momentum", 1.0),
                                         ("pooled_epochs", 0), ("hidden_units", 0)])
def test_bad_config_is_a_one_line_config_error(field, value):
    x, y = _data(n=20)
    with pytest.raises(ConfigError, match=field) as err:
        train_dafh(x, y, n_groups=2, config=DAFHConfig(**{field: value}))
    assert "\n" not in str(err.value)


def test_bad_training_inputs():
    x, y = _data(n=20)
    with pytest.raises(ConfigError, match="n_groups"):
        train_dafh(x, y, n_groups=1)
    with pytest.raises(DataError, match="y"):
        train_dafh(x, (y > 0).astype(float), n_groups=2)
    bad = x.copy()
    bad[3, 1] = np.inf
    with pytest.raises(DataError, match="X"):
        train_dafh(bad, y, n_groups=2)
    with pytest.raises(ConfigError, match="batch_size"):
        train_dafh_batched(x, y, n_groups=2, configs=[DAFHConfig(batch_size=8), DAFHConfig(batch_size=16)])
    with pytest.raises(ConfigError, match="dtype"):
        train_dafh(x, y, n_groups=2, dtype="float16")


def test_on_step_sees_every_gradient_step_and_the_final_parameters():
    x, y = _data(n=300)
    config = DAFHConfig(batch_size=64, epochs=2, lr_group=0.1, lr_decoupled=0.1, penalty=1.0)
    seen = []
    final = train_dafh(x, y, n_groups=2, config=config, seed=3, dtype="float64",
                       on_step=lambda step, params: seen.append((step, params.wd.copy(), params.w1.copy())))
    assert [s for s, _, _ in seen] == list(range(1, 2 * int(np.ceil(300 / 64)) + 1))
    assert np.array_equal(seen[-1][1], final.wd) and np.array_equal(seen[-1][2], final.w1)
    assert not np.array_equal(seen[0][1], seen[1][1])  # a snapshot per step, not a shared view
    plain = train_dafh(x, y, n_groups=2, config=config, seed=3, dtype="float64")
    assert np.array_equal(plain.wd, final.wd)  # the callback does not change training


def test_device_switch_cpu_is_the_default_and_auto_falls_back_to_the_cpu():
    x, y = _data()
    default = train_dafh(x, y, n_groups=2, config=DAFHConfig(epochs=2, batch_size=64), seed=3)
    on_cpu = train_dafh(x, y, n_groups=2, config=DAFHConfig(epochs=2, batch_size=64), seed=3, device="cpu")
    assert _equal(default, on_cpu)
    auto = DAFHClassifier(epochs=2, batch_size=64, device="auto", seed=3).fit(x, y)
    cpu = DAFHClassifier(epochs=2, batch_size=64, seed=3).fit(x, y)
    if not torch.cuda.is_available():  # auto on a machine without a GPU is the CPU: the same weights
        assert _equal(auto.parameters_, cpu.parameters_)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_one_line_config_error():
    x, y = _data()
    with pytest.raises(ConfigError, match=r"^config key device: 'cuda' asked for") as err:
        DAFHClassifier(epochs=1, device="cuda").fit(x, y)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="unknown device 'gpu'"):
        DAFHClassifier(epochs=1, device="gpu").fit(x, y)
