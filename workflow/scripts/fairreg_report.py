"""Rule fairreg_report: the study's scorecard (paper vs run) and benchmark table."""
import pandas as pd
import yaml

from fairopt.benchmark_table import write_benchmark_table
from fairopt.fairreg.report import benchmark_rows, comparison_markdown, scorecard_rows
from fairopt.fairreg.tables import relaxation_seconds
from fairopt.io import read_json, write_text
from fairopt.runlog import logged
from fairopt.scorecard import write_scorecard

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    with open(smk.input.paper, encoding="utf-8") as fh:
        paper = yaml.safe_load(fh)
    settings = smk.params.settings
    read = {k: pd.read_csv(getattr(smk.input, k), keep_default_na=True)
            for k in ("runs", "summary", "formulations", "gaps", "tradeoff", "reduction", "times")}
    for k in ("formulations", "gaps"):
        read[k]["lam"] = read[k]["lam"].astype(str)
    infos = [read_json(path) for path in smk.input.info]
    real = {"info": {i["dataset"]: i for i in infos}, "tradeoff": read["tradeoff"],
            "reduction": read["reduction"], "times": read["times"]}
    relax = relaxation_seconds(read["runs"])
    rows = scorecard_rows(paper, settings, read["formulations"], read["gaps"], read["summary"], relax, real)
    frame = write_scorecard(rows, smk.output.scorecard, smk.output.scorecard_md,
                            title="Fair and accurate regression: paper vs reproduction")
    write_benchmark_table(benchmark_rows(paper, settings, read["formulations"], relax, real),
                          smk.output.benchmarks, smk.output.benchmarks_md, title="Fair regression benchmarks")
    write_text(smk.output.comparison,
               comparison_markdown(paper, settings, read["formulations"], read["gaps"], relax))
    log.info("scorecard: %s", frame["verdict"].value_counts().to_dict())
