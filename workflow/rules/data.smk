# Data stage: raw files (mirror or URL, checksum-verified), the Obermeyer patient file (real or
# calibrated stand-in) and the FDFL modelling table, sample and trial splits.


rule fetch_raw_file:
    output:
        "resources/raw/{dataset}/{filename}",
    log:
        "logs/fetch_raw_file/{dataset}/{filename}.log",
    params:
        mirror=DATA_MIRROR,
        download=config["download"],
        timeout=config["download_timeout"],
    localrule: True
    conda:
        ENV
    script:
        "../scripts/fetch_raw_file.py"


rule obtain_obermeyer_patients:
    input:
        unpack(obermeyer_patient_inputs),
    output:
        patients="resources/obermeyer/patients.csv",
        provenance="resources/obermeyer/provenance.json",
    log:
        "logs/obtain_obermeyer_patients.log",
    params:
        source=obermeyer_source(),
        real_in_mirror=obermeyer_real_in_mirror(),
        download=config["download"],
        timeout=config["download_timeout"],
        standin=config["obermeyer"]["standin"],
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/obtain_obermeyer_patients.py"


rule check_obermeyer_patients:
    input:
        patients="resources/obermeyer/patients.csv",
        provenance="resources/obermeyer/provenance.json",
        holdout=raw_path("obermeyer", "model_lasso_predictors.csv"),
        table1=raw_path("obermeyer", "table1.csv"),
    output:
        report(
            "results/data/obermeyer_patient_checks.csv",
            caption="../report/obermeyer_checks.rst",
            category="data",
        ),
    log:
        "logs/check_obermeyer_patients.log",
    threads: config["threads"]
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/check_obermeyer_patients.py"


rule build_fdfl_table:
    input:
        patients="resources/obermeyer/patients.csv",
        provenance="resources/obermeyer/provenance.json",
        dictionary=raw_path("obermeyer", "data_dictionary.md"),
    output:
        table="results/fdfl/data/modelling_table.csv",
        summary=report(
            "results/fdfl/data/derived_summary.csv",
            caption="../report/fdfl_derived_summary.rst",
            category="data",
        ),
    log:
        "logs/build_fdfl_table.log",
    params:
        gain=config["fdfl"]["data"],
    threads: config["threads"]
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/build_fdfl_table.py"


rule sample_fdfl_trials:
    input:
        table="results/fdfl/data/modelling_table.csv",
        provenance="resources/obermeyer/provenance.json",
    output:
        sample="results/fdfl/data/sample.csv",
        splits="results/fdfl/data/splits.csv",
    log:
        "logs/sample_fdfl_trials.log",
    params:
        n=config["fdfl"]["sample"]["n"],
        random_state=config["fdfl"]["sample"]["random_state"],
        trials=config["fdfl"]["trials"],
        test_size=config["fdfl"]["test_size"],
    conda:
        ENV
    script:
        "../scripts/sample_fdfl_trials.py"
