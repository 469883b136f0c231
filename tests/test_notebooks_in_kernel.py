"""Notebooks as users run them: in a real Jupyter kernel (nbclient), where ipywidgets have a front end.

`nbdev_test` executes notebooks in a kernel-less shell, so widget code paths (the breathing
monitor's live panel) are only exercised here. Cells flagged like the test runner skips them
(`tst_flags` in settings.ini, e.g. `#| slow`) are skipped here too.
"""
import configparser, os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def skipped_flags() -> set:
    cfg = configparser.ConfigParser(); cfg.read(ROOT / "settings.ini")
    return set(cfg["DEFAULT"].get("tst_flags", "").split())


def run_in_kernel(name: str) -> nbformat.NotebookNode:
    "Execute nbs/`name` in a fresh python3 kernel (cwd nbs/), skipping flagged cells; return the executed notebook."
    nb = nbformat.read(ROOT / "nbs" / name, as_version=4)
    flags = skipped_flags()
    flagged = lambda c: any(line.strip() in {f"#| {f}" for f in flags} for line in c.source.splitlines())
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and flagged(c))]
    env = {k: v for k, v in os.environ.items() if k != "IN_TEST"}  # a user's kernel, not the test runner's
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "nbs")}})
    client.execute(env=env)
    return nb


def outputs_of(nb, kind: str):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if kind in o.get("data", {})]


def test_breathing_monitor_runs_live_in_a_real_kernel():
    nb = run_in_kernel("51_viz_breathing.ipynb")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors[0].get("ename", "") + ": " + errors[0].get("evalue", "")
    assert outputs_of(nb, WIDGET_VIEW), "the live panel (an ipywidgets view) was never displayed"
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "in_notebook: True" in printed and ", live" in printed  # the live path really ran, not the fallback


def test_index_runs_in_a_real_kernel():
    nb = run_in_kernel("index.ipynb")
    assert outputs_of(nb, "text/markdown"), "the index shows its generated tables"
