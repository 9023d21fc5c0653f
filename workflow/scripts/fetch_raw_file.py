"""Rule fetch_raw_file: place a checksum-verified raw file under resources/raw/<dataset>/."""
from fairopt.data.raw import fetch_raw_file, raw_file
from fairopt.core.runlog import logged

with logged(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    entry = raw_file(snakemake.wildcards.dataset, snakemake.wildcards.filename)  # noqa: F821
    origin = fetch_raw_file(entry, snakemake.output[0], mirror=snakemake.params.mirror,  # noqa: F821
                            download=snakemake.params.download, timeout=snakemake.params.timeout)  # noqa: F821
    log.info("%s/%s verified (%s) from %s", entry.dataset, entry.name, entry.expected, origin)
