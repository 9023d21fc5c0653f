# Data stage shared by the studies: raw files (mirror or URL, checksum-verified) and the Obermeyer
# patient file (real data_new.csv or fairopt's calibrated stand-in) with its provenance.
# fetch_raw_file also leaves the hidden verification record resources/raw/<dataset>/.<name>.verified.json
# (undeclared on purpose: no rule reads it as an input); every script reading a raw file re-checks the
# copy against it first (fairopt.data.raw.check_raw_inputs).


rule fetch_raw_file:
    output:
        "resources/raw/{dataset}/{filename}",
    log:
        "logs/fetch_raw_file/{dataset}/{filename}.log",
    benchmark:
        "benchmarks/fetch_raw_file/{dataset}/{filename}.tsv"
    wildcard_constraints:
        dataset="|".join(sorted(registry())),
    retries: JOB_RESOURCES.retries("fetch_raw_file")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fetch_raw_file")
    resources:
        **JOB_RESOURCES.of("fetch_raw_file"),
    params:
        mirror=DATA_MIRROR,
        download=config["download"],
        timeout=config["download_timeout"],
    script:
        "../scripts/fetch_raw_file.py"


# ------------------------------------------------------------------ Obermeyer patient file
OBERMEYER = config["obermeyer"]
OBERMEYER_CALIBRATION = {
    "dictionary": raw_path("obermeyer", "data_dictionary.md"),
    "holdout": raw_path("obermeyer", "model_lasso_predictors.csv"),
    "table1": raw_path("obermeyer", "table1.csv"),
}


include: "data_inputs.smk"


if obermeyer_source() == "real":  # the real patient file is then required: can it be had?
    stop_on_error(
        check_obtainable,
        [raw_file("obermeyer", "data_new.csv")],
        copies="resources/raw",
        mirror=DATA_MIRROR,
        download=config["download"],
    )


rule obtain_obermeyer_patients:
    input:
        unpack(obermeyer_patient_inputs),
    output:
        patients="resources/obermeyer/patients.csv",
        provenance="resources/obermeyer/provenance.json",
    log:
        "logs/obtain_obermeyer_patients.log",
    benchmark:
        "benchmarks/obtain_obermeyer_patients.tsv"
    retries: JOB_RESOURCES.retries("obtain_obermeyer_patients")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("obtain_obermeyer_patients")
    resources:
        **JOB_RESOURCES.of("obtain_obermeyer_patients"),
    params:
        source=obermeyer_source(),
        real_in_mirror=obermeyer_real_in_mirror(),
        download=config["download"],
        timeout=config["download_timeout"],
        standin=OBERMEYER["standin"],
    script:
        "../scripts/obtain_obermeyer_patients.py"


OBERMEYER_PATIENTS = rules.obtain_obermeyer_patients.output


rule check_obermeyer_patients:
    input:
        patients=OBERMEYER_PATIENTS.patients,
        provenance=OBERMEYER_PATIENTS.provenance,
        dictionary=OBERMEYER_CALIBRATION["dictionary"],
        holdout=OBERMEYER_CALIBRATION["holdout"],
        table1=OBERMEYER_CALIBRATION["table1"],
    output:
        report(
            "results/data/obermeyer_patient_checks.csv",
            caption="../report/obermeyer_checks.rst",
            category="data",
        ),
    log:
        "logs/check_obermeyer_patients.log",
    benchmark:
        "benchmarks/check_obermeyer_patients.tsv"
    retries: JOB_RESOURCES.retries("check_obermeyer_patients")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("check_obermeyer_patients")
    resources:
        **JOB_RESOURCES.of("check_obermeyer_patients"),
    script:
        "../scripts/check_obermeyer_patients.py"


DATA_TARGETS = all_raw_files() + list(OBERMEYER_PATIENTS) + list(rules.check_obermeyer_patients.output)
