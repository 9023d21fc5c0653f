"""Fair decision-focused learning (FDFL) on the Obermeyer patient data.

* :mod:`fairopt.studies.fdfl.methods` -- a method is a configuration: framework (two-stage or DFL),
  prediction fairness and its weight, decision fairness (alpha), gradient of the decision layer;
  tables are ordered method lists.
* :mod:`fairopt.studies.fdfl.settings` -- the settings shared by every trial (model, training, budget).
* :mod:`fairopt.studies.fdfl.data` -- one trial's standardized train/test parts.
* :mod:`fairopt.studies.fdfl.predict` -- risk predictions: network, optional fairness layer, risk floor.
* :mod:`fairopt.studies.fdfl.job` -- one (method, trial) training and its evaluation.
* :mod:`fairopt.studies.fdfl.evaluate` -- regret, MSE, prediction fairness and group allocations of a part.
* :mod:`fairopt.studies.fdfl.tables` -- Table 2 and per-group decision errors over trials.
* :mod:`fairopt.studies.fdfl.scorecard` -- paper vs reproduction rows.
* :mod:`fairopt.studies.fdfl.benchmarks` -- benchmark-table rows (seconds per trial, closed form vs solver).
* :mod:`fairopt.studies.fdfl.illustrative` -- the 15-person example of the paper's section 3.3.
"""
