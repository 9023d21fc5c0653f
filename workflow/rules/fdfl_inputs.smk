# Input functions and path helpers of the FDFL rules (fdfl.smk): Snakemake's style keeps functions out of
# rule files. They read the globals of fdfl.smk when called.
import os


def fdfl_table_sources(table):
    """The trained methods whose trial files a table reads (each once, in table order)."""
    return list(dict.fromkeys(FDFL.trained_as[m] for m in FDFL.tables.get(table, [])))


def fdfl_table_trials(table):
    """Trial JSONs of every method of a table (the files of the method each is trained as), every trial."""
    return expand(FDFL_TRIAL, method=fdfl_table_sources(table), trial=FDFL.trials)


def fdfl_table_timings(table):
    """Timing JSONs of the trials of a table (beside each trial JSON: the training job's ``timings``)."""
    return expand(FDFL_TRIAL_TIMING, method=fdfl_table_sources(table), trial=FDFL.trials)


def fdfl_table_benchmarks(table):
    """The benchmark files of the training jobs of a table's trainings (one per method and trial block)."""
    return [
        FDFL_JOB_BENCHMARK.format(method=m, first=block[0], last=block[-1])
        for m in fdfl_table_sources(table)
        for block in FDFL.trial_blocks
    ]


def fdfl_table_rows(table):
    """The rows of a table for the aggregation: name, label, source method and the row's method record."""
    return [{**row, "method": method_record(FDFL.methods[row["name"]])} for row in FDFL.table_rows(table)]


def fdfl_table(table, part="table"):
    """One output of the aggregation of ``table`` (``table``, ``trials``, ``groups``, ``history``, ``timing``,
    ``trials_timing``, ...)."""
    return getattr(rules.fdfl_aggregate.output, part).format(table=table)


def fdfl_scorecard_inputs(wildcards):
    """The tables and measurements the scorecard judges (the layer table only when it is built)."""
    inputs = {
        "paper": source_file("../paper/fdfl.yaml"),
        "provenance": OBERMEYER_PATIENTS.provenance,
        "table": fdfl_table(FDFL_PAPER_TABLE),
        "trials": fdfl_table(FDFL_PAPER_TABLE, "trials"),
        "timing": fdfl_table(FDFL_PAPER_TABLE, "timing"),
        "trials_timing": fdfl_table(FDFL_PAPER_TABLE, "trials_timing"),
        "illustrative": rules.fdfl_job_illustrative.output.table1,
        "dbb": rules.fdfl_job_timing.output.dbb,
    }
    if FDFL_LAYER_TABLE in FDFL.run_tables:
        inputs["layer"] = fdfl_table(FDFL_LAYER_TABLE, "trials")
    return inputs


def fdfl_wall_timing(wildcards):
    """The measured wall times of ``python -m fairopt.studies.fdfl.wall_time`` when the file exists (else none)."""
    path = "results/fdfl/benchmarks/wall_time.csv"
    return [path] if os.path.exists(path) else []
