"""Rule check_obermeyer_patients: calibration/consistency checks of the patient file in use."""
import pandas as pd

from fairopt.data.obermeyer_standin import calibration_report
from fairopt.core.io import write_csv
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged
from fairopt.data.raw import check_raw_inputs

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    check_raw_inputs(smk.input)  # the calibration files are still the verified copies (fairopt.data.raw)
    prov = read_provenance(smk.input.provenance)
    frame = pd.read_csv(smk.input.patients)
    report = calibration_report(frame, smk.input.holdout, smk.input.table1, dictionary_path=smk.input.dictionary)
    report["data_source"] = prov.label
    write_csv(smk.output[0], report)
    failed = report.loc[~report["passed"].astype(bool), "check"].tolist()
    log.info("%d checks, %d failed%s", len(report), len(failed), f": {failed}" if failed else "")
