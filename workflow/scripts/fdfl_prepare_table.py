"""Rule fdfl_prepare_table: the FDFL modelling table and its per-race summary of derived columns."""
import pandas as pd

from fairopt.studies.fdfl.prepare import GainConfig, build_modelling_table, derived_summary
from fairopt.data.obermeyer_schema import parse_data_dictionary, validate_patients
from fairopt.core.io import write_csv
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    prov = read_provenance(smk.input.provenance)
    schema = parse_data_dictionary(smk.input.dictionary)
    patients = validate_patients(pd.read_csv(smk.input.patients), schema, source=smk.input.patients)
    table = build_modelling_table(patients, GainConfig(**smk.params.gain))
    table.insert(0, "row_id", table.index)
    table["data_source"] = prov.label
    write_csv(smk.output.table, table)
    write_csv(smk.output.summary, derived_summary(table, prov.label))
    log.info("modelling table %s from %s", table.shape, prov.label)
