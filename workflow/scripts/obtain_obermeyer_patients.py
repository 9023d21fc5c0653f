"""Rule obtain_obermeyer_patients: the real data_new.csv (verified) or the calibrated stand-in.

Writes resources/obermeyer/patients.csv and its provenance (source, checksums, seed), which every
downstream table, figure and report carries. A real file downloaded here (source auto, not in the
mirror, download on) goes to a temporary folder that is removed at the end of the job: the rule writes
no file it does not declare.
"""
import shutil
import tempfile
import warnings
from pathlib import Path

from fairopt.core.errors import DataError
from fairopt.core.io import atomic_path, git_blob_sha1, sha256_file, write_csv
from fairopt.core.runlog import logged
from fairopt.data.obermeyer_schema import parse_data_dictionary, validate_patients
from fairopt.data.obermeyer_standin import generate_standin
from fairopt.data.provenance import Provenance
from fairopt.data.raw import check_raw_inputs, fetch_raw_file, raw_file
from fairopt.data.tabular import read_table

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log, tempfile.TemporaryDirectory(prefix="fairopt-obermeyer-") as scratch:
    check_raw_inputs(smk.input)  # the calibration files (and a mirrored real file) are still verified copies
    schema = parse_data_dictionary(smk.input.dictionary)
    entry = raw_file("obermeyer", "data_new.csv")
    real_path, origin = None, ""
    if "real" in smk.input.keys():
        real_path, origin = smk.input.real, "data mirror"
    elif smk.params.source == "auto" and smk.params.download:
        dest = Path(scratch) / entry.name
        try:
            origin = fetch_raw_file(entry, dest, mirror=None, download=True, timeout=smk.params.timeout)
            real_path = str(dest)
        except DataError as exc:
            log.warning("real patient file not obtainable (%s)", exc)
    if real_path is not None:
        frame = read_table(real_path, "Obermeyer patient")  # missing, unreadable or header-only: one line
        validate_patients(frame, schema, source=str(real_path))
        with atomic_path(smk.output.patients) as tmp:
            shutil.copyfile(real_path, tmp)
        prov = Provenance("real", sha256_file(smk.output.patients), git_blob_sha1(smk.output.patients),
                          None, origin or entry.url, {"rows": len(frame), "columns": frame.shape[1]})
    else:
        if smk.params.source == "auto":
            warnings.warn("obermeyer.source=auto: the real data_new.csv is not available; using fairopt's "
                          "calibrated synthetic stand-in (results are marked as stand-in)")
        cfg = smk.params.standin
        frame = generate_standin(smk.input.dictionary, smk.input.holdout, smk.input.table1,
                                 n_rows=cfg["n_rows"], seed=cfg["seed"])
        validate_patients(frame, schema, source="stand-in")
        write_csv(smk.output.patients, frame)
        prov = Provenance("standin", sha256_file(smk.output.patients), git_blob_sha1(smk.output.patients),
                          cfg["seed"], "fairopt.data.obermeyer_standin",
                          {"rows": len(frame), "columns": frame.shape[1],
                           "calibrated_on": ["model_lasso_predictors.csv", "table1.csv"]})
    prov.write(smk.output.provenance)
    log.info("patient file: %s (%s rows), %s", prov.label, len(frame), prov.banner)
