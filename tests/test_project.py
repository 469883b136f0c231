"""The project's own promises: the README's two commands exist and set themselves up."""
import os, re, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_make_targets_install_their_own_environment():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        line = re.search(rf"^{target}:(.*)$", makefile, flags=re.M)
        assert line and "$(STAMP)" in line.group(1), f"make {target} must depend on the environment stamp"
    assert "torch==2.13.0" in makefile


def test_torch_is_not_a_package_requirement():
    # Colab brings its own torch; the CPU pin lives in the Makefile only.
    settings = (ROOT / "settings.ini").read_text(encoding="utf-8")
    requirements = re.search(r"^requirements = (.*)$", settings, flags=re.M).group(1).split()
    assert not any(r.split("=")[0].split(">")[0].split("<")[0] == "torch" for r in requirements)
    assert "tst_flags = slow gpu" in settings


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "NEUROLAB_DATA" in ci


@pytest.mark.skipif("NEUROLAB_TREE_FINGERPRINT" not in os.environ,
                    reason="scripts/run_tests.py records the tree before the notebook run")
def test_the_notebook_run_left_the_tree_unchanged():
    sys.path.insert(0, str(ROOT / "scripts"))
    from run_tests import tree_fingerprint
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tree_fingerprint() == os.environ["NEUROLAB_TREE_FINGERPRINT"], "notebooks changed files:\n" + changed


def test_shipped_models_name_their_results_file_and_seed():
    import json
    configs = sorted((ROOT / "neurolab" / "assets").rglob("config.json"))
    assert configs, "no shipped models found"
    for cfg in configs:
        meta = json.loads(cfg.read_text(encoding="utf-8")).get("meta", {})
        where = cfg.relative_to(ROOT)
        assert isinstance(meta.get("seed"), int), f"{where}: meta has no integer seed"
        assert meta.get("results", "").startswith("results/") and (ROOT / meta["results"]).is_file(), \
            f"{where}: meta must name the committed results file that describes it, got {meta.get('results')!r}"


def test_results_check_covers_every_family_with_a_study():
    text = (ROOT / "scripts" / "results_check.py").read_text(encoding="utf-8")
    for family in ("speech", "audio", "text"):
        assert f'"{family}": {family}' in text, f"make results-check has no {family} slice"


def _study_notebooks():
    from neurolab.cliutil import FAMILIES
    return {name: family.study_notebook for name, family in FAMILIES.items()}


def _code_cells(path):
    import json
    for cell in json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            yield "".join(cell["source"])


def _names(source: str) -> tuple[set, set]:
    "(names a cell binds, names it reads) — a static approximation, enough to catch a name used before its cell."
    import ast
    tree = ast.parse("\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!"))))
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name): (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): bound.add(node.name)
        elif isinstance(node, ast.arg): bound.add(node.arg)
        elif isinstance(node, ast.alias): bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name: bound.add(node.name)
    return bound, read


def _more_studies():
    from neurolab.cliutil import FAMILIES
    return [nb for family in FAMILIES.values() for nb in family.more_studies]


def test_make_results_runs_every_family_and_writes_every_results_file():
    from neurolab.cliutil import FAMILIES
    notebooks = _study_notebooks()
    slow = {f: [c for c in _code_cells(nb) if c.startswith("#| slow")] for f, nb in notebooks.items()}
    for family, cells in slow.items():  # the study itself is one of the slow cells
        assert any('"study"' in c or "run_study(" in c for c in cells), f"{notebooks[family]} has no slow cell that runs the {family} study"
    more = [c for nb in _more_studies() for c in _code_cells(nb) if c.startswith("#| slow")]   # run after their family's study
    written = "\n".join([c for cells in slow.values() for c in cells] + more)
    for path in sorted((ROOT / "results").glob("*.json")):
        if path.name.startswith("bench_") or path.name in {Path(f.results).name for f in FAMILIES.values()}: continue
        assert path.name in written, f"results/{path.name} is written by no study notebook's slow cell: make results cannot rebuild it"


def test_slow_cells_use_only_names_defined_before_them():
    # `make results` runs these cells top to bottom (nbdev_test --flags slow); a name defined further down fails hours in
    import builtins
    for nb in [*_study_notebooks().values(), *_more_studies()]:
        defined = set(dir(builtins)) | {"get_ipython", "display"}
        for source in _code_cells(nb):
            bound, read = _names(source)
            if source.startswith("#| slow"):
                missing = read - bound - defined
                assert not missing, f"{nb}: a slow cell reads {sorted(missing)} before any cell defines them"
            defined |= bound
