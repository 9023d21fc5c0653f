# Input functions of the data-stage rules (data.smk): Snakemake's style keeps functions out of rule files.


def obermeyer_real_in_mirror():
    """Whether the real data_new.csv sits in the mirror (re-checked on every invocation, so adding
    it later re-runs the patient-file rule through its params)."""
    return (Path(DATA_MIRROR) / "obermeyer" / "data_new.csv").is_file()


def obermeyer_source():
    """The configured source, resolved as far as possible before running any job."""
    source = OBERMEYER["source"]
    if source == "auto" and not obermeyer_real_in_mirror() and not config["download"]:
        return "standin"
    return source


def obermeyer_patient_inputs(wildcards):
    """Calibration inputs always; the real file when it is required or already in the mirror."""
    inputs = dict(OBERMEYER_CALIBRATION)
    if obermeyer_source() == "real" or (obermeyer_source() == "auto" and obermeyer_real_in_mirror()):
        inputs["real"] = raw_path("obermeyer", "data_new.csv")
    return inputs
