#!/usr/bin/env bash
# Run by Snakemake inside the freshly built envs/fairopt.yaml environment (--sdm conda): install the
# fairopt the workflow was parsed with. FAIROPT_SOURCE comes from workflow/rules/common.smk
# (fairopt.core.install_source): "-e <checkout>", "fairopt @ git+<url>@<commit>" or "fairopt==<version>".
set -euo pipefail
if [ -z "${FAIROPT_SOURCE:-}" ]; then
  echo "envs/fairopt.post-deploy.sh: FAIROPT_SOURCE is not set (the workflow sets it when it is parsed)" >&2
  exit 1
fi
# shellcheck disable=SC2086  # "-e <path>" is two words on purpose
python -m pip install --no-deps ${FAIROPT_SOURCE}
