"""Calibrated synthetic stand-in for the Obermeyer et al. (2019) patient file ``data_new.csv``.

The real file (48,784 patient-years x 160 columns; labsysmed/dissecting-bias ``data/data_new.csv``)
cannot be obtained offline. :func:`generate_standin` builds a table with exactly its schema (the
160 columns of ``data_dictionary.md``, same names, order and dtypes) from three published files:

* ``data_dictionary.md`` -- column names, dtypes and the lab thresholds of the ``-low``/``-high``
  indicators (parsed from the descriptions, e.g. "low (< 0.84)").
* ``model_lasso_predictors.csv`` -- 16,099 REAL hold-out patient-years with the joint values of
  ``dem_race_black``, the five outcome columns and three lasso predictions made from the real
  year t-1 features (``log_cost_t_hat``, ``gagne_sum_t_hat``, ``log_cost_avoidable_t_hat``).
* ``table1.csv`` -- the paper's Table 1: per-race means of demographics, year-t biomarkers,
  comorbidities and cost.

What is real and what is synthetic
----------------------------------
REAL (copied, whole rows): ``risk_score_t``, ``gagne_sum_t``, ``cost_t``, ``cost_avoidable_t``,
``program_enrolled_t``. EVERYTHING ELSE IS SYNTHETIC: ``race`` counts are fixed, and the other 154
columns are drawn from the latent-variable model below. The three lasso predictions of the drawn
rows are used as latent drivers only; they are not columns of the output.

Generative model (``rng = numpy.random.default_rng(seed)``, all draws in a fixed order)
-----------------------------------------------------------------------------------------
Notation: ``rn(x)`` is the rank-normal transform over all rows, ``Phi^-1((rank(x) - 1/2) / n)``
(average ranks for ties); ``N`` a standard-normal draw; "exact quantile thresholding" of a latent
``L`` within race r sets the indicator to 1 for the ``round(p_r * n_r)`` rows of race r with the
largest ``L``, so the per-race prevalence equals ``p_r`` up to rounding to a whole row.

1. **Race.** ``n_black = round(n_rows * 5582 / 48784)`` (11.44% black, the full file's share),
   the rest white, in random row order. ``race`` is the string 'white'/'black'.
2. **Outcomes (real rows).** Within each race, hold-out rows of that race are drawn jointly
   (whole rows) by a *balanced* bootstrap: every row is taken ``n_r // N_r`` times and the
   remaining ``n_r mod N_r`` draws are one random row from each of that many equal-size strata of
   the rows sorted by (``cost_t``, ``risk_score_t``); of :data:`BALANCE_CANDIDATES` such stratified
   draws, the one whose five outcome means are relatively closest to the race's hold-out means is
   kept (rerandomization). Rows repeat (resampling with replacement), but the heavy-tailed cost
   means do not wander by chance: with i.i.d. draws the black mean of ``cost_avoidable_t`` has a
   sampling error of about 6% at full size (up to 15% over seeds) and 16% at 8,000 rows; here it
   is below 1% and about 2%. Consequences: per-race quantiles of ``risk_score_t`` and the means
   of ``cost_t``, ``cost_avoidable_t`` and ``gagne_sum_t`` are those of the hold-out rows (within
   1-3% of the full file's published values).
3. **Latent drivers** (pooled over races, so equal outcomes give equal features whatever the race):

   * utilisation ``U = 0.74 rn(risk_score_t) + 0.30 rn(log_cost_t_hat) + 0.52 N``, standardized;
   * severity ``S = 0.6 rn(gagne_sum_t + V) + 0.4 rn(gagne_sum_t_hat) + 0.45 N`` (``V`` uniform
     jitter breaking ties), standardized;
   * acuity ``A = 0.7 rn(log_cost_avoidable_t_hat) + 0.3 rn(risk_score_t) + 0.6 N``, standardized.

   The weights and noise scales (:data:`LATENT`) set how much of ``risk_score_t`` the year t-1
   features reveal: the held-out R^2 of a default gradient-boosting model
   (:func:`gbm_holdout_r2`) is 0.62-0.64 at 48,784 rows (seeds 0-2) and 0.52-0.66 at 8,000-10,000
   rows (seeds 0-7); the band checked is [0.45, 0.8]. For scale: on the real hold-out rows gradient
   boosting on the three lasso predictions alone reaches about 0.5.
4. **Demographics.** Age band: exact quantile thresholding of ``0.45 S + 0.89 N`` within race at
   the cumulative Table 1 proportions (normalized to sum to 1), giving exactly one band per row,
   older with higher severity. ``dem_female``: exactly ``round(p_r n_r)`` women per race chosen
   at random (Table 1 "Female").
5. **Comorbidities (33 indicators).** ``L_k = 0.55 S + 0.30 F_g(k) + 0.78 N`` with ``F_g`` one of
   four system factors (cardio-metabolic, cardiac, mental health/substance, other), exact
   quantile thresholding within race at the prevalence ``p_rk``: Table 1's value for the 20
   illnesses it lists (a printed 0.00 is read as its rounding midpoint 0.0025); the 13 others get
   the small base prevalences of :data:`OTHER_COMORBIDITY_BASE`, scaled per race so that the sum
   of all 33 prevalences equals Table 1's "Total number of active illnesses" (scale clipped to
   [0.25, 4]). ``gagne_sum_tm1`` is the row sum of the 33 indicators, so its per-race mean is
   Table 1's total; the loadings give it the spread of the real ``gagne_sum_t`` (sd 1.9, 44% zeros
   vs 46%) and a correlation of 0.7 with it.
6. **Costs at t-1 (13 categories).** Total ``T``: the drawn ``cost_t`` values re-assigned to rows
   in the order of ``U`` (pooled), so ``T`` has the real year-t cost distribution and rises with
   ``U``. Category j is active with probability ``sigmoid(a_j + b_j U + c_j A + comorbidity
   effects)`` (dialysis only with renal failure; home health with age 75+, heart failure or
   paralysis; physical therapy with arthritis; ...); active categories get weights
   ``m_j Gamma(2) / 2`` (:data:`COST_CATEGORIES`), ``T`` is split in proportion to the weights
   (rows with no active category go to primary care), and each amount is rounded to the nearest
   10 (``cost_other_tm1`` to the nearest 100), as the dictionary says. Non-negative by construction.
7. **Labs.** Every patient has a latent level of each of the nine biomarkers (cre, crp, esr,
   ghba1c, hct, ldl, nt_bnp, sodium, trig) and of systolic BP: ``log level = log median + sum of
   effects (sex, age band, comorbidities, S) + sd N`` (:data:`LABS`; e.g. diabetes raises HbA1c,
   renal failure creatinine, anemia lowers hematocrit, hypertension raises BP, heart failure
   raises BNP). The number of tests ``*_tests_tm1`` is 0 with probability ``1 - sigmoid(a + b U +
   effects)``, else ``1 + Poisson(mu exp(0.35 U + effects))``. Each test's value is
   ``level exp(sd_within N)``; the min, mean and max over the year's tests are classified low /
   normal / high against the dictionary's thresholds (low if below the "<" value, high if above
   the ">" value). Hence: no test -> all nine indicators 0; otherwise exactly one of
   low/normal/high per statistic, ordered class(min) <= class(mean) <= class(max).
8. **Year-t biomarker means** (``bps/ghba1c/hct/cre/ldl_mean_t``): ``level exp(sd_within N)``;
   per race, the level and the year-t value are multiplied by the factor that makes the race's
   mean equal to Table 1's (HbA1c, Systolic BP, Creatinine, Hematocrit, LDL), then rounded (cre
   to 0.01, the others to 0.1). Every patient has a value (no NaN; the real file leaves untested
   patients empty).
9. **Lasix.** Taken with probability ``sigmoid(-4.3 + 3.0 chf + 1.2 renal + 0.5 hypertension +
   0.4 U)``; ``lasix_dose_count_tm1 = 1 + Poisson(6 exp(0.3 U))``; each dose is a daily dose from
   {10, 20, 40, 60, 80, 120, 160} mg around a personal level (higher with heart/renal failure);
   min and max (integers) and mean (float, 2 decimals) over the doses. No lasix -> all four 0.

:func:`calibration_report` measures all of this on any patient table (the stand-in or the real
file): size and schema, race share, per-race ``risk_score_t`` quartiles against the full file's,
outcome means against the hold-out rows, every Table 1 per-race mean, the internal consistency
rules of :func:`consistency_violations` and the held-out R^2 of a gradient-boosting model.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.special import expit, ndtri

from fairopt.data.obermeyer_schema import (NULLABLE_COLUMNS, OUTCOME_COLUMNS, PatientSchema, canonical_columns,
                                           feature_columns, parse_data_dictionary, risk_percentile)
from fairopt.core.errors import ConfigError, DataError
from fairopt.core.splits import trial_split

__all__ = [
    "generate_standin",
    "calibration_report",
    "consistency_violations",
    "read_holdout",
    "read_table1",
    "lab_indicator_columns",
    "lab_thresholds",
    "TABLE1_MAP",
    "PERCENTILE_STAT",
    "RACE_PERCENT_STAT",
    "FULL_FILE_ROWS",
    "FULL_FILE_BLACK_ROWS",
    "FULL_FILE_RISK_QUANTILES",
    "BIOMARKERS",
    "R2_BAND",
    "gbm_holdout_r2",
]

# ----------------------------------------------------------------------------- calibration targets
#: rows of the full file and its black rows (SOURCES.md: 43,202 white / 5,582 black)
FULL_FILE_ROWS = 48784
FULL_FILE_BLACK_ROWS = 5582
#: tolerance of the black-share check
BLACK_SHARE_TOLERANCE = 0.002
#: per-race quartiles of risk_score_t in the full file (SOURCES.md); checked within 10%
FULL_FILE_RISK_QUANTILES = {
    "white": {0.25: 1.4269, 0.50: 2.8707, 0.75: 5.2828},
    "black": {0.25: 1.4948, 0.50: 3.0236, 0.75: 6.0302},
}
QUANTILE_TOLERANCE = 0.10
#: Table 1 means are checked within max(10% relative, 0.01 absolute)
TABLE1_REL_TOLERANCE, TABLE1_ABS_TOLERANCE = 0.10, 0.01
#: band of the held-out R^2 of gradient boosting predicting risk_score_t from the 149 features
R2_BAND = (0.45, 0.80)
#: seed of the GBM's split and model in the R^2 check
R2_SEED = 0

# derived statistics named in TABLE1_MAP (not plain column means)
PERCENTILE_STAT = "percentile(risk_score_t)"  # mean percentile rank 1..100 of risk_score_t
RACE_PERCENT_STAT = "percent(race)"  # share of the rows, in %

#: Table 1 row label -> what it describes in the patient file (a column's per-race mean, or a
#: derived statistic). The ONE place where Table 1 rows are tied to columns.
TABLE1_MAP: dict[str, tuple[str, ...]] = {
    "Age 18-24": ("dem_age_band_18-24_tm1",),
    "Age 25-34": ("dem_age_band_25-34_tm1",),
    "Age 35-44": ("dem_age_band_35-44_tm1",),
    "Age 45-54": ("dem_age_band_45-54_tm1",),
    "Age 55-64": ("dem_age_band_55-64_tm1",),
    "Age 65-74": ("dem_age_band_65-74_tm1",),
    "Age 75+": ("dem_age_band_75+_tm1",),
    "Female": ("dem_female",),
    "Algorithm score (percentile)": (PERCENTILE_STAT,),
    "Race composition of program (%)": (RACE_PERCENT_STAT,),
    "Actual cost": ("cost_t",),
    "HbA1c": ("ghba1c_mean_t",),
    "Systolic BP": ("bps_mean_t",),
    "Creatinine": ("cre_mean_t",),
    "Hematocrit": ("hct_mean_t",),
    "LDL": ("ldl_mean_t",),
    "Total number of active illnesses": ("gagne_sum_t", "gagne_sum_tm1"),
    "Hypertension": ("hypertension_elixhauser_tm1",),
    "Diabetes, uncomplicated": ("uncompdiabetes_elixhauser_tm1",),
    "Arrythmia": ("arrhythmia_elixhauser_tm1",),
    "Hypothyroid": ("hypothyroid_elixhauser_tm1",),
    "Obesity": ("obesity_elixhauser_tm1",),
    "Pulmonary disease": ("pulmonarydz_romano_tm1",),
    "Cancer": ("tumor_romano_tm1",),
    "Depression": ("depression_elixhauser_tm1",),
    "Anemia": ("anemia_elixhauser_tm1",),
    "Arthritis": ("arthritis_elixhauser_tm1",),
    "Renal failure": ("renal_elixhauser_tm1",),
    "Electrolyte disorder": ("electrolytes_elixhauser_tm1",),
    "Heart failure": ("chf_romano_tm1",),
    "Psychosis": ("psychosis_elixhauser_tm1",),
    "Valvular disease": ("valvulardz_elixhauser_tm1",),
    "Stroke": ("cerebrovasculardz_romano_tm1",),
    "Peripheral vascular disease": ("pvd_elixhauser_tm1",),
    "Diabetes, complicated": ("compdiabetes_elixhauser_tm1",),
    "Heart attack": ("myocardialinfarct_romano_tm1",),
    "Liver disease": ("liver_elixhauser_tm1",),
}
#: Table 1 row holding the per-race row counts (the full file's size)
TABLE1_COUNT_LABEL = "n (patient-years)"
RACES = ("white", "black")

#: hold-out columns the generator needs (the report needs only race and the outcomes)
PREDICTION_COLUMNS = ("log_cost_t_hat", "gagne_sum_t_hat", "log_cost_avoidable_t_hat")
HOLDOUT_COLUMNS = ("dem_race_black", *OUTCOME_COLUMNS, *PREDICTION_COLUMNS)

# ----------------------------------------------------------------------------- generative model
#: stratified draws of the real outcome rows compared per race (the best-balanced one is kept)
BALANCE_CANDIDATES = 32
#: latent drivers: weights of the rank-normal scores and of the independent noise (before
#: standardization). The noise scales set the held-out R^2 of risk_score_t (about 0.6).
LATENT = {
    "U": {"risk_score_t": 0.74, "log_cost_t_hat": 0.30, "noise": 0.52},
    "S": {"gagne_sum_t": 0.60, "gagne_sum_t_hat": 0.40, "noise": 0.45},
    "A": {"log_cost_avoidable_t_hat": 0.70, "risk_score_t": 0.30, "noise": 0.60},
}
AGE_SEVERITY_LOADING = 0.45
COMORBIDITY_SEVERITY_LOADING = 0.55  # chosen so gagne_sum_tm1 has the spread of the real gagne_sum_t
COMORBIDITY_SYSTEM_LOADING = 0.30

#: system factor of each comorbidity (shared latent beyond severity)
COMORBIDITY_SYSTEM = {
    "hypertension": "cardiometabolic", "uncompdiabetes": "cardiometabolic", "compdiabetes": "cardiometabolic",
    "obesity": "cardiometabolic", "renal": "cardiometabolic", "pvd": "cardiometabolic",
    "arrhythmia": "cardiac", "chf": "cardiac", "valvulardz": "cardiac", "myocardialinfarct": "cardiac",
    "cerebrovasculardz": "cardiac", "pulmcirc": "cardiac",
    "depression": "mental", "psychosis": "mental", "alcohol": "mental", "drugabuse": "mental",
    "neurodegen": "mental", "dementia": "mental",
}

#: base prevalences of the 13 comorbidities Table 1 does not list (scaled per race, see docstring)
OTHER_COMORBIDITY_BASE = {
    "alcohol_elixhauser_tm1": 0.005, "bloodlossanemia_elixhauser_tm1": 0.002,
    "coagulopathy_elixhauser_tm1": 0.004, "drugabuse_elixhauser_tm1": 0.004,
    "neurodegen_elixhauser_tm1": 0.005, "paralysis_elixhauser_tm1": 0.001,
    "pulmcirc_elixhauser_tm1": 0.003, "wtloss_elixhauser_tm1": 0.003, "dementia_romano_tm1": 0.003,
    "hemiplegia_romano_tm1": 0.001, "hivaids_romano_tm1": 0.002, "metastatic_romano_tm1": 0.003,
    "ulcer_romano_tm1": 0.001,
}
OTHER_SCALE_BOUNDS = (0.25, 4.0)
#: prevalence used for a Table 1 entry printed as 0.00 (the midpoint of [0, 0.005))
ZERO_PREVALENCE = 0.0025

#: cost categories: activity logit (intercept, U slope, A slope, comorbidity effects) and mean
#: weight when active; a_j gives the share of patients with such costs at average U.
COST_CATEGORIES: dict[str, dict[str, Any]] = {
    "cost_dialysis_tm1": dict(a=-1.4, u=0.4, acute=0.0, only_if="renal", weight=8.0),
    "cost_emergency_tm1": dict(a=-1.2, u=0.6, acute=0.9, weight=0.25),
    "cost_home_health_tm1": dict(a=-3.6, u=0.6, acute=0.2, effects={"age75": 1.3, "chf": 1.0, "paralysis": 1.5},
                                 weight=0.6),
    "cost_ip_medical_tm1": dict(a=-2.4, u=0.9, acute=0.8, weight=1.6),
    "cost_ip_surgical_tm1": dict(a=-3.0, u=0.9, acute=0.3, weight=2.0),
    "cost_laboratory_tm1": dict(a=1.0, u=0.7, acute=0.0, weight=0.06),
    "cost_op_primary_care_tm1": dict(a=1.7, u=0.5, acute=0.0, weight=0.10),
    "cost_op_specialists_tm1": dict(a=0.7, u=0.7, acute=0.0, weight=0.22),
    "cost_op_surgery_tm1": dict(a=-1.4, u=0.6, acute=0.0, effects={"tumor": 0.8}, weight=0.45),
    "cost_other_tm1": dict(a=-0.3, u=0.6, acute=0.2, weight=0.15),
    "cost_pharmacy_tm1": dict(a=1.5, u=0.6, acute=0.0,
                              effects={"uncompdiabetes": 0.8, "compdiabetes": 0.8, "hivaids": 2.0}, weight=0.30),
    "cost_physical_therapy_tm1": dict(a=-2.6, u=0.5, acute=0.0, effects={"arthritis": 1.2}, weight=0.25),
    "cost_radiology_tm1": dict(a=-0.1, u=0.7, acute=0.3, effects={"tumor": 1.0}, weight=0.12),
}
COST_WEIGHT_SHAPE = 2.0

#: the nine biomarkers with year t-1 tests, in dictionary order
BIOMARKERS = ("cre", "crp", "esr", "ghba1c", "hct", "ldl", "nt_bnp", "sodium", "trig")
#: year-t biomarker mean columns -> their biomarker (bps has no year t-1 tests)
YEAR_T_MEANS = {"bps_mean_t": "bps", "ghba1c_mean_t": "ghba1c", "hct_mean_t": "hct", "cre_mean_t": "cre",
                "ldl_mean_t": "ldl"}
YEAR_T_DECIMALS = {"bps_mean_t": 1, "ghba1c_mean_t": 1, "hct_mean_t": 1, "cre_mean_t": 2, "ldl_mean_t": 1}

#: latent levels: median (male, age 45-54, no illness), between-person and within-person log-sd,
#: log-scale effects (comorbidity stems, "female", "age" per band step, "S" per severity sd);
#: tests: P(tested) logit intercept and effects, count rate mu and count effects.
LABS: dict[str, dict[str, Any]] = {
    "cre": dict(median=0.95, sd=0.15, within=0.08,
                effects={"female": -0.22, "age": 0.03, "renal": 0.60, "chf": 0.15, "compdiabetes": 0.15,
                         "hypertension": 0.05},
                test_a=0.1, test_effects={"renal": 1.5, "uncompdiabetes": 1.0, "compdiabetes": 1.5,
                                          "hypertension": 0.7, "chf": 1.0, "age": 0.15},
                mu=1.0, mu_effects={"renal": 0.8, "chf": 0.4}),
    "crp": dict(median=1.8, sd=0.8, within=0.5,
                effects={"arthritis": 0.6, "pulmonarydz": 0.3, "obesity": 0.4, "S": 0.2},
                test_a=-3.0, test_effects={"arthritis": 1.8, "S": 0.3}, mu=0.4, mu_effects={"arthritis": 0.4}),
    "esr": dict(median=12.0, sd=0.6, within=0.3,
                effects={"arthritis": 0.5, "female": 0.2, "age": 0.05, "anemia": 0.2},
                test_a=-3.0, test_effects={"arthritis": 1.8, "S": 0.2}, mu=0.4, mu_effects={"arthritis": 0.4}),
    "ghba1c": dict(median=5.4, sd=0.06, within=0.05,
                   effects={"uncompdiabetes": 0.25, "compdiabetes": 0.35, "obesity": 0.04, "age": 0.01},
                   test_a=-1.6, test_effects={"uncompdiabetes": 3.5, "compdiabetes": 3.5, "obesity": 0.7,
                                              "age": 0.1},
                   mu=0.3, mu_effects={"uncompdiabetes": 0.9, "compdiabetes": 1.1}),
    "hct": dict(median=42.5, sd=0.06, within=0.04,
                effects={"female": -0.08, "anemia": -0.14, "bloodlossanemia": -0.15, "renal": -0.08,
                         "S": -0.01},
                test_a=0.0, test_effects={"anemia": 1.5, "renal": 1.0, "age": 0.1}, mu=0.9,
                mu_effects={"anemia": 0.6, "renal": 0.5}),
    "ldl": dict(median=105.0, sd=0.28, within=0.12,
                effects={"uncompdiabetes": -0.05, "compdiabetes": -0.08, "hypothyroid": 0.05},
                test_a=-0.4, test_effects={"uncompdiabetes": 1.2, "compdiabetes": 1.2, "hypertension": 0.6,
                                           "age": 0.15},
                mu=0.15, mu_effects={}),
    "nt_bnp": dict(median=70.0, sd=0.9, within=0.4,
                   effects={"chf": 2.3, "valvulardz": 0.6, "arrhythmia": 0.7, "renal": 0.7, "age": 0.15},
                   test_a=-3.6, test_effects={"chf": 3.0, "arrhythmia": 1.0, "valvulardz": 1.0},
                   mu=0.4, mu_effects={"chf": 0.7}),
    "sodium": dict(median=140.0, sd=0.012, within=0.012,
                   effects={"electrolytes": -0.035, "chf": -0.01},
                   test_a=0.1, test_effects={"electrolytes": 2.0, "renal": 1.5, "chf": 1.0, "hypertension": 0.6,
                                             "age": 0.15},
                   mu=1.0, mu_effects={"electrolytes": 0.7, "renal": 0.6}),
    "trig": dict(median=120.0, sd=0.45, within=0.2,
                 effects={"obesity": 0.25, "uncompdiabetes": 0.25, "compdiabetes": 0.25},
                 test_a=-0.6, test_effects={"uncompdiabetes": 1.2, "compdiabetes": 1.2, "hypertension": 0.5,
                                            "age": 0.15},
                 mu=0.15, mu_effects={}),
    "bps": dict(median=122.0, sd=0.07, within=0.05,
                effects={"hypertension": 0.07, "renal": 0.03, "age": 0.01, "compdiabetes": 0.02}),
}
TEST_U_SLOPE = 0.8
TEST_COUNT_U_SLOPE = 0.35

#: lasix (furosemide): probability, dose count and daily dose levels (mg)
LASIX: dict[str, Any] = dict(a=-4.3, effects={"chf": 3.0, "renal": 1.2, "hypertension": 0.5}, u=0.4, count_mu=6.0,
                             count_u=0.3)
LASIX_DOSES = np.array([10, 20, 40, 60, 80, 120, 160])

_LAB_COLUMN = re.compile(r"^(cre|crp|esr|ghba1c|hct|ldl|nt_bnp|sodium|trig)[_-](min|mean|max)-(low|high|normal)"
                         r"(_tm1)?$")
_LOW = re.compile(r"low\s*\(\s*<\s*([0-9.]+)\s*\)")
_HIGH = re.compile(r"high\s*\(\s*>\s*([0-9.]+)\s*\)")
_STATS = ("min", "mean", "max")
_CLASSES = ("low", "normal", "high")


# ----------------------------------------------------------------------------- readers
def read_holdout(path: str | Path, columns: tuple[str, ...] = HOLDOUT_COLUMNS) -> pd.DataFrame:
    """Read the real hold-out rows (``model_lasso_predictors.csv``) and check them.

    Args:
        path: The CSV file.
        columns: Columns that must be present, numeric and complete.

    Returns:
        The table with ``columns`` only (original index dropped), ``dem_race_black`` 0/1.

    Raises:
        DataError: Missing file, missing column, no rows, NaN/non-numeric/non-finite values or a race
            code other than 0/1.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: hold-out file not found (expected model_lasso_predictors.csv of dissecting-bias)")
    try:
        frame = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: malformed CSV ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{p}: missing column(s) {missing} (expected {list(columns)})")
    if frame.empty:
        raise DataError(f"{p}: the hold-out table has no rows (expected the published model_lasso_predictors.csv)")
    out = frame[list(columns)].reset_index(drop=True)
    for col in columns:
        values = pd.to_numeric(out[col], errors="coerce")
        if values.isna().any():
            rows = np.flatnonzero(values.isna().to_numpy())[:5].tolist()
            raise DataError(f"{p}: column {col!r} has missing or non-numeric values in rows {rows}")
        infinite = np.isinf(values.to_numpy(dtype=float))
        if infinite.any():
            rows = np.flatnonzero(infinite)[:5].tolist()
            raise DataError(f"{p}: column {col!r} has non-finite values (inf) in rows {rows}; expected finite numbers")
        out[col] = values
    bad = ~out["dem_race_black"].isin([0, 1])
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())[:5].tolist()
        raise DataError(f"{p}: column 'dem_race_black' is not 0/1 in rows {rows}")
    for race in (0, 1):
        if not (out["dem_race_black"] == race).any():
            raise DataError(f"{p}: no rows with dem_race_black == {race}; need rows of both races")
    return out


def _clean_number(text: str) -> float:
    return float(str(text).replace("$", "").replace(",", "").replace("%", "").strip())


def read_table1(path: str | Path) -> pd.DataFrame:
    """Read Table 1 (``table1.csv``) into numbers: index = row label, columns ``white``, ``black``.

    Section rows (values ``---``) are dropped; "$7,456" and "43,202.0" are cleaned to floats.

    Raises:
        DataError: Missing file, no White/Black columns, no rows, an unparsable or non-finite number,
            or a row of :data:`TABLE1_MAP` (or the row count) missing.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: Table 1 file not found (expected table1.csv of dissecting-bias)")
    try:
        raw = pd.read_csv(p, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: malformed CSV ({type(exc).__name__})") from exc
    lower = {c.strip().lower(): c for c in raw.columns}
    if "white" not in lower or "black" not in lower:
        raise DataError(f"{p}: expected columns 'White' and 'Black', found {list(raw.columns)}")
    if raw.empty:
        raise DataError(f"{p}: Table 1 has no rows (expected the published table1.csv)")
    label_col = raw.columns[0]
    rows = {}
    for _, rec in raw.iterrows():
        label = str(rec[label_col]).strip()
        w, b = str(rec[lower["white"]]).strip(), str(rec[lower["black"]]).strip()
        if w in ("---", "", "nan") and b in ("---", "", "nan"):
            continue
        try:
            rows[label] = (_clean_number(w), _clean_number(b))
        except ValueError as exc:
            raise DataError(f"{p}: row {label!r} has a non-numeric value ({w!r}, {b!r})") from exc
        if not all(np.isfinite(rows[label])):  # float() accepts 'inf' and 'nan'
            raise DataError(f"{p}: row {label!r} has a non-finite value ({w!r}, {b!r}); expected finite numbers")
    needed = [*TABLE1_MAP, TABLE1_COUNT_LABEL]
    missing = [label for label in needed if label not in rows]
    if missing:
        raise DataError(f"{p}: missing Table 1 row(s) {missing}")
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(RACES))


def lab_indicator_columns(columns: list[str]) -> dict[tuple[str, str, str], str]:
    """Map (biomarker, statistic, class) -> column name, for the dictionary's irregular spellings.

    E.g. ``("ldl", "mean", "low") -> "ldl-mean-low_tm1"``, ``("sodium", "min", "high") ->
    "sodium_min-high"`` (either sodium spelling is recognised).

    Raises:
        DataError: Not all 9 x 3 x 3 = 81 indicators are present.
    """
    out = {}
    for c in columns:
        if m := _LAB_COLUMN.match(c):
            out[(m.group(1), m.group(2), m.group(3))] = c
    if len(out) != 81:
        raise DataError(f"expected 81 lab indicator columns (9 biomarkers x min/mean/max x low/normal/high), "
                        f"found {len(out)}")
    return out


def lab_thresholds(schema: PatientSchema) -> dict[str, tuple[float, float]]:
    """The (low, high) thresholds of each biomarker, parsed from the dictionary's descriptions.

    Raises:
        DataError: A threshold is missing or differs between the min/mean/max indicators.
    """
    cols = lab_indicator_columns(schema.names)
    desc = {c.name: c.description for c in schema.columns}
    out = {}
    for b in BIOMARKERS:
        lows = {float(m.group(1)) for s in _STATS if (m := _LOW.search(desc[cols[(b, s, "low")]]))}
        highs = {float(m.group(1)) for s in _STATS if (m := _HIGH.search(desc[cols[(b, s, "high")]]))}
        if len(lows) != 1 or len(highs) != 1:
            raise DataError(f"data dictionary: cannot read one low/high threshold for biomarker {b!r} "
                            f"(found low {sorted(lows)}, high {sorted(highs)})")
        out[b] = (lows.pop(), highs.pop())
    return out


# ----------------------------------------------------------------------------- helpers
def _rank_normal(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return ndtri((rankdata(x) - 0.5) / len(x))


def _standardize(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def _top_within(latent: np.ndarray, groups: list[np.ndarray], probs: list[float]) -> np.ndarray:
    """Exact quantile thresholding: 1 for the round(p n_g) largest latent values in each group."""
    out = np.zeros(len(latent), dtype=np.int64)
    for idx, p in zip(groups, probs):
        k = int(round(min(max(p, 0.0), 1.0) * len(idx)))
        if k > 0:
            order = np.argsort(-latent[idx], kind="stable")
            out[idx[order[:k]]] = 1
    return out


def _balanced_draw(values: np.ndarray, order: np.ndarray, n_draw: int, rng: np.random.Generator) -> np.ndarray:
    """Balanced bootstrap positions into ``values`` (module docstring, step 2).

    Args:
        values: Pool rows x outcome columns (means to keep).
        order: Pool positions sorted by the stratification key.
        n_draw: Number of draws.
        rng: Random generator (always consumes ``BALANCE_CANDIDATES * (n_draw mod N)`` uniforms).

    Returns:
        ``n_draw`` pool positions: each row ``n_draw // N`` times plus one row per stratum.
    """
    n_pool = len(order)
    reps, rest = divmod(n_draw, n_pool)
    base = np.repeat(np.arange(n_pool), reps)
    if not rest:
        return base
    edges = np.floor(np.arange(rest + 1) * n_pool / rest).astype(np.int64)
    target = values.mean(axis=0)
    scale = np.where(target != 0, np.abs(target), 1.0)
    best, best_score = base, np.inf
    for _ in range(BALANCE_CANDIDATES):
        pos = order[edges[:-1] + np.floor(rng.random(rest) * (edges[1:] - edges[:-1])).astype(np.int64)]
        candidate = np.concatenate([base, pos])
        score = float(np.max(np.abs(values[candidate].mean(axis=0) - target) / scale))
        if score < best_score:
            best, best_score = candidate, score
    return best


def _effects(spec: dict[str, float], ctx: dict[str, np.ndarray], n: int) -> np.ndarray:
    total = np.zeros(n)
    for name, beta in spec.items():
        total += beta * ctx[name]
    return total


def _segments(values: np.ndarray, counts: np.ndarray, fn) -> np.ndarray:
    """Apply a ufunc reduction to consecutive segments of ``values`` of lengths ``counts`` (> 0)."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return fn.reduceat(values, starts)


# ----------------------------------------------------------------------------- generator
def _draw_race(n: int, rng: np.random.Generator) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """Race: exactly the full file's share of black patients, placed at random; the per-race row groups."""
    n_black = int(round(n * FULL_FILE_BLACK_ROWS / FULL_FILE_ROWS))
    black = np.zeros(n, dtype=np.int64)
    black[rng.permutation(n)[:n_black]] = 1
    groups = [np.flatnonzero(black == 0), np.flatnonzero(black == 1)]
    cols: dict[str, np.ndarray] = {"race": np.where(black == 1, "black", "white")}
    return groups, cols


def _draw_outcomes(holdout: pd.DataFrame, groups: list[np.ndarray], n: int, rng: np.random.Generator,
                   cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """The real outcome rows: a balanced bootstrap of the hold-out patient-years within race."""
    drawn = np.empty(n, dtype=np.int64)
    for race_code, idx in enumerate(groups):
        pool = np.flatnonzero(holdout["dem_race_black"].to_numpy() == race_code)
        order = np.lexsort((holdout["risk_score_t"].to_numpy()[pool], holdout["cost_t"].to_numpy()[pool]))
        pos = _balanced_draw(holdout[list(OUTCOME_COLUMNS)].to_numpy(dtype=float)[pool], order, len(idx), rng)
        drawn[idx] = pool[pos[rng.permutation(len(idx))]]
    rows = holdout.iloc[drawn].reset_index(drop=True)
    for col in OUTCOME_COLUMNS:
        cols[col] = rows[col].to_numpy()
    return rows


def _latent_drivers(rows: pd.DataFrame, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The standardised latent drivers (:data:`LATENT`) from rank-normal scores of the real outcomes."""
    rn = {
        "risk_score_t": _rank_normal(rows["risk_score_t"].to_numpy()),
        "log_cost_t_hat": _rank_normal(rows["log_cost_t_hat"].to_numpy()),
        "gagne_sum_t": _rank_normal(rows["gagne_sum_t"].to_numpy() + rng.random(n)),
        "gagne_sum_t_hat": _rank_normal(rows["gagne_sum_t_hat"].to_numpy()),
        "log_cost_avoidable_t_hat": _rank_normal(rows["log_cost_avoidable_t_hat"].to_numpy()),
    }
    latent = {}
    for name, spec in LATENT.items():
        value = spec["noise"] * rng.standard_normal(n)
        for driver, w in spec.items():
            if driver != "noise":
                value = value + w * rn[driver]
        latent[name] = _standardize(value)
    return latent


def _demographics(schema: PatientSchema, target: dict, groups: list[np.ndarray], S: np.ndarray, n: int,
                  rng: np.random.Generator, cols: dict[str, np.ndarray]) -> np.ndarray:
    """Age bands (severity-loaded, Table 1 shares per race) and sex; returns the age band per row."""
    age_cols = [c for c in schema.names if c.startswith("dem_age_band_")]
    age_latent = AGE_SEVERITY_LOADING * S + np.sqrt(1 - AGE_SEVERITY_LOADING ** 2) * rng.standard_normal(n)
    band = np.zeros(n, dtype=np.int64)
    for r, idx in enumerate(groups):
        props = np.array([target[c][r] for c in age_cols])
        cum = np.cumsum(props / props.sum())
        cuts = np.round(cum * len(idx)).astype(np.int64)
        order = np.argsort(age_latent[idx], kind="stable")
        band[idx[order]] = np.searchsorted(cuts, np.arange(len(idx)), side="right")
    for j, c in enumerate(age_cols):
        cols[c] = (band == j).astype(np.int64)
    cols["dem_female"] = _top_within(rng.random(n), groups, list(target["dem_female"]))
    return band


def _comorbidities(schema: PatientSchema, target: dict, groups: list[np.ndarray], S: np.ndarray, n: int,
                   rng: np.random.Generator, cols: dict[str, np.ndarray]) -> list[str]:
    """Elixhauser/Romano indicators at t-1 (severity and organ-system loadings) and their Gagne sum."""
    comorb = [c for c in schema.names if c.endswith(("_elixhauser_tm1", "_romano_tm1"))]
    prevalence = _comorbidity_prevalences(comorb, target)
    systems = {name: rng.standard_normal(n) for name in ("cardiometabolic", "cardiac", "mental", "other")}
    noise_sd = np.sqrt(1 - COMORBIDITY_SEVERITY_LOADING ** 2 - COMORBIDITY_SYSTEM_LOADING ** 2)
    for c in comorb:
        stem = c.rsplit("_", 2)[0]
        latent_c = (COMORBIDITY_SEVERITY_LOADING * S
                    + COMORBIDITY_SYSTEM_LOADING * systems[COMORBIDITY_SYSTEM.get(stem, "other")]
                    + noise_sd * rng.standard_normal(n))
        cols[c] = _top_within(latent_c, groups, list(prevalence[c]))
    cols["gagne_sum_tm1"] = np.sum([cols[c] for c in comorb], axis=0).astype(np.int64)
    return comorb


def _costs_tm1(ctx: dict[str, np.ndarray], U: np.ndarray, A: np.ndarray, n: int, rng: np.random.Generator,
               cols: dict[str, np.ndarray]) -> None:
    """Costs at t-1 by category: the real total cost redistributed over active categories."""
    total = np.empty(n)
    total[np.argsort(U, kind="stable")] = np.sort(cols["cost_t"])
    weights = {}
    for c, spec in COST_CATEGORIES.items():
        logit = spec["a"] + spec["u"] * U + spec["acute"] * A + _effects(spec.get("effects", {}), ctx, n)
        active = rng.random(n) < expit(logit)
        if "only_if" in spec:
            active &= ctx[spec["only_if"]] > 0
        weights[c] = active * spec["weight"] * rng.gamma(COST_WEIGHT_SHAPE, 1.0 / COST_WEIGHT_SHAPE, n)
    wsum = np.sum(list(weights.values()), axis=0)
    none = wsum == 0
    weights["cost_op_primary_care_tm1"] = np.where(none, 1.0, weights["cost_op_primary_care_tm1"])
    wsum = np.where(none, 1.0, wsum)
    for c in COST_CATEGORIES:
        unit = 100.0 if c == "cost_other_tm1" else 10.0
        cols[c] = np.round(total * weights[c] / wsum / unit) * unit


def _labs(thresholds: dict, lab_cols: dict, target: dict, groups: list[np.ndarray], ctx: dict[str, np.ndarray],
          U: np.ndarray, n: int, rng: np.random.Generator, cols: dict[str, np.ndarray]) -> None:
    """Labs: patient levels, tests at t-1 with their low/normal/high indicators, and the year-t means."""
    levels = {}
    for b, spec in LABS.items():
        levels[b] = spec["median"] * np.exp(_effects(spec["effects"], ctx, n) + spec["sd"] * rng.standard_normal(n))
    for col, b in YEAR_T_MEANS.items():
        raw = levels[b] * np.exp(LABS[b]["within"] * rng.standard_normal(n))
        factor = np.ones(n)
        for r, idx in enumerate(groups):
            factor[idx] = target[col][r] / raw[idx].mean()
        levels[b] = levels[b] * factor
        cols[col] = np.round(raw * factor, YEAR_T_DECIMALS[col])
    for b in BIOMARKERS:
        spec = LABS[b]
        tested = rng.random(n) < expit(spec["test_a"] + TEST_U_SLOPE * U + _effects(spec["test_effects"], ctx, n))
        rate = spec["mu"] * np.exp(TEST_COUNT_U_SLOPE * U + _effects(spec["mu_effects"], ctx, n))
        count = np.where(tested, 1 + rng.poisson(rate), 0).astype(np.int64)
        cols[f"{b}_tests_tm1"] = count
        has = np.flatnonzero(count > 0)
        values = np.repeat(levels[b][has], count[has]) * np.exp(spec["within"] * rng.standard_normal(count.sum()))
        stats = {"min": _segments(values, count[has], np.minimum),
                 "max": _segments(values, count[has], np.maximum),
                 "mean": _segments(values, count[has], np.add) / count[has]}
        low, high = thresholds[b]
        for s in _STATS:
            cls = np.where(stats[s] < low, 0, np.where(stats[s] > high, 2, 1))
            for k, name in enumerate(_CLASSES):
                ind = np.zeros(n, dtype=np.int64)
                ind[has] = (cls == k).astype(np.int64)
                cols[lab_cols[(b, s, name)]] = ind


def _lasix(ctx: dict[str, np.ndarray], U: np.ndarray, n: int, rng: np.random.Generator,
           cols: dict[str, np.ndarray]) -> None:
    """Lasix (furosemide) doses at t-1: dose count, min/mean/max daily dose."""
    takes = rng.random(n) < expit(LASIX["a"] + LASIX["u"] * U + _effects(LASIX["effects"], ctx, n))
    doses = np.where(takes, 1 + rng.poisson(LASIX["count_mu"] * np.exp(LASIX["count_u"] * U)), 0).astype(np.int64)
    base = np.clip(np.round(1 + 0.8 * ctx["chf"] + 0.5 * ctx["renal"] + 0.8 * rng.standard_normal(n)), 0,
                   len(LASIX_DOSES) - 1).astype(np.int64)
    has = np.flatnonzero(doses > 0)
    step = rng.choice(np.array([-1, 0, 1]), size=doses.sum(), p=[0.15, 0.7, 0.15])
    dose = LASIX_DOSES[np.clip(np.repeat(base[has], doses[has]) + step, 0, len(LASIX_DOSES) - 1)].astype(float)
    lasix = {k: np.zeros(n) for k in ("min", "mean", "max")}
    lasix["min"][has] = _segments(dose, doses[has], np.minimum)
    lasix["max"][has] = _segments(dose, doses[has], np.maximum)
    lasix["mean"][has] = np.round(_segments(dose, doses[has], np.add) / doses[has], 2)
    cols["lasix_dose_count_tm1"] = doses
    cols["lasix_min_daily_dose_tm1"] = lasix["min"]
    cols["lasix_mean_daily_dose_tm1"] = lasix["mean"]
    cols["lasix_max_daily_dose_tm1"] = lasix["max"]


def generate_standin(dictionary_path: str | Path, holdout_path: str | Path, table1_path: str | Path, *,
                     n_rows: int = FULL_FILE_ROWS, seed: int = 0) -> pd.DataFrame:
    """Generate the calibrated synthetic stand-in for ``data_new.csv`` (model: module docstring).

    Args:
        dictionary_path: ``data_dictionary.md`` (schema and lab thresholds).
        holdout_path: ``model_lasso_predictors.csv`` (real outcome rows and lasso predictions).
        table1_path: ``table1.csv`` (per-race calibration targets).
        n_rows: Rows to generate (the real file has 48,784).
        seed: Seed of ``numpy.random.default_rng``; the same seed gives an identical table.

    Returns:
        A table with the dictionary's 160 columns in order, dtypes int64/float64 and ``race`` as
        strings 'white'/'black', no NaN; it passes ``validate_patients``.

    Raises:
        DataError: A missing or malformed input file.
        ConfigError: ``n_rows`` too small or ``seed`` not an integer.
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 100:
        raise ConfigError(f"stand-in n_rows={n_rows!r}: expected an integer >= 100")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"stand-in seed={seed!r}: expected a non-negative integer")
    schema = parse_data_dictionary(dictionary_path)
    thresholds = lab_thresholds(schema)
    lab_cols = lab_indicator_columns(schema.names)
    holdout = read_holdout(holdout_path)
    table1 = read_table1(table1_path)
    target = _table1_column_targets(table1)
    rng = np.random.default_rng(seed)
    n = int(n_rows)
    groups, cols = _draw_race(n, rng)
    rows = _draw_outcomes(holdout, groups, n, rng, cols)
    latent = _latent_drivers(rows, n, rng)
    U, S, A = latent["U"], latent["S"], latent["A"]
    band = _demographics(schema, target, groups, S, n, rng, cols)
    comorb = _comorbidities(schema, target, groups, S, n, rng, cols)
    ctx = {c.rsplit("_", 2)[0]: cols[c].astype(float) for c in comorb}
    ctx.update(female=cols["dem_female"].astype(float), age=band - 3.0, age75=(band == 6).astype(float),
               S=S, U=U, A=A)
    _costs_tm1(ctx, U, A, n, rng, cols)
    _labs(thresholds, lab_cols, target, groups, ctx, U, n, rng, cols)
    _lasix(ctx, U, n, rng, cols)

    # assemble in dictionary order with dictionary dtypes --------------------------------------
    missing = [c for c in schema.names if c not in cols]
    if missing:  # a dictionary column the model does not know (a changed dictionary)
        raise DataError(f"{dictionary_path}: stand-in model has no generator for column(s) {missing[:5]}")
    frame = pd.DataFrame({c.name: pd.Series(cols[c.name], dtype=c.dtype) for c in schema.columns})
    return frame


def _table1_column_targets(table1: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Column -> (white, black) Table 1 mean, for every plain column of :data:`TABLE1_MAP`."""
    out = {}
    for label, targets in TABLE1_MAP.items():
        for col in targets:
            # cast: pandas-stubs types a cell as any scalar; Table 1's cells are numbers
            out[col] = (float(cast(float, table1.loc[label, "white"])), float(cast(float, table1.loc[label, "black"])))
    return out


def _comorbidity_prevalences(comorb: list[str], target: dict[str, tuple[float, float]]
                             ) -> dict[str, tuple[float, ...]]:
    """Per-race prevalence of each of the 33 comorbidity indicators (module docstring, step 5)."""
    listed = {c: tuple(max(v, ZERO_PREVALENCE) for v in target[c]) for c in comorb if c in target}
    others = [c for c in comorb if c not in target]
    unknown = [c for c in others if c not in OTHER_COMORBIDITY_BASE]
    if unknown:
        raise DataError(f"stand-in model has no base prevalence for comorbidity column(s) {unknown}")
    base_sum = sum(OTHER_COMORBIDITY_BASE[c] for c in others)
    out = dict(listed)
    scales = []
    for r in range(2):
        residual = target["gagne_sum_tm1"][r] - sum(v[r] for v in listed.values())
        scales.append(float(np.clip(residual / base_sum, *OTHER_SCALE_BOUNDS)) if base_sum > 0 else 0.0)
    for c in others:
        out[c] = tuple(OTHER_COMORBIDITY_BASE[c] * s for s in scales)
    return out


# ----------------------------------------------------------------------------- checks
def consistency_violations(frame: pd.DataFrame, schema: PatientSchema) -> dict[str, int]:
    """Count the rows that break each internal-consistency rule of the patient file.

    Rules (0 violations expected for the stand-in):

    * ``gagne_sum_tm1``: equals the sum of the 33 ``*_elixhauser_tm1``/``*_romano_tm1`` indicators;
    * ``age_one_hot``: exactly one age band per row;
    * ``labs:<b>``: no tests -> all nine indicators 0; otherwise exactly one of low/normal/high per
      statistic and class(min) <= class(mean) <= class(max) (low < normal < high);
    * ``lasix``: count 0 -> doses 0; otherwise 0 < min <= mean <= max;
    * ``cost_rounding``: every ``cost_*_tm1`` non-negative and a multiple of 10 (other: 100);
    * ``year_t_biomarkers_positive``: year-t biomarker means > 0 where present;
    * ``nan``: NaN in a column other than the year-t biomarker means (which the real file leaves
      empty for untested patients; the stand-in has no NaN at all).

    Args:
        frame: Patient table (either sodium spelling).
        schema: Parsed data dictionary.

    Returns:
        Rule -> number of violating rows.
    """
    f = canonical_columns(frame)
    out: dict[str, int] = {}
    comorb = [c for c in schema.names if c.endswith(("_elixhauser_tm1", "_romano_tm1"))]
    out["gagne_sum_tm1"] = int((f[comorb].sum(axis=1).to_numpy() != f["gagne_sum_tm1"].to_numpy()).sum())
    ages = [c for c in schema.names if c.startswith("dem_age_band_")]
    out["age_one_hot"] = int((f[ages].sum(axis=1).to_numpy() != 1).sum())
    lab_cols = lab_indicator_columns(schema.names)
    for b in BIOMARKERS:
        tests = f[f"{b}_tests_tm1"].to_numpy()
        bad = np.zeros(len(f), dtype=bool)
        cls = {}
        for s in _STATS:
            ind = np.column_stack([f[lab_cols[(b, s, k)]].to_numpy() for k in _CLASSES])
            total = ind.sum(axis=1)
            bad |= np.where(tests == 0, total != 0, total != 1)
            cls[s] = ind.argmax(axis=1)
        bad |= (tests > 0) & ((cls["min"] > cls["mean"]) | (cls["mean"] > cls["max"]))
        out[f"labs:{b}"] = int(bad.sum())
    count = f["lasix_dose_count_tm1"].to_numpy()
    lo, mid, hi = (f[f"lasix_{s}_daily_dose_tm1"].to_numpy(dtype=float) for s in _STATS)
    bad = np.where(count == 0, (lo != 0) | (mid != 0) | (hi != 0), ~((lo > 0) & (lo <= mid) & (mid <= hi)))
    out["lasix"] = int((bad | (count < 0)).sum())
    bad = np.zeros(len(f), dtype=bool)
    for c in COST_CATEGORIES:
        x = f[c].to_numpy(dtype=float)
        unit = 100.0 if c == "cost_other_tm1" else 10.0
        bad |= ~(x >= 0) | (np.abs(x - unit * np.round(x / unit)) > 1e-6)
    out["cost_rounding"] = int(bad.sum())
    bad = np.zeros(len(f), dtype=bool)
    for c in YEAR_T_MEANS:
        x = f[c].to_numpy(dtype=float)
        bad |= np.isfinite(x) & (x <= 0)
    out["year_t_biomarkers_positive"] = int(bad.sum())
    required = [c for c in schema.names if c not in NULLABLE_COLUMNS]
    out["nan"] = int(f[required].isna().any(axis=1).sum())
    return out


def _check(check: str, group: str, target: float, value: float, tolerance: float, passed: bool) -> dict:
    return {"check": check, "group": group, "target": float(target), "value": float(value),
            "tolerance": float(tolerance), "passed": bool(passed)}


def gbm_holdout_r2(frame: pd.DataFrame, *, seed: int = R2_SEED) -> float:
    """Held-out R^2 of ``HistGradientBoostingRegressor`` (defaults) predicting ``risk_score_t``.

    Features: the 149 year t-1 predictors (:func:`feature_columns`); split 75/25 with
    :func:`fairopt.core.splits.trial_split` (``random_state=seed``); model ``random_state=seed``, run
    on one OpenMP thread (about 3 s on 48,784 rows).
    """
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.metrics import r2_score
    from threadpoolctl import threadpool_limits

    f = canonical_columns(frame)
    feats = feature_columns(list(f.columns))
    x = f[feats].to_numpy(dtype=float)
    y = f["risk_score_t"].to_numpy(dtype=float)
    train, test = trial_split(len(f), 0.25, seed)
    # one OpenMP thread: the same result, and no oversubscription on a shared machine (where the
    # default thread pool made this 40x slower)
    with threadpool_limits(limits=1, user_api="openmp"):
        model = HistGradientBoostingRegressor(random_state=seed).fit(x[train], y[train])
        pred = model.predict(x[test])
    return float(r2_score(y[test], pred))


def calibration_report(frame: pd.DataFrame, holdout_path: str | Path, table1_path: str | Path, *,
                       n_rows: int | None = None, dictionary_path: str | Path | None = None) -> pd.DataFrame:
    """Measure a patient table (stand-in or real) against every calibration target.

    Rows (``check, group, target, value, tolerance, passed``):

    * ``rows``: row count vs ``n_rows`` (default: Table 1's total, 48,784), exact;
    * ``columns`` / ``dtypes``: number of the dictionary's 160 columns present in order / with the
      dictionary dtype (only when ``dictionary_path`` is given; int64 is accepted for a Float
      column, as ``read_csv`` infers it for whole numbers);
    * ``black_share``: share of black rows vs 0.1144 +- 0.002;
    * ``risk_score_t_q25|median|q75`` per race vs the full file's quartiles, within 10%;
    * ``holdout_mean:<outcome>`` per race vs the hold-out rows' mean, max(10%, 0.01);
    * ``table1:<label>:<column>`` per race vs Table 1, max(10% relative, 0.01 absolute)
      (``percentile(risk_score_t)`` = mean percentile rank 1..100; ``percent(race)`` = race share in %);
    * ``consistency:<rule>``: violating rows (:func:`consistency_violations`, with the dictionary), target 0;
    * ``gbm_holdout_r2``: :func:`gbm_holdout_r2` inside [0.45, 0.8] (target = band midpoint).

    Args:
        frame: The patient table (e.g. ``pd.read_csv`` of the file in use).
        holdout_path: ``model_lasso_predictors.csv``.
        table1_path: ``table1.csv``.
        n_rows: Expected number of rows (default: the full file's, from Table 1).
        dictionary_path: ``data_dictionary.md``; default: beside ``table1_path``.

    Raises:
        DataError: A missing/malformed input, or ``frame`` lacking a column a check needs.
    """
    holdout = read_holdout(holdout_path, ("dem_race_black", *OUTCOME_COLUMNS))
    table1 = read_table1(table1_path)
    if dictionary_path is None:
        dictionary_path = Path(table1_path).with_name("data_dictionary.md")
    schema = parse_data_dictionary(dictionary_path)
    f = canonical_columns(frame)
    needed = {"race", *OUTCOME_COLUMNS, *(c for t in TABLE1_MAP.values() for c in t if c in schema.names)}
    missing = sorted(needed - set(f.columns))
    if missing:
        raise DataError(f"patient table: missing column(s) {missing[:5]} needed by the calibration checks")
    race = f["race"].astype(str).to_numpy()
    masks = {r: race == r for r in RACES}
    checks = []

    expected_rows = int(n_rows) if n_rows is not None else int(round(table1.loc[TABLE1_COUNT_LABEL].sum()))
    checks.append(_check("rows", "all", expected_rows, len(f), 0, len(f) == expected_rows))
    names = list(f.columns)
    in_order = sum(1 for i, c in enumerate(schema.names) if i < len(names) and names[i] == c)
    checks.append(_check("columns", "all", len(schema.names), in_order, 0,
                         in_order == len(schema.names) and len(names) == len(schema.names)))
    ok_dtypes = 0
    for column in schema.columns:
        if column.name not in f.columns:
            continue
        kind = str(f[column.name].dtype)
        if column.dtype == "string":
            ok = kind in ("string", "object", "str") and set(f[column.name].astype(str)) <= set(RACES)
        elif column.dtype == "float64":
            ok = kind in ("float64", "int64")
        else:
            ok = kind == "int64"
        ok_dtypes += int(ok)
    checks.append(_check("dtypes", "all", len(schema.names), ok_dtypes, 0, ok_dtypes == len(schema.names)))

    share_target = FULL_FILE_BLACK_ROWS / FULL_FILE_ROWS
    share = float(masks["black"].mean())
    checks.append(_check("black_share", "black", share_target, share, BLACK_SHARE_TOLERANCE,
                         abs(share - share_target) <= BLACK_SHARE_TOLERANCE))

    risk = f["risk_score_t"].to_numpy(dtype=float)
    for r in RACES:
        for q, name in ((0.25, "q25"), (0.5, "median"), (0.75, "q75")):
            tgt = FULL_FILE_RISK_QUANTILES[r][q]
            value = float(np.quantile(risk[masks[r]], q)) if masks[r].any() else np.nan
            tol = QUANTILE_TOLERANCE * abs(tgt)
            checks.append(_check(f"risk_score_t_{name}", r, tgt, value, tol, abs(value - tgt) <= tol))

    hold_black = holdout["dem_race_black"].to_numpy() == 1
    for col in OUTCOME_COLUMNS:
        for r in RACES:
            tgt = float(holdout.loc[hold_black == (r == "black"), col].mean())
            value = float(f.loc[masks[r], col].mean())
            tol = max(TABLE1_REL_TOLERANCE * abs(tgt), TABLE1_ABS_TOLERANCE)
            checks.append(_check(f"holdout_mean:{col}", r, tgt, value, tol, abs(value - tgt) <= tol))

    percentile = risk_percentile(f["risk_score_t"].reset_index(drop=True)).astype(float)
    for label, targets in TABLE1_MAP.items():
        for col in targets:
            for r in RACES:
                tgt = float(cast(float, table1.loc[label, r]))  # cast: a Table 1 cell (pandas-stubs: any scalar)
                if not masks[r].any():
                    value = np.nan
                elif col == PERCENTILE_STAT:
                    value = float(percentile[masks[r]].mean())
                elif col == RACE_PERCENT_STAT:
                    value = 100.0 * float(masks[r].mean())
                else:
                    value = float(pd.to_numeric(f.loc[masks[r], col]).mean())  # NaN (untested) skipped
                tol = max(TABLE1_REL_TOLERANCE * abs(tgt), TABLE1_ABS_TOLERANCE)
                checks.append(_check(f"table1:{label}:{col}", r, tgt, value, tol, abs(value - tgt) <= tol))

    for rule, count in consistency_violations(f, schema).items():
        checks.append(_check(f"consistency:{rule}", "all", 0, count, 0, count == 0))

    r2 = gbm_holdout_r2(f)
    lo, hi = R2_BAND
    checks.append(_check("gbm_holdout_r2", "all", (lo + hi) / 2, r2, (hi - lo) / 2, lo <= r2 <= hi))
    return pd.DataFrame(checks, columns=["check", "group", "target", "value", "tolerance", "passed"])
