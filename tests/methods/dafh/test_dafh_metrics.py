"""Tests of the DAFH metrics (Section 6.3) on hand-made cases with known answers."""
from __future__ import annotations

import numpy as np
import pytest

from fairopt.core.errors import DataError
from fairopt.methods.dafh.metrics import (assigned_accuracy, disparity, evaluate_predictions, group_risks, max_gain,
                                          mcnemar_pvalue, min_envy, n_models, n_violations,
                                          prob_fairness_without_harm, significant_violations, violations,
                                          zero_one_losses)

# Two learned groups of 4 rows. Group A (rows 0-3) uses model 0, group B (rows 4-7) model 1.
# Group B's own classifier errs once where the pooled classifier is right: one rationality violation.
POOLED = np.zeros(8)
MODELS = np.array([[0, 1], [0, 1], [0, 0], [0, 0],
                   [1, 1], [0, 0], [0, 0], [0, 0]], dtype=float)
ASSIGNED = np.array([0, 0, 0, 0, 1, 1, 1, 1])


def test_identical_classifiers_give_probability_one_and_no_violation():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50)
    pred = rng.integers(0, 2, 50)
    predictions = np.column_stack([pred, pred, pred, pred])
    assigned = rng.integers(0, 3, 50)
    l0, lk = zero_one_losses(y, predictions)
    assert prob_fairness_without_harm(l0, lk, assigned) == 1.0
    assert assigned_accuracy(lk, assigned) == pytest.approx(np.mean(pred == y))
    risks = group_risks(l0, lk, assigned)
    assert n_violations(risks) == 0
    assert max_gain(risks) == 0.0 and min_envy(risks) == 0.0 and disparity(risks) == 0.0


def test_single_wrong_group_hand_case():
    risks = group_risks(POOLED, MODELS, ASSIGNED)
    np.testing.assert_allclose(risks.own, [0.0, 0.25])
    np.testing.assert_allclose(risks.pooled, [0.0, 0.0])
    np.testing.assert_allclose(risks.models, [[0.0, 0.5], [0.25, 0.25]])
    assert violations(risks) == (1, 0)
    assert n_violations(risks) == 1
    assert max_gain(risks) == 0.0
    assert min_envy(risks) == 0.0          # group B: R_B(h_0 of A) - R_B(own) = 0.25 - 0.25
    assert disparity(risks) == pytest.approx(0.25)   # accuracies 1 and 0.75 vs pooled 1 and 1
    assert n_models(ASSIGNED) == 2
    assert prob_fairness_without_harm(POOLED, MODELS, ASSIGNED) == pytest.approx(7 / 8)
    assert assigned_accuracy(MODELS, ASSIGNED) == pytest.approx(7 / 8)


def test_envy_violation_counts_ordered_pairs():
    # group B prefers model 0 (error 0) to its own (0.25): one envy violation, no rationality violation
    models = MODELS.copy()
    models[4, 0] = 0.0
    pooled = np.array([0, 0, 0, 0, 1, 0, 0, 0], dtype=float)
    risks = group_risks(pooled, models, ASSIGNED)
    assert violations(risks) == (0, 1)
    assert min_envy(risks) == pytest.approx(-0.25)
    assert max_gain(risks) == 0.0


def test_one_row_difference_is_not_significant():
    sig = significant_violations(POOLED, MODELS, ASSIGNED, alpha=0.1)
    assert n_violations(group_risks(POOLED, MODELS, ASSIGNED)) == 1
    assert sig.n_violations == 0
    assert sig.n_tests == 4                       # per group: vs h_0 and vs the other model
    assert sig.alpha_test == pytest.approx(0.025)
    test = [t for t in sig.tests if t[0] == 1 and t[1] == 0][0]
    assert test[2:] == (1, 0, 0.5)


def test_large_difference_is_significant_with_bonferroni():
    n = 60
    pooled = np.zeros(2 * n)
    models = np.zeros((2 * n, 2))
    assigned = np.repeat([0, 1], n)
    models[n:n + 20, 1] = 1.0                     # group 1's own model errs on 20 rows the pooled one gets right
    sig = significant_violations(pooled, models, assigned, alpha=0.1)
    assert sig.n_rationality == 1
    assert sig.n_envy == 1                        # model 0 is also right on those rows
    assert sig.n_violations == 2
    assert mcnemar_pvalue(20, 0) == pytest.approx(0.5 ** 20)


def test_mcnemar_direction():
    # b = own wrong & other right: many b, few c -> the other classifier is better -> small p
    assert mcnemar_pvalue(10, 1) == pytest.approx(11 / 2 ** 11 + 1 / 2 ** 11)
    assert mcnemar_pvalue(1, 10) > 0.99
    assert mcnemar_pvalue(0, 0) == 1.0
    assert mcnemar_pvalue(1, 0) == 0.5


def test_intersection_grouping_with_mixed_assignments():
    # groups "a" (rows 0-2, all assigned to model 0) and "b" (rows 3-5, mixed: models 0, 1, 1)
    pooled = np.array([1, 0, 0, 0, 1, 0], dtype=float)
    models = np.array([[0, 1], [0, 0], [1, 0], [1, 0], [0, 0], [1, 1]], dtype=float)
    assigned = np.array([0, 0, 0, 0, 1, 1])
    groups = np.array(["a", "a", "a", "b", "b", "b"], dtype=object)
    risks = group_risks(pooled, models, assigned, groups)
    assert risks.labels == ["a", "b"]
    np.testing.assert_allclose(risks.own, [1 / 3, 2 / 3])        # b: model 0 wrong, model 1 right, model 1 wrong
    np.testing.assert_allclose(risks.models, [[1 / 3, 1 / 3], [2 / 3, 1 / 3]])
    assert risks.rivals.tolist() == [[False, True], [True, True]]
    assert violations(risks) == (1, 1)          # b: own 2/3 > pooled 1/3; b envies model 1 (1/3 < 2/3)
    assert min_envy(risks) == pytest.approx(-1 / 3)
    assert max_gain(risks) == pytest.approx(0.0)             # a: 1/3 - 1/3; b: 1/3 - 2/3
    assert disparity(risks) == pytest.approx((2 / 3 - 1 / 3) - 0.0)


def test_probability_is_at_least_accuracy_on_random_cases():
    rng = np.random.default_rng(1)
    for _ in range(20):
        n, k = 40, int(rng.integers(2, 5))
        l0 = rng.integers(0, 2, n).astype(float)
        lk = rng.integers(0, 2, (n, k)).astype(float)
        a = rng.integers(0, k, n)
        assert prob_fairness_without_harm(l0, lk, a) >= assigned_accuracy(lk, a)


def test_evaluate_predictions_keys_and_values():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    predictions = np.column_stack([y, np.where(MODELS[:, 0] > 0, 1 - y, y), np.where(MODELS[:, 1] > 0, 1 - y, y)])
    out = evaluate_predictions(y, predictions, ASSIGNED)
    assert out["n_violations"] == 1 and out["n_violations_significant"] == 0
    assert out["accuracy"] == pytest.approx(7 / 8) and out["pooled_accuracy"] == 1.0
    assert out["n_models"] == 2 and out["n_groups"] == 2


def test_bad_inputs():
    with pytest.raises(DataError, match="assigned"):
        group_risks(POOLED, MODELS, np.full(8, 2))
    with pytest.raises(DataError, match="predictions"):
        zero_one_losses(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(DataError, match="groups"):
        group_risks(POOLED, MODELS, ASSIGNED, groups=np.zeros(3))


def test_vectorised_pvalues_equal_the_scalar_test_and_agreement():
    from fairopt.methods.dafh.metrics import agreement, mcnemar_pvalue, significant_violations

    rng = np.random.default_rng(5)
    n, k = 400, 3
    l0 = (rng.random(n) < 0.3).astype(float)
    lk = (rng.random((n, k)) < np.array([0.2, 0.35, 0.5])).astype(float)
    assigned = rng.integers(0, k, n)
    groups = rng.integers(0, 5, n)
    result = significant_violations(l0, lk, assigned, groups, alpha=0.1)
    assert result.n_tests == len(result.tests) > 5
    for _, _, b, c, p in result.tests:
        assert p == mcnemar_pvalue(b, c)
    predictions = np.array([[1, 1, 1], [0, 1, 0], [1, 1, 1], [0, 0, 0]])
    assert agreement(predictions) == 0.75
