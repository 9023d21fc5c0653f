"""Rule fdfl_scorecard: paper vs reproduction for every Table 2 cell and claim (fairopt.studies.fdfl.scorecard);
the time cells and the speed claim (read from the timing tables) go to the timing scorecard."""
import pandas as pd

from fairopt.studies.fdfl.scorecard import ScorecardInputs, build_scorecard
from fairopt.core.io import read_json
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged
from fairopt.studies.common import load_paper
from fairopt.report.scorecard import write_scorecard

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    paper = load_paper(smk.input.paper, ("table2", "trials"))
    provenance = read_provenance(smk.input.provenance)
    inputs = ScorecardInputs(
        paper=paper, table=pd.read_csv(smk.input.table), trials=pd.read_csv(smk.input.trials),
        methods=smk.params.methods, provenance=provenance, illustrative=pd.read_csv(smk.input.illustrative),
        dbb=read_json(smk.input.dbb), layer=pd.read_csv(smk.input.layer) if "layer" in smk.input.keys() else None,
        settings=smk.params.scorecard, timing=pd.read_csv(smk.input.timing),
        trials_timing=pd.read_csv(smk.input.trials_timing))
    frame = write_scorecard(build_scorecard(inputs), smk.output.csv, smk.output.md, headline=smk.params.headline,
                            title=f"FDFL: paper vs reproduction ({provenance.label})",
                            timing_csv=smk.output.timing_csv, timing_md=smk.output.timing_md)
    log.info("FDFL scorecard: %s", frame["verdict"].value_counts().to_dict())
