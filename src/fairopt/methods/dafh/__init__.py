"""DAFH: demographic-agnostic fairness without harm, with the baseline partitions of its experiments.

Cai, Khalili & Zhang, "Demographic-Agnostic Fairness without Harm" (AIES; arXiv 2509.24077), and
the partition methods of Ustun, Liu & Parkes, "Fairness without Harm: Decoupled Classifiers with
Preference Guarantees" (ICML 2019). Reference note: ``shared/reference/dafh.md``. Usable without any
workflow; every estimator follows the scikit-learn API (``fit``/``predict``/``predict_proba``,
``get_params``/``set_params``, ``classes_``) and adds ``assign(X)`` (the group of each row) and
``predict_all(X)`` (the labels of the pooled classifier and of every decoupled classifier).

Modules:

* :mod:`~fairopt.methods.dafh.objective` -- objective (1), the lower bound (2) of Proposition 1, the
  accuracy form (3)-(4), the surrogate (5) (NumPy float64 and torch), with their derivations;
* :mod:`~fairopt.methods.dafh.network` -- the group classifier with K decoupled logistic classifiers,
  single and batched over configurations;
* :mod:`~fairopt.methods.dafh.training` -- Algorithm 1 through :func:`fairopt.core.training.fit`:
  :func:`train_dafh` (one configuration) and :func:`train_dafh_batched` (a grid as one computation);
* :mod:`~fairopt.methods.dafh.estimator` -- :class:`DAFHClassifier` (and ``fit_many``);
* :mod:`~fairopt.methods.dafh.metrics` -- the seven metrics of Section 6.3 and Ustun et al.'s
  significance-based violation count;
* :mod:`~fairopt.methods.dafh.partitions`, :mod:`~fairopt.methods.dafh.tree`,
  :mod:`~fairopt.methods.dafh.baselines` -- Pooled, Trivial, Clustering, LR-All, Manual and TreeLR;
* :mod:`~fairopt.methods.dafh.checks` -- label / K checks and the "no sensitive attribute" guards;
* :mod:`~fairopt.methods.dafh.benchmark` -- fit timings.

Reconstructions
---------------
The extraction of the paper lost every equation, Algorithm 1 and the learning-rate values; each item
says what the paper says, what we chose, and why.

* **Objective (1).** Paper: maximise the rationality and envy-freeness "degrees", differences of
  group-specific empirical risks ``R_k(h) = (1/n_k) sum_i z_ik l(h(x_i), y_i)``. Chosen:
  ``sum_k [(R_k(h_0) - R_k(h_k)) + sum_{j != k} (R_k(h_j) - R_k(h_k))]``; a group without samples
  contributes 0. Why: the direct sum of the two criteria the prose names, one rationality gain and
  K - 1 envy gains per group.
* **Lower bound (2) / Proposition 1.** Paper: replace n_k by n; valid "assuming each group satisfies
  rationality and envy-freeness". Chosen: ``(1/n) sum_i sum_k z_ik [(l_i0 - l_ik) + sum_{j != k}
  (l_ij - l_ik)]``; the bound needs only each group's bracket sum ``S_k >= 0`` (implied by the
  paper's assumption) and ``n_k <= n``. Why: the only replacement that makes the proof's two lines work.
* **Objective (4).** Paper: "maximizing (2) is equal to maximizing (4)", which differs from the
  accuracy (3) by considering classifiers on groups they are not assigned to. Chosen: the identity
  ``(2) = (K + 1) [Acc + (1/((K + 1) n)) sum_i sum_j l_ij] + const``. Why: exact algebra of (2).
* **Surrogate loss.** Paper: "approximate 0-1 loss with a Sigmoid function" of the predicted
  probability of label 1. Chosen: ``s_ik = sigmoid(-y_i t_k(x_i))`` with labels +-1 and logit t_k, which
  is also 1 - (predicted probability of the true label). Why: both phrasings give this function for
  logistic classifiers; no temperature is mentioned.
* **Soft assignment.** Paper: the k-th softmax output of the group classifier. Chosen: ``p_ik``
  replaces ``z_ik`` in (2), n is the mini-batch size. Why: as stated.
* **Balance penalty.** Paper: "the KL-divergence between the group classifier output and uniform
  distribution" times lambda, to "enforce balanced group size". Chosen: ``KL(pbar || u)`` with
  ``pbar`` the mini-batch mean of ``p_i``, subtracted from the objective. Why: only the marginal
  assignment measures group sizes; the per-sample ``mean_i KL(p_i || u)`` would instead make every
  assignment uncertain and could not balance hard group sizes.
* **Pooled term of (5).** Chosen: dropped from the training loss (kept in the evaluation functions).
  Why: ``sum_k p_ik s_i0 = s_i0`` is a constant with no gradient w.r.t. g or h_1..h_K.
* **Algorithm 1.** Paper: stochastic gradient ascent on (5) over mini-batches. Chosen: SGD on ``-J``
  per mini-batch, a fresh seeded shuffle each epoch, the last partial batch kept; "training
  iterations" (Table 2) = epochs (Table 3 calls them "training epochs"; reference note). Why: Table 3
  and Figure 2's step count (3,557 rows / 1,024 x 3 epochs = 12 < 15 steps).
* **Pooled classifier h_0.** Paper: fitted with the decoupled classifiers' learning rate ("the same
  learning rate ... in both our algorithm and other baselines"). Chosen: logistic loss, mini-batch SGD,
  lr = ``lr_decoupled``, momentum 0.9, zero initialisation, same batch size, ``pooled_epochs`` passes
  (default = ``epochs``), fitted first and frozen. Why: the only training procedure the text implies;
  its optimum is the classifier "minimizing the empirical risk over all samples" that (1) refers to.
* **Optimizers.** Paper: momentum 0.9 for the decoupled classifiers; nothing for g. Chosen: plain
  SGD for g (``group_momentum=0``, configurable). Why: "stochastic gradient ascent" and momentum being
  listed only for the decoupled classifiers.
* **Initialisation.** Not stated. Chosen: PyTorch's default initialisation of g and h_1..h_K under the
  seed (the decoupled classifiers are *not* started from h_0). Why: what an unstated PyTorch
  implementation does; it also keeps the DAFH trajectory independent of h_0, which makes the epochs
  axis of the grid shareable (:func:`train_dafh_batched`).
* **Group classifier.** Paper: "multi-layer perceptron with a hidden layer of 100 neurons". Chosen:
  ``Linear(d, 100) -> ReLU -> Linear(100, K)`` (:func:`fairopt.core.models.mlp`). Why: the activation is
  unstated; ReLU is PyTorch's and scikit-learn's MLP default.
* **Learning rates.** Values lost from Tables 2-3. Chosen defaults ``lr_group = lr_decoupled = 0.1``
  (a guess that trains the synthetic four-subgroup design in the tests); the study should grid them.
* **Standardisation.** Not stated. Chosen: DAFH standardises its inputs with the training rows' mean
  and standard deviation (constant columns unscaled); the baselines' logistic regressions use
  unnormalised features as in Ustun et al.'s code. Why: SGD with one learning rate over 0/1 and
  continuous columns needs comparable scales; liblinear does not.
* **Prediction.** Paper: each group uses its decoupled classifier. Chosen: ``argmax_k p_k(x)`` (ties:
  lowest k), probability ``sigmoid(t_k(x))``.
* **Probability of fairness without harm.** Paper: a sample satisfies both properties if its assigned
  classifier's 0-1 loss is not higher than the pooled one's and any other decoupled one's. Chosen: as
  stated (ties count as satisfied), so it is >= accuracy and 1 when all classifiers agree.
* **# violations.** Paper: groups violating rationality plus pairwise comparisons violating
  envy-freeness. Chosen: raw counts with strict inequalities (``R_g(own) > R_g(h_0)``; ordered pairs
  with ``R_g(h_k) < R_g(own)``), plus Ustun et al.'s significance-based count (exact one-sided McNemar,
  ``p = BinomCDF(c; b + c, 1/2)``, b = own wrong & other right, Bonferroni over all tests, alpha 0.1)
  so that a one-row difference is not a violation. Why: Table 7 mixes DAFH with Ustun et al.'s numbers,
  which are significance-based.
* **Max gain / min envy.** Paper: max gain ``max (R_k(h_0) - R_k(h_k))``; min envy "the maximal
  difference between the true risk of decoupled classifiers and the assigned classifier". Chosen: max
  gain over groups; min envy = ``min_g min_{rival k} (R_g(h_k) - R_g(own))`` (Ustun et al.'s smallest
  envy margin). Why: "min" in the name, "higher is better", and Table 7 sharing its columns with Ustun
  et al.; a maximum would be large for any pair of very different classifiers.
* **Disparity.** Chosen: ``[max_g acc_g(own) - min_g acc_g(own)] - [max_g acc_g(h_0) - min_g acc_g(h_0)]``
  over the grouping evaluated. **# models**: the decoupled classifiers assigned to >= 1 sample.
* **Groupings.** Paper: group metrics "when the optimal accuracy is achieved"; Table 7's denominators
  suggest small intersectional test groups (reference note). Chosen: every group metric takes any
  grouping; for intersections whose members use different classifiers the group's own error is the
  per-sample assigned classifiers' error, ``R_g(h_k)`` the error if all members used h_k, and the rivals
  are all h_k except the group's single classifier when it has one.
* **Baseline logistic regression.** Chosen: Ustun et al.'s settings with ``l1_ratio=0`` (scikit-learn
  1.8+'s spelling of ``penalty="l2"``) and ``random_state=0`` (determinism only); a group whose
  training rows have one class gets a constant classifier; a row whose group has no training rows is
  an error naming the group. Trivial partition: one classifier per observed value of the chosen
  attribute (two values in the paper's data sets).
* **Clustering.** Paper: "K-means". Chosen: scikit-learn ``KMeans`` (``n_init=10``, seeded) on the
  non-sensitive features standardised with the training rows; new rows to the nearest centroid.
* **Manual partition.** Paper (Table 5): non-white males under 45 / non-white females 25-45 / the
  rest split at random. Chosen: a user function ``(S, rng) -> ids`` with a generator seeded afresh at
  every call, so random assignments are reproducible.
* **TreeLR.** Chosen (see :mod:`~fairopt.methods.dafh.tree`): Ustun et al.'s preference score and
  admissibility rule; greedy best-first growth over all leaves, scored on the growth part against the
  root classifier; a seeded, label-stratified pruning part of 1/3 of the training rows; candidates =
  prunings with >= 2 leaves (``include_root`` adds the unsplit tree), surviving if no exact one-sided
  McNemar test over atomic groups is significant at ``alpha / m`` (alpha 0.1); choice by (min, max,
  median) atomic-group gain on the pruning part; the root if nothing survives; leaf classifiers stay
  those fitted on the growth part. Why: the reference note's account of their code.

Implementation notes: :func:`train_dafh_batched` equals separate fits (tested to 1e-10 in float64):
learning rates are gradient hooks with optimizer lr 1, and configurations differing only in epochs are
snapshots of one run. DAFH never sees sensitive attributes: :class:`DAFHClassifier` takes only the
features it is given; :func:`check_no_sensitive` / :func:`check_no_sensitive_columns` guard a study.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.methods.dafh.baselines": ['PARTITION_KINDS', 'make_partition_classifier'],
    "fairopt.methods.dafh.checks": ['binary_labels', 'check_n_groups', 'check_no_sensitive', 'check_no_sensitive_columns', 'validate_inputs'],
    "fairopt.methods.dafh.estimator": ['DAFHClassifier', 'standardisation'],
    "fairopt.methods.dafh.metrics": ['GroupRisks', 'SignificanceResult', 'agreement', 'assigned_accuracy', 'disparity', 'evaluate_estimator', 'evaluate_predictions', 'fairness_without_harm_mask', 'group_risks', 'max_gain', 'mcnemar_pvalue', 'min_envy', 'n_models', 'n_violations', 'prob_fairness_without_harm', 'significant_violations', 'violations', 'zero_one_losses'],
    "fairopt.methods.dafh.network": ['BatchedDAFHNetwork', 'BatchedPooled', 'DAFHNetwork'],
    "fairopt.methods.dafh.objective": ['accuracy_form_of_lower_bound', 'fairness_objective', 'group_sums', 'hard_assignments', 'kl_to_uniform', 'lower_bound_objective', 'objective_brackets', 'sigmoid_surrogate_loss', 'sigmoid_surrogate_loss_np', 'surrogate_objective', 'surrogate_objective_np'],
    "fairopt.methods.dafh.partitions": ['USTUN_LOGISTIC_PARAMS', 'ClusteringClassifier', 'ConstantClassifier', 'LRAllClassifier', 'ManualPartitionClassifier', 'PartitionClassifier', 'PooledClassifier', 'TrivialPartitionClassifier', 'fit_logistic', 'ustun_logistic_regression'],
    "fairopt.methods.dafh.training": ['DAFHConfig', 'DAFHParameters', 'init_network', 'seed_streams', 'train_dafh', 'train_dafh_batched', 'train_pooled', 'train_pooled_batched'],
    "fairopt.methods.dafh.tree": ['TreeLRClassifier', 'preference_score', 'stratified_holdout'],
})
