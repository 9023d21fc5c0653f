"""Two runs of one configuration give byte-identical results: the rule, and the check.

Every random draw takes its seed from the config and every time-limited solve of the smoke and CI
presets stops at a deterministic limit (a node count, not a clock), so the *results* of two runs of
one configuration are equal byte for byte. Measured times are not: they live in **timing files**,
recognised by their path alone (:func:`is_timing_file`):

* anything under a folder named ``timing``, ``benchmark`` or ``benchmarks`` (e.g.
  ``results/fdfl/timing/...``, ``results/benchmarks/summary.csv``, ``results/scorecard/timing/``);
* a file whose name has the word ``timing`` or ``times`` in it (``decision_timing.csv``,
  ``training_times.csv``, the ``timing`` figure and its notebook);
* Snakemake's own report (``report.html``: it carries the date of the run).

Everything else under ``results/`` is a result file and must not change between runs:
:func:`compare_trees` lists the result files that differ, are missing or are extra. Run it as ::

    python -m fairopt.report.identity RUN_A/results RUN_B/results

(exit status 1 when a result file differs; ``.ci/run`` does this on two smoke runs). The second run
happens in a copy of the work tree (:func:`copy_work_tree`), as do the kill-and-resume check and the FDFL
wall-time benchmark.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["TIMING_FOLDERS", "is_timing_file", "result_files", "TreeComparison", "compare_trees", "copy_work_tree",
           "main"]

#: folders whose files are timing files
TIMING_FOLDERS = frozenset({"timing", "benchmark", "benchmarks"})
_TIMING_NAME = re.compile(r"(^|[_.-])(timing|times)($|[_.-])")
_NOT_RESULTS = frozenset({"report.html"})


def is_timing_file(relpath: str | PurePosixPath) -> bool:
    """Whether a path (relative to ``results/``) holds measured times (module docstring)."""
    path = PurePosixPath(relpath)
    if path.name in _NOT_RESULTS:
        return True
    return bool(TIMING_FOLDERS & set(path.parts[:-1])) or bool(_TIMING_NAME.search(path.stem))


def result_files(root: str | Path) -> list[str]:
    """The result files under ``root`` (POSIX paths relative to it, sorted), timing files left out.

    Hidden files (temporary files of an atomic write, Snakemake's markers) are left out too.
    """
    root = Path(root)
    out = []
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in PurePosixPath(rel).parts) \
                and not is_timing_file(rel):
            out.append(rel)
    return sorted(out)


@dataclass
class TreeComparison:
    """What :func:`compare_trees` found."""

    identical: list[str] = field(default_factory=list)
    differ: list[str] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    timing_files: int = 0

    @property
    def ok(self) -> bool:
        return not (self.differ or self.only_a or self.only_b)

    def summary(self) -> str:
        text = (f"{len(self.identical)} result files identical, {len(self.differ)} differ, "
                f"{len(self.only_a)} only in A, {len(self.only_b)} only in B "
                f"({self.timing_files} timing files not compared)")
        for label, names in (("differ", self.differ), ("only in A", self.only_a), ("only in B", self.only_b)):
            text += "".join(f"\n  {label}: {name}" for name in names)
        return text


def copy_work_tree(repo: str | Path, dest: str | Path) -> Path:
    """Copy the work tree ``repo`` to ``dest`` as git sees it: tracked files and untracked ones that are not
    ignored (code, config, notebooks -- no results, resources, logs, benchmarks or Snakemake state).

    Raises:
        DataError: ``repo`` is not a git work tree (one line).
    """
    from fairopt.core.errors import DataError

    repo, dest = Path(repo), Path(dest)
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=repo, capture_output=True)
    if listing.returncode != 0:
        raise DataError(f"{repo}: not a git work tree (git ls-files failed), cannot copy it")
    for rel in filter(None, listing.stdout.decode().split("\0")):
        src = repo / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def compare_trees(a: str | Path, b: str | Path) -> TreeComparison:
    """Compare the result files of two ``results/`` folders byte for byte.

    Raises:
        FileNotFoundError: ``a`` or ``b`` is not a folder.
    """
    a, b = Path(a), Path(b)
    for root in (a, b):
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: not a folder (expected a results/ folder of a run)")
    fa, fb = set(result_files(a)), set(result_files(b))
    out = TreeComparison(only_a=sorted(fa - fb), only_b=sorted(fb - fa))
    for rel in sorted(fa & fb):
        (out.identical if (a / rel).read_bytes() == (b / rel).read_bytes() else out.differ).append(rel)
    out.timing_files = sum(1 for p in a.rglob("*") if p.is_file() and is_timing_file(p.relative_to(a).as_posix()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fairopt.report.identity", description=__doc__.split("\n")[0])
    parser.add_argument("a", help="results/ folder of the first run")
    parser.add_argument("b", help="results/ folder of the second run")
    args = parser.parse_args(argv)
    comparison = compare_trees(args.a, args.b)
    print(comparison.summary())
    return 0 if comparison.ok else 1


if __name__ == "__main__":
    sys.exit(main())
