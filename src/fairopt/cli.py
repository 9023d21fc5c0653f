"""``fairopt`` on the command line (installed as the ``fairopt`` script).

* ``fairopt status [--slowest N] [SNAKEMAKE ARGS...]`` -- jobs done / total per study and the slowest
  finished jobs of the workflow those Snakemake arguments select (e.g. ``--configfile
  config/smoke.yaml``), from its ``benchmark:`` files and two dry runs (:func:`fairopt.report.jobs.status`);
* ``fairopt resources [--scale S]`` -- per rule, the measured peak memory and slowest wall time of the
  benchmark files next to what ``workflow/resources.yaml`` declares (:func:`fairopt.report.jobs.measured_resources`).

Run both from the workflow's directory.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fairopt.core.errors import FairoptError

__all__ = ["main"]


def _status(args: argparse.Namespace, rest: Sequence[str]) -> int:
    from fairopt.report.jobs import status
    from fairopt.report.markdown import markdown_table

    per_study, slowest = status(rest, benchmarks=args.benchmarks, slowest=args.slowest)
    per_study = per_study.assign(done_share=(100 * per_study["done_share"]).round(1),
                                 job_hours=per_study["job_hours"].round(3), cpu_hours=per_study["cpu_hours"].round(3))
    print(markdown_table(per_study.rename(columns={"done_share": "done %"})))
    print(f"\nslowest finished jobs ({args.benchmarks}/):\n")
    print(markdown_table(slowest.round(2)) if len(slowest) else "(no benchmark files yet)")
    return 0


def _resources(args: argparse.Namespace, rest: Sequence[str]) -> int:
    from fairopt.core.job_resources import JobResources
    from fairopt.report.jobs import measured_resources
    from fairopt.report.markdown import markdown_table

    table = JobResources.load(args.table, threads=1, scale=args.scale)
    frame = measured_resources(table, benchmarks=args.benchmarks, scale=args.scale)
    print(markdown_table(frame) if len(frame) else f"(no benchmark files under {args.benchmarks}/)")
    short = frame[~frame["enough"]] if len(frame) else frame
    for rule in short.get("rule", []):
        print(f"too little declared for {rule} at {args.scale}: see the suggested columns", file=sys.stderr)
    return 1 if len(short) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fairopt", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("status", help="jobs done / total per study and the slowest jobs")
    p.add_argument("--slowest", type=int, default=10, help="how many of the slowest jobs to list")
    p.add_argument("--benchmarks", default="benchmarks", help="the benchmark folder")
    p = sub.add_parser("resources", help="measured peak memory and wall time per rule vs the resource table")
    p.add_argument("--scale", default="smoke", choices=["smoke", "reduced", "paper"])
    p.add_argument("--benchmarks", default="benchmarks", help="the benchmark folder")
    p.add_argument("--table", default="workflow/resources.yaml", help="the resource table")
    args, rest = parser.parse_known_args(argv)
    try:
        return {"status": _status, "resources": _resources}[args.command](args, rest)
    except FairoptError as exc:
        print(f"fairopt: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
