"""Result files vs timing files, the tree comparison, and deterministic notebook pages."""
from __future__ import annotations

import subprocess

import nbformat
import pytest

from fairopt.core.errors import DataError
from fairopt.report.identity import compare_trees, copy_work_tree, is_timing_file, main, result_files
from fairopt.report.notebooks import normalise


@pytest.mark.parametrize("path, timing", [
    ("fdfl/timing/trials/dfl/trial-0.json", True),
    ("benchmarks/summary.csv", True),
    ("dafh/benchmark/batched_fits.json", True),
    ("scorecard/timing/fdfl.csv", True),
    ("fdfl/benchmarks/decision_timing.csv", True),
    ("fairreg/real/training_times.csv", True),
    ("fdfl/figures/timing.html", True),
    ("fdfl/tables/table2_timing.md", True),
    ("report.html", True),
    ("fdfl/tables/table2.csv", False),
    ("fdfl/trials/dfl/trial-0.json", False),
    ("layer/figures/timeline.html", False),
    ("scorecard/scorecard.csv", False),
    ("fairreg/real/tradeoff.csv", False),
])
def test_timing_files_are_recognised_by_their_path(path, timing):
    assert is_timing_file(path) is timing


def _tree(root, files):
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_compare_trees_ignores_timing_and_hidden_files_and_names_the_rest(tmp_path, capsys):
    a = _tree(tmp_path / "a", {"x/r.csv": "1", "x/timing/t.json": "1.5", "y.md": "same", ".y.md.tmp": "junk",
                               "only_a.csv": "a"})
    b = _tree(tmp_path / "b", {"x/r.csv": "2", "x/timing/t.json": "9.5", "y.md": "same", "only_b.csv": "b"})
    assert result_files(a) == ["only_a.csv", "x/r.csv", "y.md"]
    out = compare_trees(a, b)
    assert (out.identical, out.differ, out.only_a, out.only_b) == (["y.md"], ["x/r.csv"], ["only_a.csv"], ["only_b.csv"])
    assert out.timing_files == 1 and not out.ok
    assert main([str(a), str(b)]) == 1 and "1 differ" in capsys.readouterr().out
    (b / "x/r.csv").write_text("1")
    (a / "only_a.csv").unlink()
    (b / "only_b.csv").unlink()
    assert compare_trees(a, b).ok and main([str(a), str(b)]) == 0
    with pytest.raises(FileNotFoundError, match="not a folder"):
        compare_trees(a, tmp_path / "missing")


def test_normalise_drops_papermill_stamps_and_numbers_the_cells():
    def executed(stamp, cell_id):
        nb = nbformat.v4.new_notebook()
        nb.metadata["papermill"] = {"start_time": stamp, "end_time": stamp, "duration": 1.5, "parameters": {"a": 1}}
        cell = nbformat.v4.new_code_cell("a = 1")
        cell["id"] = cell_id
        cell.metadata.update({"tags": ["injected-parameters"], "execution": {"iopub.execute_input": stamp},
                              "papermill": {"start_time": stamp, "duration": 0.1, "status": "completed"}})
        nb.cells.append(cell)
        plain = nbformat.v4.new_markdown_cell("text")
        plain["id"] = cell_id[::-1]
        nb.cells.append(plain)
        return nbformat.writes(normalise(nb))

    first, second = executed("2026-01-01T00:00:00", "1a2b3c4d"), executed("2026-02-02T11:11:11", "99ff99ff")
    assert first == second
    assert "2026" not in first and '"parameters"' in first and '"status": "completed"' in first
    assert '"id": "injected-parameters"' in first and '"id": "cell-1"' in first


def test_copy_work_tree_copies_what_git_sees_and_not_the_ignored_outputs(tmp_path):
    repo = tmp_path / "repo"
    (repo / "results").mkdir(parents=True)
    (repo / ".gitignore").write_text("results/\n")
    (repo / "Snakefile").write_text("rule all:\n")
    (repo / "results" / "big.csv").write_text("x\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "Snakefile", ".gitignore"], cwd=repo, check=True)
    (repo / "new.py").write_text("print(1)\n")  # untracked, not ignored: copied (work in progress runs too)
    copy = copy_work_tree(repo, tmp_path / "copy")
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == \
        [".gitignore", "Snakefile", "new.py"]
    with pytest.raises(DataError, match="not a git work tree"):
        copy_work_tree(tmp_path / "copy", tmp_path / "again")
