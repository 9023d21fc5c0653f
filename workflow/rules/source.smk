# The workflow's own files and what produced a run: source_file (a file of workflow/, notebooks/ or envs/,
# also when another workflow uses this one as a module), the fairopt the conda environment installs
# (envs/fairopt.post-deploy.sh), the headline of scorecards and benchmark tables. Included first.
import os
from pathlib import Path

from snakemake.io import get_flag_value

from fairopt.core.install_source import install_source
from fairopt.report.headline import run_headline


def source_file(path):
    """A file of the workflow's own source, ``path`` relative to workflow/rules/: relative to the working
    directory when the workflow runs from its checkout, absolute when another workflow uses it as a module
    (README, "Deploy with snakedeploy"), Snakemake's cached copy when that module is remote."""
    cached = workflow.source_path(path)
    local = Path(os.path.abspath(str(get_flag_value(cached, "sourcecache_entry"))))
    if not local.is_file():
        return str(cached)
    return os.path.relpath(local) if local.is_relative_to(Path.cwd()) else str(local)


# what envs/fairopt.post-deploy.sh installs into the rules' conda environment: the fairopt parsing this workflow
os.environ.setdefault("FAIROPT_SOURCE", install_source())


def headline(wildcards=None):
    """What produced this run (presets, config files in order of precedence, --config keys, data), heading
    the scorecards and benchmark tables."""
    given = [os.path.abspath(f) for f in workflow.overwrite_configfiles or []]  # --configfile: applied last
    files = [str(f) for f in workflow.configfiles if os.path.abspath(f) not in given] + given
    return run_headline(config, STUDIES, config_files=files, command_line=workflow.config_settings.config)
