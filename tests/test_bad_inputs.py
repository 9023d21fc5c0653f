"""A catalogue of bad inputs: each one fails before any work with one actionable line and leaves no output.

Every row of :data:`CATALOGUE` (:class:`Case`) runs a real entry point on a small bad input under
``tmp_path`` -- the workflow script of the rule itself where the rule reads a file (run in-process
with a stand-in for the ``snakemake`` object Snakemake injects: no Snakemake run), else the library
function the script calls -- and :func:`test_bad_input` asserts three things: the exception is the
row's :class:`~fairopt.core.errors.FairoptError` subclass, its message is ONE line matching the
row's pattern (which names the file or the config key), and none of the row's outputs exist
afterwards (nothing half-written, nothing that looks complete).

Rows that need the Obermeyer data dictionary (the patient-file rows) skip when the data mirror is
absent, like the other tests that read it.
"""
from __future__ import annotations

import re
import runpy
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from fairopt.core.errors import ChecksumError, ConfigError, DataError, FairoptError, SolverError
from fairopt.core.io import sha256_file
from tests.conftest import REPO, make_patients, mirror_dir
from tests.data.test_dafh_datasets import GERMAN_ROWS
from tests.data.test_layer_datasets import _employee_table, _sba_table
from tests.data.test_prepared_tables import communities_csv, fair_data, modelling_table

SCRIPTS = REPO / "workflow" / "scripts"


@dataclass(frozen=True)
class Case:
    """One bad input.

    Attributes:
        id: Test id.
        what: What is wrong, in words.
        run: Runs the entry point on the bad input, all paths under the given folder (``tmp_path``).
        message: Regular expression (``re.search``) the one-line message must match; it names the
            file or the config key.
        outputs: Paths (relative to ``tmp_path``), or a function of ``tmp_path`` giving paths, that
            must not exist afterwards.
        error: The exception type expected (a :class:`FairoptError` subclass).
    """

    id: str
    what: str
    run: Callable[[Path], None]
    message: str
    outputs: Callable[[Path], list[Path]] | list[str]
    error: type[FairoptError] = FairoptError

    def output_paths(self, root: Path) -> list[Path]:
        return list(self.outputs(root)) if callable(self.outputs) else [root / p for p in self.outputs]


# ---------------------------------------------------------------- running a rule's script in-process

class _Named(list):
    """The part of Snakemake's ``Namedlist`` the scripts use: positions, names (attribute or key), ``keys()``."""

    def __init__(self, items: Iterable[Any] = (), **named: Any):
        super().__init__([*items, *named.values()])
        self._named = dict(named)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_named"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key):
        return self._named[key] if isinstance(key, str) else super().__getitem__(key)

    def keys(self):
        return self._named.keys()


def run_script(name: str, root: Path, *, input: Any = (), output: dict[str, str | Path],
               params: dict[str, Any] | None = None, wildcards: dict[str, str] | None = None) -> None:
    """Run ``workflow/scripts/<name>.py`` as Snakemake would, with its log under ``root/logs``.

    ``input``: a mapping of named inputs or a list of positional ones.
    """
    def named(d):
        return _Named(**{k: str(v) for k, v in d.items()})

    inputs = named(input) if isinstance(input, dict) else _Named([str(p) for p in input])
    smk = type("Snakemake", (), {})()
    smk.input, smk.output = inputs, named(output)
    smk.params, smk.wildcards = _Named(**(params or {})), _Named(**(wildcards or {}))
    smk.log, smk.threads = _Named([str(root / "logs" / f"{name}.log")]), 1
    runpy.run_path(str(SCRIPTS / f"{name}.py"), init_globals={"snakemake": smk}, run_name="__main__")


def toy_registry(dataset: str, name: str, path: Path):
    """The registry with ``dataset/name`` pinned to the digest of ``path`` (a hand-made stand-in for the published file)."""
    import fairopt.data.raw as raw

    entry = raw.RawFile(dataset, name, sha256=sha256_file(path))
    reg = {**raw.registry(), dataset: {**raw.registry().get(dataset, {}), name: entry}}
    return mock.patch.object(raw, "registry", lambda: reg)


def raw_copy(root: Path, dataset: str, name: str) -> Path:
    return root / "resources" / "raw" / dataset / name


def record(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified.json")


# ---------------------------------------------------------------- the rules' entry points

def fetch(root: Path, dataset: str, name: str, mirror: Path) -> None:
    run_script("fetch_raw_file", root, output={"out": raw_copy(root, dataset, name)},
               params={"mirror": str(mirror), "download": False, "timeout": 1.0},
               wildcards={"dataset": dataset, "filename": name})


FAIRREG_PARAMS = {"options": {}, "subsample": None, "subsample_seed": 0, "test_size": 0.5, "split_seed": 0,
                  "intercept": True}
FAIRREG_OUT = ["results/fairreg/real/communities_crime/prepared.csv", "results/fairreg/real/communities_crime/info.json"]


def fairreg_prepare(root: Path, raw: Path) -> None:
    out = root / "results" / "fairreg" / "real" / "communities_crime"
    run_script("fairreg_prepare_real", root, input={"raw": raw},
               output={"prepared": out / "prepared.csv", "info": out / "info.json"},
               params=FAIRREG_PARAMS, wildcards={"dataset": "communities_crime"})


def communities(root: Path, edit: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> Path:
    """A 60-row Communities & Crime file outside resources/raw (a content case, not a copy case), edited."""
    (root / "files").mkdir(exist_ok=True)
    path = communities_csv(root / "files" / "communities.csv")
    if edit is not None:
        edit(pd.read_csv(path)).to_csv(path, index=False)
    return path


def with_value(column: str, row: int, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """An edit setting one cell (the column widened to float or text first, as a file would hold it)."""
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame[column] = frame[column].astype(object if isinstance(value, str) else float)
        frame.loc[row, column] = value
        return frame
    return edit


LAYER_PARTS = ("train", "val", "test")


def layer_outputs(experiment: str) -> list[str]:
    return [f"results/layer/prepared/{experiment}/{p}.npz" for p in LAYER_PARTS]


def layer_prepare(root: Path, experiment: str, raw: Path, section: dict[str, Any]) -> None:
    run_script("layer_prepare", root, input=[raw],
               output={p: root / f"results/layer/prepared/{experiment}/{p}.npz" for p in LAYER_PARTS},
               params={"experiment": experiment, "seed": 0, "section": section})


DAFH_PARTS = ("train", "test", "fit", "validation")
DAFH_OUT = [f"results/dafh/prepared/german/split0/{p}.npz" for p in DAFH_PARTS] + ["results/dafh/timing/german.json"]


def german(root: Path, n: int = 40, *, females: int = 1, bad_code: bool = False) -> Path:
    """A German credit file of ``n`` varied rows: ``females`` women (A92), the rest men (A93), labels alternating."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        fields = GERMAN_ROWS[0].split()
        fields[1], fields[4], fields[12] = str(rng.integers(6, 60)), str(rng.integers(500, 9000)), str(rng.integers(19, 70))
        fields[8] = "A92" if i < females else "A93"
        fields[20] = "1" if i % 2 else "2"
        rows.append(" ".join(fields))
    if bad_code:
        rows[5] = rows[5].replace("A11", "A19", 1)
    path = root / "files" / "german.data"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")
    return path


def dafh_prepare(root: Path, raw: Path) -> None:
    out = {f"split0_{p}": root / path for p, path in zip(DAFH_PARTS, DAFH_OUT)}
    run_script("dafh_prepare", root, input=[raw], output={**out, "timing": root / DAFH_OUT[-1]},
               params={"splits": {"count": 1, "seed": 0, "test_size": 0.25, "validation_size": 0.25},
                       "data": {"bank_age_cut": 25}},
               wildcards={"dataset": "german"})


# the Obermeyer patient file --------------------------------------------------------------
PATIENT_OUT = ["resources/obermeyer/patients.csv", "resources/obermeyer/provenance.json"]


def calibration(root: Path) -> dict[str, Path]:
    """Copies of the published calibration files (outside resources/raw), or a skip when the mirror lacks them."""
    folder = mirror_dir() / "obermeyer"
    names = {"dictionary": "data_dictionary.md", "holdout": "model_lasso_predictors.csv", "table1": "table1.csv"}
    if not all((folder / n).is_file() for n in names.values()):
        pytest.skip(f"Obermeyer calibration files not in the data mirror {folder} (set FAIROPT_DATA_MIRROR)")
    (root / "files").mkdir(exist_ok=True)
    return {k: Path(shutil.copyfile(folder / n, root / "files" / n)) for k, n in names.items()}


def obtain_patients(root: Path, inputs: dict[str, Path], *, source: str = "auto", download: bool = False) -> None:
    run_script("obtain_obermeyer_patients", root, input=inputs,
               output={"patients": root / PATIENT_OUT[0], "provenance": root / PATIENT_OUT[1]},
               params={"source": source, "real_in_mirror": "real" in inputs, "download": download, "timeout": 1.0,
                       "standin": {"n_rows": 200, "seed": 0}})


def real_patients(root: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """The patient rule on a hand-made 'real' patient file (in the mirror), edited by ``edit``."""
    from fairopt.data.obermeyer_schema import parse_data_dictionary

    files = calibration(root)
    frame = edit(make_patients(parse_data_dictionary(files["dictionary"]), n=60))
    frame.to_csv(root / "files" / "data_new.csv", index=False)
    obtain_patients(root, {**files, "real": root / "files" / "data_new.csv"})


def standin_patients(root: Path, which: str, edit: Callable[[str], str]) -> None:
    """The patient rule generating the stand-in from calibration files, one of them edited (text)."""
    files = calibration(root)
    files[which].write_text(edit(files[which].read_text(encoding="utf-8")), encoding="utf-8")
    obtain_patients(root, files, source="standin")


def replace_row(label: str, cells: str) -> Callable[[str], str]:
    """An edit of a CSV text: the row starting ``label,`` becomes ``label,<cells>``."""
    def edit(text: str) -> str:
        return "\n".join(f"{label},{cells}" if line.startswith(label + ",") else line
                         for line in text.splitlines()) + "\n"
    return edit


def holdout_value(column: str, row: int, value: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.splitlines()
        header = lines[0].split(",")
        cells = lines[row + 1].split(",")
        cells[header.index(column)] = value
        lines[row + 1] = ",".join(cells)
        return "\n".join(lines) + "\n"
    return edit


# the raw copy cases -------------------------------------------------------------------------
def truncated_copy(root: Path) -> None:
    """Fetch a verified copy, cut it at a line end (it still parses), run the consumer rule."""
    published = communities_csv(root / "published.csv")
    mirror = root / "mirror" / "communities_crime"
    mirror.mkdir(parents=True)
    shutil.copyfile(published, mirror / "communities.csv")
    with toy_registry("communities_crime", "communities.csv", published):
        fetch(root, "communities_crime", "communities.csv", root / "mirror")
        copy = raw_copy(root, "communities_crime", "communities.csv")
        assert copy.is_file() and record(copy).is_file()  # the fetch itself succeeded
        lines = copy.read_text().splitlines(keepends=True)
        copy.write_text("".join(lines[: len(lines) * 3 // 5]))
        fairreg_prepare(root, copy)


def wrong_checksum(root: Path) -> None:
    mirror = root / "mirror" / "communities_crime"
    mirror.mkdir(parents=True)
    (mirror / "communities.csv").write_text("not,the,published,file\n1,2,3,4\n")
    fetch(root, "communities_crime", "communities.csv", root / "mirror")


def unverified_dictionary(root: Path) -> None:
    """A data dictionary under resources/raw that is not the published one and was never verified."""
    files = calibration(root)
    copy = raw_copy(root, "obermeyer", "data_dictionary.md")
    copy.parent.mkdir(parents=True)
    copy.write_text(files["dictionary"].read_text(encoding="utf-8").replace("Integer", "Float", 1), encoding="utf-8")
    obtain_patients(root, {**files, "dictionary": copy}, source="standin")


# the prepared tables read back ----------------------------------------------------------------
def prepared_fairreg(root: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    from fairopt.studies.fairreg.prepare import prepare_real, read_prepared, write_prepared

    frame, info = prepare_real("communities_crime", communities(root), **FAIRREG_PARAMS)
    path = root / "prepared.csv"
    write_prepared(frame, info, path, root / "info.json")
    edit(pd.read_csv(path)).to_csv(path, index=False)
    read_prepared(path, l=10, threshold_position="left")


def prepared_npz(root: Path) -> None:
    """A layer part with an inf feature, written around FairData.save's check, read by the jobs' reader."""
    import json

    from fairopt.studies.layer.prepare import read_parts

    paths = {}
    for part in LAYER_PARTS:
        d = fair_data()
        if part == "val":
            d.X[2, 0] = np.inf
        paths[part] = root / f"{part}.npz"
        header = json.dumps({"feature_names": d.feature_names, "group_names": d.group_names, "meta": {}})
        np.savez(paths[part], header=np.array(header), X=d.X, y=d.y, groups=d.groups)
    read_parts(paths)


def prepared_fdfl(root: Path) -> None:
    table = modelling_table(60)
    table.loc[507, "g"] = np.inf
    (root / "results" / "fdfl" / "data").mkdir(parents=True)
    table.to_csv(root / "results/fdfl/data/modelling_table.csv")
    run_script("fdfl_prepare_trials", root, input={"table": root / "results/fdfl/data/modelling_table.csv"},
               output={"sample": root / FDFL_OUT[0], "splits": root / FDFL_OUT[1]},
               params={"n": 40, "random_state": 0, "trials": 2, "test_size": 0.5})


FDFL_OUT = ["results/fdfl/data/sample.csv", "results/fdfl/data/splits.csv"]


def alpha_fair(**kw: Any) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        from fairopt.methods.alpha_fair.allocation import closed_form

        args = {"r": [1.0, 2.0, 3.0], "g": [1.0, 1.0, 1.0], "c": 1.0, "Q": 10.0, "alpha": 2.0, **kw}
        closed_form(**args)
    return run


# ---- configuration: the checks the workflow runs when it is parsed (fairopt.core.config_check) ----------
def study_settings(study: str, section: dict[str, Any]) -> Callable[[Path], None]:
    from fairopt.studies.common import resolve_settings

    return lambda root: resolve_settings(study, section, default_scale="smoke")


def top_level(config: dict[str, Any]) -> Callable[[Path], None]:
    from fairopt.core.config_check import check_top_level

    schemas = REPO / "workflow" / "schemas"
    return lambda root: check_top_level({"scale": "smoke", **config}, schemas / "config.schema.yaml",
                                        schemas / "obermeyer.schema.yaml")


def resource_table(text: str) -> Callable[[Path], None]:
    """Reads a resource table (workflow/resources.yaml) with this text."""
    from fairopt.core.job_resources import JobResources

    def run(root: Path) -> None:
        (root / "resources.yaml").write_text(text, encoding="utf-8")
        JobResources.load(root / "resources.yaml", threads=1, scale="smoke")
    return run


def fairreg_mio_solver(installed: list[str], licensed: bool = True) -> Callable[[Path], None]:
    """The workflow's solver check on ``fairreg.solvers.mio: mosek`` with ``installed`` solvers."""
    def run(root: Path) -> None:
        import cvxpy as cp

        from fairopt.core import solvers
        from fairopt.core.config_check import check_solvers
        from fairopt.studies.common import resolve_settings, schema

        section = resolve_settings("fairreg", {"solvers": {"mio": "mosek"}}, default_scale="smoke")
        with mock.patch.object(cp, "installed_solvers", lambda: installed), \
                mock.patch.object(solvers, "mosek_licensed", lambda: licensed):
            check_solvers(section, schema("fairreg"), prefix="fairreg")
    return run


def unobtainable_raw_file(root: Path) -> None:
    from fairopt.data.raw import check_obtainable, raw_file

    (root / "mirror").mkdir()
    check_obtainable([raw_file("communities_crime", "communities.csv")], copies=root / "resources" / "raw",
                     mirror=root / "mirror", download=False)


CATALOGUE: list[Case] = [
    # ---- raw files -----------------------------------------------------------------------------------
    Case("raw-missing", "raw file neither in the mirror nor downloadable (download off)",
         lambda root: fetch(root, "communities_crime", "communities.csv", root / "empty-mirror"),
         r"dataset 'communities_crime' file 'communities\.csv' unavailable: not in mirror \(\S+empty-mirror\S+\); "
         r"download disabled .*Supply it by placing the file at \S+communities\.csv",
         ["resources/raw/communities_crime/communities.csv", "resources/raw/communities_crime/.communities.csv.verified.json"],
         DataError),
    Case("raw-wrong-checksum", "the mirror's copy is not the published file",
         wrong_checksum,
         r"dataset 'communities_crime' file 'communities\.csv' at \S+mirror/communities_crime/communities\.csv: "
         r"sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}; replace it",
         ["resources/raw/communities_crime/communities.csv", "resources/raw/communities_crime/.communities.csv.verified.json"],
         ChecksumError),
    Case("raw-truncated-copy", "a verified copy cut at a line end later, then consumed (re-verification)",
         truncated_copy,
         r"resources/raw/communities_crime/communities\.csv: raw file changed since it was verified "
         r"\(size \d+ bytes vs \d+ bytes when verified\); delete it and rerun",
         FAIRREG_OUT, ChecksumError),
    Case("raw-unverified-dictionary", "a hand-edited data dictionary under resources/raw, never verified",
         unverified_dictionary,
         r"resources/raw/obermeyer/data_dictionary\.md: raw file is not the published one and has no verification "
         r"record \(sha256 [0-9a-f]{64} vs the pinned [0-9a-f]{64}\)",
         PATIENT_OUT, ChecksumError),
    # ---- tables read from raw files ------------------------------------------------------------------
    Case("missing-column", "Communities & Crime without its target column",
         lambda root: fairreg_prepare(root, communities(root, lambda f: f.drop(columns="ViolentCrimesPerPop"))),
         r"files/communities\.csv: missing column\(s\) \['ViolentCrimesPerPop'\]", FAIRREG_OUT, DataError),
    Case("nan-not-allowed", "a missing target value",
         lambda root: fairreg_prepare(root, communities(root, with_value("ViolentCrimesPerPop", 4, np.nan))),
         r"communities\.csv: column 'ViolentCrimesPerPop' has missing values at file lines \[6\]", FAIRREG_OUT, DataError),
    Case("inf-value", "inf in a feature column",
         lambda root: fairreg_prepare(root, communities(root, with_value("population", 9, np.inf))),
         r"communities\.csv: column 'population' has non-finite values at file lines \[11\]", FAIRREG_OUT, DataError),
    Case("empty-table", "a header-only raw table",
         lambda root: fairreg_prepare(root, communities(root, lambda f: f.iloc[:0])),
         r"communities\.csv: the Communities & Crime table has no rows", FAIRREG_OUT, DataError),
    Case("bad-category", "an unknown category code (German credit checking status A19)",
         lambda root: dafh_prepare(root, german(root, bad_code=True)),
         r"german\.data: column 'checking_status' must be one of \[.*\]; bad values at file lines \[6\]",
         DAFH_OUT, DataError),
    Case("empty-group-split", "a sensitive group with a single row: empty in one part of the split (DAFH)",
         lambda root: dafh_prepare(root, german(root, females=1)),
         r"german\.data: dafh german split 0: group sex=1 has no rows in the (training|test) part \(1 rows in all",
         DAFH_OUT, DataError),
    Case("empty-group-fairreg", "a group absent from the data: empty in both parts of the split (fair regression)",
         lambda root: fairreg_prepare(root, communities(root, lambda f: f.assign(racePctWhite=2.0))),
         r"communities\.csv: group a=0 has no rows in the training part", FAIRREG_OUT, DataError),
    Case("sba-empty", "a header-only SBA loans file (fairness layer)",
         lambda root: layer_prepare(root, "sba", _write_frame(root, "SBAcase.csv", _sba_table().iloc[:0]),
                                    {"split": [2, 1, 1]}),
         r"files/SBAcase\.csv: the SBA loans table has no rows", layer_outputs("sba"), DataError),
    Case("employee-missing-column", "the employee file without EmpJobRole (fairness layer)",
         lambda root: layer_prepare(root, "employee",
                                    _write_frame(root, "Employee.csv", _employee_table().drop(columns="EmpJobRole")), {}),
         r"files/Employee\.csv: missing column\(s\) \['EmpJobRole'\]", layer_outputs("employee"), DataError),
    # ---- the Obermeyer patient file and its calibration files ----------------------------------------
    Case("patient-inf-risk", "inf in risk_score_t of the real patient file",
         lambda root: real_patients(root, with_value("risk_score_t", 7, np.inf)),
         r"files/data_new\.csv: column 'risk_score_t' has non-finite values \(inf\) in rows 7; expected finite",
         PATIENT_OUT, DataError),
    Case("patient-empty", "a header-only patient file",
         lambda root: real_patients(root, lambda f: f.iloc[:0]),
         r"files/data_new\.csv: the Obermeyer patient table has no rows", PATIENT_OUT, DataError),
    Case("patient-negative-cost", "a negative cost in the patient file",
         lambda root: real_patients(root, with_value("cost_t", 3, -250.0)),
         r"files/data_new\.csv: column 'cost_t' is negative in rows 3; expected a non-negative amount",
         PATIENT_OUT, DataError),
    Case("patient-nan", "NaN in a required patient column",
         lambda root: real_patients(root, with_value("gagne_sum_t", 11, np.nan)),
         r"files/data_new\.csv: column 'gagne_sum_t' has NaN in rows 11; expected a value in every row",
         PATIENT_OUT, DataError),
    Case("patient-bad-race", "a race other than white/black",
         lambda root: real_patients(root, with_value("race", 2, "green")),
         r"files/data_new\.csv: column 'race' has values \['green'\] in rows 2; expected 'white' or 'black'",
         PATIENT_OUT, DataError),
    Case("holdout-inf", "inf in the hold-out calibration file",
         lambda root: standin_patients(root, "holdout", holdout_value("cost_t", 4, "inf")),
         r"model_lasso_predictors\.csv: column 'cost_t' has non-finite values \(inf\) in rows \[4\]",
         PATIENT_OUT, DataError),
    Case("table1-inf", "inf in Table 1",
         lambda root: standin_patients(root, "table1", replace_row("Obesity", "inf,inf")),
         r"table1\.csv: row 'Obesity' has a non-finite value", PATIENT_OUT, DataError),
    Case("dictionary-cut", "a data dictionary cut at a line end",
         lambda root: standin_patients(root, "dictionary", lambda t: "\n".join(t.splitlines()[:60]) + "\n"),
         r"data_dictionary\.md: expected 160 distinct columns in the data dictionary, found \d+", PATIENT_OUT, DataError),
    # ---- prepared tables read back by later stages ---------------------------------------------------
    Case("prepared-header-only", "a header-only prepared fair-regression table",
         lambda root: prepared_fairreg(root, lambda f: f.iloc[:0]),
         r"prepared\.csv: the prepared fair-regression table has no rows", [], DataError),
    Case("prepared-nan", "NaN in a prepared fair-regression table",
         lambda root: prepared_fairreg(root, with_value("y", 5, np.nan)),
         r"prepared\.csv: column 'y' must be numeric; missing values at file lines \[7\]", [], DataError),
    Case("prepared-npz-inf", "inf in a prepared fairness-layer part (.npz)",
         prepared_npz, r"val\.npz: X column 'a' has non-finite values \(NaN/inf\) in rows \[2\]", [], DataError),
    Case("prepared-fdfl-inf", "inf in the FDFL modelling table, read by the trials rule",
         prepared_fdfl, r"modelling_table\.csv: column 'g' has non-finite values at file lines \[9\]", FDFL_OUT,
         DataError),
    # ---- the alpha-fair allocation ----------------------------------------------------------------------
    Case("allocation-negative-budget", "a negative budget Q", alpha_fair(Q=-5.0), r"\bQ\b.*> 0", [], ConfigError),
    Case("allocation-negative-alpha", "a negative alpha", alpha_fair(alpha=-1.0), r"\balpha\b.*>= 0", [], ConfigError),
    Case("allocation-invalid-alpha", "an alpha that is not a number", alpha_fair(alpha="fair"), r"\balpha\b", [],
         ConfigError),
    Case("allocation-negative-cost", "a negative unit cost", alpha_fair(c=[1.0, -1.0, 1.0]), r"\bc\b.*> 0", [],
         ConfigError),
    # --- configuration and workflow cases (added separately) ---
    Case("config-misspelled-key", "a misspelled top-level key", top_level({"threds": 2}),
         r"^config key \(top level\): unknown key\(s\) 'threds' \(did you mean threads\?\); allowed: ", [], ConfigError),
    Case("config-misspelled-study-key", "a misspelled key of a study section", study_settings("fdfl", {"trails": 3}),
         r"^config key fdfl: unknown key\(s\) 'trails' \(did you mean trials", [], ConfigError),
    Case("config-quoted-number", "a quoted number (trials: \"3\")", study_settings("fdfl", {"trials": "3"}),
         r"^config key fdfl\.trials: '3' -- .* \(a quoted number is a string: write it without quotes\)$", [], ConfigError),
    Case("config-non-finite", "a non-finite number (.inf)", study_settings("fdfl", {"decision": {"cost": float("inf")}}),
         r"^config key fdfl\.decision\.cost: inf -- expected a finite number$", [], ConfigError),
    Case("config-nan-top-level", "a NaN top-level number", top_level({"download_timeout": float("nan")}),
         r"^config key download_timeout: nan -- expected a finite number$", [], ConfigError),
    Case("config-out-of-range", "too few trials", study_settings("fdfl", {"trials": 0}),
         r"^config key fdfl\.trials: 0 -- 0 is less than the minimum of 1$", [], ConfigError),
    Case("config-unknown-study", "a study that does not exist", top_level({"studies": ["fdfl", "nope"]}),
         r"^config key studies\.1: 'nope' -- expected one of \['fdfl', 'fairreg', 'layer', 'dafh'\]$", [], ConfigError),
    Case("config-unknown-method", "a method that is not registered", study_settings("dafh", {"methods": ["nope"]}),
         r"^config key dafh\.methods\.0: 'nope' -- expected one of \['dafh', ", [], ConfigError),
    Case("config-unknown-scale", "a preset that does not exist", study_settings("layer", {"scale": "huge"}),
         r"^config key layer\.scale: 'huge' -- expected one of \['paper', 'reduced', 'smoke'\]$", [], ConfigError),
    Case("config-unknown-solver", "a solver fairopt does not know", study_settings("fairreg", {"solvers": {"mio": "cplex"}}),
         r"^config key fairreg\.solvers\.mio: 'cplex' -- expected one of \['scip', 'mosek', 'gurobi'\]$", [], ConfigError),
    Case("config-unknown-device", "a torch device that is not auto, cpu or cuda", study_settings("layer", {"device": "gpu"}),
         r"^config key layer\.device: 'gpu' -- expected one of \['auto', 'cpu', 'cuda'\]$", [], ConfigError),
    Case("resource-table-bad-memory", "a rule's memory in the resource table is not a whole number of MB",
         resource_table("fdfl_job: {threads: 1, mem_mb: 1.5, runtime: 2}\n"),
         r"resources\.yaml: rule fdfl_job, key mem_mb: expected a positive integer", [], ConfigError),
    Case("resource-table-missing-key", "a rule's entry without its runtime",
         resource_table("fdfl_job: {threads: 1, mem_mb: 500}\n"),
         r"resources\.yaml: rule fdfl_job: key runtime missing$", [], ConfigError),
    Case("solver-not-installed", "MOSEK asked for, not installed", fairreg_mio_solver(["CLARABEL", "SCIP"]),
         r"^config key fairreg\.solvers\.mio: solver 'mosek' is not installed", [], SolverError),
    Case("solver-unlicensed", "MOSEK installed but not licensed", fairreg_mio_solver(["CLARABEL", "SCIP", "MOSEK"], False),
         r"^config key fairreg\.solvers\.mio: MOSEK is installed but no licence was found", [], SolverError),
    Case("raw-unobtainable", "a raw file in neither the mirror nor reachable (downloads off)", unobtainable_raw_file,
         r"^dataset 'communities_crime' file 'communities\.csv' cannot be obtained: not in the mirror \(.*mirror/"
         r"communities_crime/communities\.csv\), and downloads are off \(config download: false\)",
         ["resources/raw/communities_crime/communities.csv"], DataError),
]


def _write_frame(root: Path, name: str, frame: pd.DataFrame) -> Path:
    path = root / "files" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def _param(case: Case):
    return pytest.param(case, id=case.id)


def verified_copy_consumed(root: Path) -> None:
    """As ``raw-truncated-copy`` without the cut: the record vouches for the copy and the rule runs."""
    published = communities_csv(root / "published.csv")
    (root / "mirror" / "communities_crime").mkdir(parents=True)
    shutil.copyfile(published, root / "mirror" / "communities_crime" / "communities.csv")
    with toy_registry("communities_crime", "communities.csv", published):
        fetch(root, "communities_crime", "communities.csv", root / "mirror")
        fairreg_prepare(root, raw_copy(root, "communities_crime", "communities.csv"))


def good_modelling_table(root: Path) -> None:
    (root / "results" / "fdfl" / "data").mkdir(parents=True)
    modelling_table(60).to_csv(root / "results/fdfl/data/modelling_table.csv")
    run_script("fdfl_prepare_trials", root, input={"table": root / "results/fdfl/data/modelling_table.csv"},
               output={"sample": root / FDFL_OUT[0], "splits": root / FDFL_OUT[1]},
               params={"n": 40, "random_state": 0, "trials": 2, "test_size": 0.5})


#: the same entry points on good inputs write exactly the outputs the rows above list: so "no output
#: left" in a row means the failure came before the writing, not that the row watches the wrong paths
CONTROLS = [
    ("fairreg", lambda root: fairreg_prepare(root, communities(root)), FAIRREG_OUT),
    ("verified-copy", verified_copy_consumed,
     FAIRREG_OUT + ["resources/raw/communities_crime/communities.csv",
                    "resources/raw/communities_crime/.communities.csv.verified.json"]),
    ("dafh", lambda root: dafh_prepare(root, german(root, females=12)), DAFH_OUT),
    ("layer-employee", lambda root: layer_prepare(root, "employee", _write_frame(root, "Employee.csv", _employee_table()),
                                                  {}), layer_outputs("employee")),
    ("patients", lambda root: real_patients(root, lambda f: f), PATIENT_OUT),
    ("fdfl-trials", good_modelling_table, FDFL_OUT),
]


@pytest.mark.parametrize("run, outputs", [pytest.param(r, o, id=i) for i, r, o in CONTROLS])
def test_good_input_writes_the_watched_outputs(run, outputs, tmp_path):
    run(tmp_path)
    missing = [p for p in outputs if not (tmp_path / p).is_file()]
    assert not missing, f"not written on good input: {missing}"


def test_downloaded_patient_file_leaves_no_undeclared_file(tmp_path, monkeypatch):
    """source auto, not in the mirror, download on: the real file is fetched into a scratch folder of the
    job (it used to land, undeclared, in resources/raw/obermeyer/data_new.csv) and only the outputs remain."""
    import hashlib

    import fairopt.data.raw as raw
    from fairopt.data.obermeyer_schema import parse_data_dictionary
    from fairopt.data.provenance import read_provenance

    files = calibration(tmp_path)
    payload = make_patients(parse_data_dictionary(files["dictionary"]), n=60).to_csv(index=False).encode()
    blob = hashlib.sha1(b"blob %d\0" % len(payload) + payload).hexdigest()
    entry = raw.RawFile("obermeyer", "data_new.csv", git_blob_sha1=blob, url="https://example.invalid/data_new.csv")
    reg = {**raw.registry(), "obermeyer": {**raw.registry()["obermeyer"], "data_new.csv": entry}}
    monkeypatch.setattr(raw, "registry", lambda: reg)
    monkeypatch.setattr(raw, "download_bytes", lambda url, timeout: payload)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(tmp_path)  # the old relative path would have landed here
    obtain_patients(tmp_path, files, source="auto", download=True)
    assert read_provenance(tmp_path / PATIENT_OUT[1]).source == "real"
    assert (tmp_path / PATIENT_OUT[0]).read_bytes() == payload
    assert not (tmp_path / "resources" / "raw").exists() and not any(scratch.iterdir())


def test_catalogue_ids_are_unique():
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids), ids


@pytest.mark.parametrize("case", [_param(c) for c in CATALOGUE])
def test_bad_input(case: Case, tmp_path: Path):
    outputs = case.output_paths(tmp_path)
    with pytest.raises(FairoptError) as info:
        case.run(tmp_path)
    message = str(info.value)
    assert isinstance(info.value, case.error), f"{type(info.value).__name__} is not a {case.error.__name__}: {message}"
    assert "\n" not in message, f"message of more than one line:\n{message}"
    assert re.search(case.message, message), f"{message!r} does not match {case.message!r}"
    left = [str(p.relative_to(tmp_path)) for p in outputs if p.exists()]
    assert not left, f"outputs left behind: {left}"


# ---- the same checks through Snakemake: one line on stderr, before the DAG is built ------------------------
#: (id, what, config file text, the line's pattern): `snakemake -n` with the smoke config and this file
WORKFLOW_CATALOGUE = [
    ("workflow-misspelled-key", "a misspelled top-level key", "threds: 2\n",
     r"config key \(top level\): unknown key\(s\) 'threds' \(did you mean threads\?\)"),
    ("workflow-quoted-number", "a quoted number in a study section", "fdfl:\n  trials: \"3\"\n",
     r"config key fdfl\.trials: '3' -- .*quoted number"),
    ("workflow-solver-not-installed", "MOSEK asked for where it is not installed",
     "studies: [fdfl]\nfdfl:\n  decision: {solver: mosek}\n",
     r"config key fdfl\.decision\.solver: solver 'mosek' is not installed"),
    ("workflow-raw-unobtainable", "no mirror and downloads off", "data_mirror: /nonexistent-mirror\ndownload: false\n",
     r"dataset '\w+' file '[^']+' cannot be obtained \(and \d+ more: .*downloads are off"),
]


@pytest.mark.parametrize("text, pattern", [pytest.param(t, p, id=i) for i, _, t, p in WORKFLOW_CATALOGUE])
def test_bad_config_stops_the_workflow_in_one_line(text, pattern, tmp_path):
    import subprocess
    import sys

    if "mosek" in text:
        import cvxpy as cp

        if "MOSEK" in cp.installed_solvers():
            pytest.skip("MOSEK is installed here")
    config, workdir = tmp_path / "bad.yaml", tmp_path / "run"
    config.write_text(text)
    workdir.mkdir()
    # run in an empty working directory (-d): no verified copies under resources/raw, and no outputs to leave
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--configfile", "config/smoke.yaml", str(config),
                          "-d", str(workdir)], cwd=REPO, capture_output=True, text=True, timeout=300)
    ours = [line for line in (out.stdout + out.stderr).splitlines()
            if not line.startswith(("Using workflow specific profile", "Config file config/config.yaml is extended"))]
    assert out.returncode == 1 and len(ours) == 1, ours
    assert re.match(rf"fairopt: {pattern}.* \(details: logs/config_error\.log\)$", ours[0]), ours[0]
    assert [p.relative_to(workdir).as_posix() for p in sorted(workdir.rglob("*"))] == ["logs", "logs/config_error.log"]


def catalogue_markdown() -> str:
    """The catalogue as the README lists it (``python -m tests.test_bad_inputs``)."""
    rows = [f"| `{c.id}` | {c.what} | {c.error.__name__} |" for c in CATALOGUE]
    rows += [f"| `{i}` | {what} (through `snakemake -n`) | one line on stderr, exit 1 |" for i, what, _, _ in WORKFLOW_CATALOGUE]
    return "\n".join(["| case | bad input | raises |", "|---|---|---|", *rows])


def test_the_readme_lists_the_catalogue():
    assert catalogue_markdown() in (REPO / "README.md").read_text(encoding="utf-8"), \
        "README.md: regenerate the catalogue with python -m tests.test_bad_inputs"


if __name__ == "__main__":
    print(catalogue_markdown())
