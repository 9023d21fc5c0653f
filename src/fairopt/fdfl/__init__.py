"""Fair decision-focused learning (FDFL) on the Obermeyer patient data.

* :mod:`fairopt.fdfl.methods` -- a method is a configuration: framework (two-stage or DFL),
  prediction fairness and its weight, decision fairness (alpha), gradient of the decision layer.
* :mod:`fairopt.fdfl.trial` -- one (method, trial) training and its evaluation.
* :mod:`fairopt.fdfl.aggregate` -- Table 2 and per-group decision errors over trials.
* :mod:`fairopt.fdfl.illustrative` -- the 15-person example of the paper's section 3.3.
"""
