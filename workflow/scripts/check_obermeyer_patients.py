"""Rule check_obermeyer_patients: calibration/consistency checks of the patient file in use."""
import pandas as pd

from fairopt.data.obermeyer_standin import calibration_report
from fairopt.core.io import write_csv
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    prov = read_provenance(smk.input.provenance)
    frame = pd.read_csv(smk.input.patients)
    report = calibration_report(frame, smk.input.holdout, smk.input.table1)
    report["data_source"] = prov.label
    write_csv(smk.output[0], report)
    failed = report.loc[~report["passed"].astype(bool), "check"].tolist()
    log.info("%d checks, %d failed%s", len(report), len(failed), f": {failed}" if failed else "")
