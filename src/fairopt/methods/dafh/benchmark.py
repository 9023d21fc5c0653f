"""Timing of DAFH fits: one configuration versus one batched group of configurations.

Cai, Khalili & Zhang (arXiv 2509.24077) tune 96 configurations per data set (Table 2); the study
runs them over 5 splits, 5 data sets and K in {2, 3, 4, 5}. :func:`time_fits` measures, on synthetic
data of the study's size (about 30,000 rows x 100 one-hot-like features), the wall and process time
of one :func:`~fairopt.methods.dafh.training.train_dafh` fit and of one
:func:`~fairopt.methods.dafh.training.train_dafh_batched` group (16 configurations: 2 x 2 learning rates
x 4 penalties; and the same with the epochs {2, 3, 4} snapshotted from one run). Measurements, not
assertions: the CPU may be shared.
"""
from __future__ import annotations

import numpy as np

from fairopt.core.timing import JobClock
from fairopt.methods.dafh.training import DAFHConfig, train_dafh, train_dafh_batched

__all__ = ["benchmark_data", "time_fits"]


def benchmark_data(n: int = 30000, d: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardised 0/1 features (density 0.2) and +-1 labels from a noisy linear rule."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, d)) < 0.2).astype(np.float64)
    y = np.where(x[:, :10] @ rng.normal(size=10) + 0.5 * rng.normal(size=n) > 0.4, 1.0, -1.0)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x, y


def _timed(fn) -> dict[str, float]:
    clock = JobClock()
    fn()
    record = clock.finish()
    return {"wall_s": record["wall_seconds"], "process_s": record["cpu_seconds"]}


def time_fits(n: int = 30000, d: int = 100, n_groups: int = 2, batch_size: int = 1024, epochs: int = 3,
              lr_group=(0.05, 0.1), lr_decoupled=(0.05, 0.1), penalties=(0.0, 1.0, 10.0, 100.0),
              snapshot_epochs=(2, 3, 4), seed: int = 0, dtype: str = "float32") -> dict[str, dict[str, float]]:
    """Wall and process seconds of a single fit, a batched group, and a batched group with epoch snapshots.

    Returns:
        ``{"single": ..., "batched": ..., "batched_snapshots": ...}``, each ``{"wall_s", "process_s"}``,
        plus ``"sizes"`` (n, d, K, batch size, configurations per group).
    """
    x, y = benchmark_data(n, d, seed)
    grid = [(a, b, c) for a in lr_group for b in lr_decoupled for c in penalties]
    single = DAFHConfig(batch_size=batch_size, epochs=epochs, lr_group=grid[0][0], lr_decoupled=grid[0][1],
                        penalty=grid[0][2])
    batched = [DAFHConfig(batch_size=batch_size, epochs=epochs, lr_group=a, lr_decoupled=b, penalty=c)
               for a, b, c in grid]
    snap = [DAFHConfig(batch_size=batch_size, epochs=e, lr_group=a, lr_decoupled=b, penalty=c)
            for e in snapshot_epochs for a, b, c in grid]
    train_dafh(x[:512], y[:512], n_groups=n_groups, config=single, seed=seed, dtype=dtype)  # warm-up
    out = {"single": _timed(lambda: train_dafh(x, y, n_groups=n_groups, config=single, seed=seed, dtype=dtype)),
           "batched": _timed(lambda: train_dafh_batched(x, y, n_groups=n_groups, configs=batched, seed=seed,
                                                        dtype=dtype)),
           "batched_snapshots": _timed(lambda: train_dafh_batched(x, y, n_groups=n_groups, configs=snap,
                                                                  seed=seed, dtype=dtype))}
    out["sizes"] = {"n": n, "d": d, "K": n_groups, "batch_size": batch_size, "configs_per_group": len(grid),
                    "snapshot_configs": len(snap)}
    return out
