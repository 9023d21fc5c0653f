"""Where this ``fairopt`` came from, as something ``pip install`` accepts (the workflow's conda env).

The workflow imports ``fairopt`` when Snakemake parses it, so the parsing interpreter has it. A rule run
in the conda environment ``envs/fairopt.yaml`` (``snakemake --sdm conda``) needs the same package there:
Snakemake builds that environment from its own copy of the file, so a relative ``-e ..`` in the file
points nowhere. Instead the workflow exports :func:`install_source` as ``FAIROPT_SOURCE`` when it is
parsed, and ``envs/fairopt.post-deploy.sh`` (run by Snakemake inside the new environment) installs it:

* a source checkout (``src/fairopt`` beside a ``pyproject.toml``): ``-e <checkout>``, so that the jobs
  run the code the workflow was parsed with, edits included;
* an installation from a URL (PEP 610's ``direct_url.json``; ``pip install "fairopt @ git+https://...@v1"``,
  what ``snakedeploy`` users do): that URL at the recorded commit;
* otherwise ``fairopt==<version>`` from the package index.
"""
from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

__all__ = ["install_source"]


def install_source() -> str:
    """A ``pip install`` argument for the ``fairopt`` being imported (module docstring)."""
    import fairopt

    package = Path(fairopt.__file__).resolve().parent
    checkout = package.parent.parent
    if package.parent.name == "src" and (checkout / "pyproject.toml").is_file():
        return f"-e {checkout}"
    dist = metadata.distribution("fairopt")
    text = dist.read_text("direct_url.json")
    if text:
        direct = json.loads(text)
        vcs = direct.get("vcs_info")
        if vcs:
            return f"fairopt @ {vcs['vcs']}+{direct['url']}@{vcs['commit_id']}"
        return f"fairopt @ {direct['url']}"
    return f"fairopt=={dist.version}"
