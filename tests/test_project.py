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
