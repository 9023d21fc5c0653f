"""Rule fdfl_prepare_table: the FDFL modelling table and its per-race summary of derived columns."""
from fairopt.studies.fdfl.prepare import GainConfig, build_modelling_table, derived_summary
from fairopt.data.obermeyer_schema import parse_data_dictionary, validate_patients
from fairopt.core.io import write_csv
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged
from fairopt.data.raw import check_raw_inputs
from fairopt.data.tabular import read_table

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    check_raw_inputs(smk.input)  # the data dictionary is still the verified copy (fairopt.data.raw)
    prov = read_provenance(smk.input.provenance)
    schema = parse_data_dictionary(smk.input.dictionary)
    patients = validate_patients(read_table(smk.input.patients, "Obermeyer patient"), schema, source=smk.input.patients)
    table = build_modelling_table(patients, GainConfig(**smk.params.gain))
    table.insert(0, "row_id", table.index)
    table["data_source"] = prov.label
    write_csv(smk.output.table, table)
    write_csv(smk.output.summary, derived_summary(table, prov.label))
    log.info("modelling table %s from %s", table.shape, prov.label)
