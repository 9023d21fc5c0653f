"""Every ```python block of the README runs, as a user would paste it: a fresh interpreter each, in an
empty directory, within a minute, printing what the text says it prints (a sketch that is not meant to
run on its own is fenced without a language)."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

BLOCKS = re.findall(r"^```python\n(.*?)^```$", (REPO / "README.md").read_text(encoding="utf-8"), re.M | re.S)


def test_the_readme_has_its_python_quick_start():
    assert len(BLOCKS) >= 5, "README: the Python quick start (decision layer, fairness layer, regressor, DAFH, metrics)"


@pytest.mark.parametrize("code", BLOCKS, ids=[b.splitlines()[0][:60] for b in BLOCKS])
def test_a_readme_python_block_runs(code, tmp_path):
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"README block failed:\n{code}\n--- stderr ---\n{out.stderr[-3000:]}"
    printed = [line for line in out.stdout.splitlines() if line.strip()]
    assert printed, f"README block prints nothing:\n{code}"
    expected = re.findall(r"^# prints: (.+)$", code, re.M)  # the block's own claim about its output
    for text in expected:
        assert any(text in line for line in printed), (text, printed)
