"""The floor plan holds (CONTRIBUTING.md): layering, one package style, the same stages in every study,
defaults only in schemas (documented in config/README.md), registries pinned to the schemas."""
from __future__ import annotations

import ast
import json
import re

import pytest
import yaml

from fairopt.methods.alpha_fair.layers import DECISION_FUNCTIONS
from fairopt.report.config_reference import STUDIES, config_reference
from fairopt.studies.common import SCALES, presets, resolve_settings, schema
from fairopt.studies.dafh.methods import METHODS as DAFH_METHODS
from fairopt.studies.dafh.prepare import LOADERS as DAFH_LOADERS
from fairopt.studies.fairreg.methods import REAL, SYNTHETIC
from fairopt.studies.fdfl.methods import FRAMEWORKS, PREDICTION_FAIRNESS
from fairopt.studies.layer.methods import METHODS as LAYER_METHODS
from tests.conftest import REPO

SRC = REPO / "src" / "fairopt"
RULES = REPO / "workflow" / "rules"
#: rules shared by all studies (data stage, notebooks, combined tables, rule all)
SHARED_RULES = {"fetch_raw_file", "obtain_obermeyer_patients", "check_obermeyer_patients", "render_notebook",
                "combine_scorecards", "combine_benchmarks", "all"}
STAGES = ("prepare", "job", "aggregate", "scorecard", "benchmarks")


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


@pytest.mark.parametrize("layer,forbidden", [("core", ("fairopt.data", "fairopt.methods", "fairopt.studies")),
                                             ("data", ("fairopt.methods", "fairopt.studies")),
                                             ("methods", ("fairopt.studies",))])
def test_imports_go_one_way(layer, forbidden):
    bad = [f"{p.relative_to(SRC)} imports {m}" for p in (SRC / layer).rglob("*.py") for m in _imports(p)
           if m.startswith(forbidden)]
    assert not bad, bad


def test_every_package_init_has_a_docstring_and_the_lazy_export_style():
    for init in SRC.rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init} has no docstring"
        assert "lazy_exports(__name__" in init.read_text(encoding="utf-8"), f"{init}: not the lazy_exports style"


def test_common_smk_is_small_and_holds_no_study():
    text = (RULES / "common.smk").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 150
    assert not re.search(r"\b(FDFL|FAIRREG|LAYER|DAFH)\b", text)


def _rules(path) -> list[str]:
    return re.findall(r"^rule (\w+):", path.read_text(encoding="utf-8"), re.M)


@pytest.mark.parametrize("study", STUDIES)
def test_every_study_has_the_same_stages_and_registers_itself(study):
    path = RULES / f"{study}.smk"
    names = _rules(path)
    assert names, f"{path} defines no rules"
    for name in names:
        assert re.fullmatch(rf"{study}_({'|'.join(STAGES)})(_\w+)?", name), f"{path}: rule {name} has no stage prefix"
    for stage in STAGES:
        assert any(n == f"{study}_{stage}" or n.startswith(f"{study}_{stage}_") for n in names), (study, stage)
    text = path.read_text(encoding="utf-8")
    assert "register_study(" in text and f'study_settings("{study}"' in text
    for name in names:  # every rule has its thin script
        assert (REPO / "workflow" / "scripts" / f"{name}.py").is_file() or name in _shared_scripts(text, name)
    assert (REPO / "workflow" / "paper" / f"{study}.yaml").is_file()


def _shared_scripts(text: str, rule: str) -> str:
    """The script a rule names (several rules of one study may share one script)."""
    block = text[text.index(f"rule {rule}:"):]
    match = re.search(r'script:\s*\n\s*"\.\./scripts/(\w+)\.py"', block)
    assert match and (REPO / "workflow" / "scripts" / f"{match[1]}.py").is_file(), rule
    return rule


def test_rule_files_hold_no_functions():
    """Snakemake's lint: input functions live in <name>_inputs.smk files, which hold no rules."""
    for path in RULES.glob("*.smk"):
        text = path.read_text(encoding="utf-8")
        if _rules(path) and path.name != "common.smk":
            assert not re.search(r"^def ", text, re.M), f"{path.name}: move its functions to a *_inputs.smk file"
        if path.name.endswith("_inputs.smk"):
            assert not _rules(path) and f'include: "{path.name}"' in (RULES / path.name.replace("_inputs", "")).read_text()


def test_no_rule_outside_the_floor_plan():
    for path in RULES.glob("*.smk"):
        for name in _rules(path):
            assert name in SHARED_RULES or any(name.startswith(f"{s}_") for s in STUDIES), f"{path}: {name}"


@pytest.mark.parametrize("study", STUDIES)
def test_defaults_and_every_preset_validate(study):
    for scale in SCALES:
        settings = resolve_settings(study, {"scale": scale})
        assert settings["scale"] == scale
    assert set(presets(study)) == set(SCALES)


def test_every_key_is_described_and_config_readme_is_current():
    for study in STUDIES:
        rows = re.findall(r"^\| `([\w.]+)` \|.*\|  \|$", config_reference(REPO), re.M)
        assert not rows, f"keys without a description: {rows}"
    assert (REPO / "config" / "README.md").read_text(encoding="utf-8") == config_reference(REPO), (
        "config/README.md is stale: python -m fairopt.report.config_reference > config/README.md")


def test_config_yaml_types_no_default_again():
    """config/config.yaml sets only top-level choices; every study default lives in its schema."""
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    assert not set(cfg) & set(STUDIES), sorted(set(cfg) & set(STUDIES))


def _enum(study: str, *path: str) -> list:
    node = schema(study)
    for part in path:
        node = node[part]
    return node


def test_registries_are_pinned_to_the_schemas():
    entry = _enum("fdfl", "properties", "methods", "additionalProperties", "properties")
    assert entry["framework"]["enum"] == list(FRAMEWORKS.names())
    assert entry["prediction_fairness"]["enum"] == list(PREDICTION_FAIRNESS.names())
    assert entry["gradient"]["enum"] == list(DECISION_FUNCTIONS)
    syn = _enum("fairreg", "properties", "synthetic", "properties", "methods", "items", "enum")
    real = _enum("fairreg", "properties", "real", "properties", "methods", "items", "enum")
    assert syn == list(SYNTHETIC.names()) and real == list(REAL.names())
    assert _enum("layer", "$defs", "methods", "items", "enum") == list(LAYER_METHODS.names())
    assert _enum("dafh", "properties", "methods", "items", "enum") == list(DAFH_METHODS.names())
    assert _enum("dafh", "properties", "datasets", "items", "enum") == list(DAFH_LOADERS.names())
    for figure in ("curve_dataset", "composition_dataset"):
        assert _enum("dafh", "properties", "figures", "properties", figure, "anyOf")[0]["enum"] == list(DAFH_LOADERS.names())


def test_notebooks_draw_through_show_and_not_plt_show():
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        code = "".join("".join(c["source"]) for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
                       if c["cell_type"] == "code")
        assert "plt.show()" not in code, f"{nb.name}: plt.show() draws nothing under papermill; use show(fig)"


#: dotted names in the docs that are not importable on purpose (an example, a file name, a dataclass field)
_NOT_IMPORTABLE = {"fairopt.pkg.module", "fairopt.yaml", "fairopt.post",  # envs/fairopt.post-deploy.sh
                   "fairopt.core.solvers.SolveRecord.gap"}


def _resolves(ref: str) -> bool:
    import importlib

    parts = ref.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for name in parts[i:]:
                obj = getattr(obj, name)
        except AttributeError:
            return False
        return True
    return False


def test_every_fairopt_reference_in_code_and_docs_resolves():
    """A module moved without its references leaves stale names in docstrings, notes and READMEs."""
    paths = [p for p in [*SRC.rglob("*.py"), *SRC.rglob("*.yaml"), *SRC.rglob("*.md"), *RULES.glob("*.smk"),
                         *(REPO / "workflow" / "scripts").glob("*.py"), REPO / "README.md", REPO / "CONTRIBUTING.md",
                         REPO / "config" / "README.md"]]
    stale = {}
    for path in paths:
        for ref in set(re.findall(r"\bfairopt(?:\.[A-Za-z_]\w*)+", path.read_text(encoding="utf-8"))):
            if ref not in _NOT_IMPORTABLE and not _resolves(ref):
                stale.setdefault(ref, path.relative_to(REPO).as_posix())
    assert not stale, f"references to nothing: {stale}"
