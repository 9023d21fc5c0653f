"""The training loop logs one progress line per N epochs (issue 13, item 5)."""
from __future__ import annotations

import logging

import torch

from fairopt.core.training import OptimizerConfig, fit, progress_line


def _train(epochs, caplog, **kwargs):
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 1)
    x, y = torch.randn(20, 3), torch.randn(20, 1)
    with caplog.at_level(logging.INFO, logger="fairopt.core.training"):
        result = fit(net, lambda m, b: (((m(b[0]) - b[1]) ** 2).mean(), {}), lambda e: [(x, y)], epochs=epochs,
                     optimizer=OptimizerConfig(name="sgd", lr=0.01),
                     evaluate=lambda m: {"val_loss": float(((m(x) - y) ** 2).mean())}, monitor="val_loss",
                     **kwargs)
    lines = [r.getMessage() for r in caplog.records if r.name == "fairopt.core.training"]
    return result, lines


def test_one_line_per_n_epochs_and_the_last(caplog):
    _, lines = _train(25, caplog, progress_every=10)
    assert [ln.split()[1] for ln in lines] == ["10/25", "20/25", "25/25"]
    assert all("loss=" in ln and "val_loss=" in ln and "elapsed" in ln and "ETA" in ln for ln in lines)
    assert lines[-1].endswith("ETA 0.0 s")


def test_default_is_about_ten_lines_and_zero_is_silent(caplog):
    _, lines = _train(95, caplog)
    assert len(lines) == 10
    caplog.clear()
    _, lines = _train(5, caplog, progress_every=0)
    assert lines == []


def test_logging_does_not_change_the_training(caplog):
    a, _ = _train(12, caplog, progress_every=1)
    b, _ = _train(12, caplog, progress_every=0)
    assert [r["loss"] for r in a.history] == [r["loss"] for r in b.history]


def test_progress_line_eta_from_the_mean_epoch():
    line = progress_line({"epoch": 3, "loss": 0.5, "val_auc": 0.7}, 10, 8.0)
    assert line == "epoch 4/10 loss=0.5 val_auc=0.7 elapsed 8.0 s ETA 12.0 s"
