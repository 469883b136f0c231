"""Visualisation: every field view writes PNG + SVG naming its source and refuses bad input; every figure a results file
names exists and was drawn from that file; the breathing monitor survives a terminal."""
import json, os, subprocess, sys, textwrap
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image, ImageSequence

from neurolab.core import DataError
from neurolab.viz import fields as F
from neurolab.viz.style import figure_metadata, new_figure, save_figure

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(0)
VA, VAD = RNG.uniform(-1, 1, (40, 2)), RNG.uniform(-1, 1, (40, 3))
SRC = dict(source="results/example.json", command="pytest tests/test_viz.py")

VIEWS = {
    "va_scatter": lambda p: F.va_scatter(VA, VA * 0.5, labels=["a", "b"] * 20, groups=np.arange(40) % 5, title="t", path=p, **SRC),
    "va_density": lambda p: F.va_density({"x": VA, "y": VA * 0.3}, path=p, **SRC),
    "pad_scatter": lambda p: F.pad_scatter(VAD, VAD * 0.8, path=p, **SRC),
    "confusion_heatmap": lambda p: F.confusion_heatmap([[5, 1], [2, 7]], ["neg", "pos"], path=p, **SRC),
    "grid_map": lambda p: F.grid_map(np.arange(9).reshape(3, 3), fallbacks=[(0, 0)], names={(1, 1): "centre"}, path=p, **SRC),
    "steering_arrows": lambda p: F.steering_arrows(VA, VA + 0.01, targets=[0.8, 0.6], labels=["a", "b"] * 20, magnify="auto", path=p, **SRC),
    "dose_response": lambda p: F.dose_response([0, 1, 2], {"a": [0, 0.2, 0.4], "b": {"mean": [0, .1, .2], "low": [0, 0, .1], "high": [0, .2, .3]}},
                                               ylabel="Δ valence", references={"mean": 0.05}, path=p, **SRC),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_each_view_returns_its_figure_and_writes_png_and_svg_naming_its_source(tmp_path, name):
    path = tmp_path / "nested" / f"{name}.png"  # parent folders are created
    fig = VIEWS[name](path)
    assert isinstance(fig, Figure)
    with Image.open(path) as im: assert im.format == "PNG" and im.size[0] > 600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, f"{name}.svg"]  # no temporary file left behind
    for p in (path, path.with_suffix(".svg")):
        assert {k: v for k, v in figure_metadata(p).items() if k != "title"} == {"source": SRC["source"], "command": SRC["command"]}


def test_save_figure_is_the_one_call_a_family_needs(tmp_path):
    fig, (ax,) = new_figure()
    ax.plot([1, 2, 3])
    paths = save_figure(fig, tmp_path / "fam.png", source="results/fam.json", command="neurolab fam study")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert figure_metadata(paths[1])["command"] == "neurolab fam study"


@pytest.mark.parametrize("call, message", [
    (lambda: F.va_scatter(np.zeros((0, 2))), "pred is empty"),
    (lambda: F.va_scatter([[0.1, float("nan")]]), "NaN"),
    (lambda: F.va_scatter(VA, VA[:3]), "lengths must match"),
    (lambda: F.va_scatter(VA, labels=["x"]), "labels has 1 entries"),
    (lambda: F.pad_scatter(VA), "shape (n, 3)"),
    (lambda: F.va_density({}), "empty dict"),
    (lambda: F.confusion_heatmap([[1, 2], [3, 4]], ["a"]), "lengths must match"),
    (lambda: F.grid_map([[1, -1]]), "negative"),
    (lambda: F.steering_arrows(VA, VA[:5]), "lengths must match"),
    (lambda: F.dose_response([0, 1], {"a": [1, 2, 3]}, "y"), "lengths must match"),
    (lambda: F.dose_response([0, 1], {"a": [1, np.inf]}, "y"), "NaN/inf"),
    (lambda: F.dose_response([0, 1], {"a": {"mean": [1, 2], "low": [2, 3], "high": [1, 2]}}, "y"), "low > high"),
    (lambda: F.steering_arrows(VA, VA, magnify=0), "magnify must be a positive number"),
    (lambda: F.category_means(VA, ["a"] * 40, groups=[1] * 3), "groups has 3 entries"),
    (lambda: F.va_scatter(VA, path="x.png"), "needs source="),
    (lambda: save_figure(new_figure()[0], "x.pdf", source="r.json", command="c"), "writes a .png"),
    (lambda: save_figure(new_figure()[0], "x.png", source="r.json", command=None), "needs command="),
])
def test_bad_input_is_one_clear_data_error(call, message):
    with pytest.raises(DataError) as err: call()
    assert message in str(err.value) and "\n" not in str(err.value)


def test_breathing_monitor_in_a_plain_terminal(tmp_path):
    "A script run from a terminal (no display, no notebook) trains with the monitor: progress bar, frames, GIF, no error."
    script = textwrap.dedent(f"""
        import torch, torch.nn.functional as F
        from torch.utils.data import DataLoader, TensorDataset
        from neurolab.train import fit
        from neurolab.viz.breathing import BreathingMonitor
        torch.manual_seed(0)
        x = torch.randn(64, 2); y = x @ torch.tensor([3., -2.])
        monitor = BreathingMonitor(frames_dir=r"{tmp_path / 'frames'}")
        fit(torch.nn.Linear(2, 1), DataLoader(TensorDataset(x, y), batch_size=16), loss_fn=lambda m, b: F.mse_loss(m(b[0]).squeeze(-1), b[1]),
            epochs=2, lr=0.2, progress=False, callbacks=[monitor])
        assert not monitor.live and monitor.steps == list(range(1, 9)), monitor
        monitor.save_animation(r"{tmp_path / 'run.gif'}", fps=4, seconds=2, hold=0.5)
        print("frames", len(monitor.frames))
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "frames 2" in proc.stdout and "breathing" in proc.stderr  # one frame per epoch; the text progress bar ran
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["step_000004.png", "step_000008.png"]
    with Image.open(tmp_path / "run.gif") as im:
        durations = [f.info["duration"] for f in ImageSequence.Iterator(im)]
    assert len(durations) >= 4 and abs(sum(durations) / 1000 - 2.5) < 0.1  # 2 s replay + 0.5 s hold


def test_breathing_monitor_goes_live_in_a_jupyter_kernel():
    "In a real IPython kernel the monitor detects the notebook, shows its widget at fit start and renders frames into it."
    manager = pytest.importorskip("jupyter_client.manager")
    km, kc = manager.start_new_kernel(kernel_name="python3")
    code = textwrap.dedent("""
        import torch, torch.nn.functional as F
        from torch.utils.data import DataLoader, TensorDataset
        from neurolab.train import fit
        from neurolab.viz.breathing import BreathingMonitor
        x = torch.randn(64, 2); y = x @ torch.tensor([3., -2.])
        m = BreathingMonitor(min_interval=0.0)
        fit(torch.nn.Linear(2, 1), DataLoader(TensorDataset(x, y), batch_size=16),
            loss_fn=lambda mm, b: F.mse_loss(mm(b[0]).squeeze(-1), b[1]), epochs=2, lr=0.2, progress=False, callbacks=[m])
        print("live", m.live, len(m.steps), len(m._image.value) > 1000)
    """)
    try:
        msg_id, shown, text, errors = kc.execute(code), [], "", []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id: continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "display_data": shown.append(content["data"])
            elif kind == "stream": text += content["text"]
            elif kind == "error": errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle": break
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)
    assert not errors, errors
    assert "live True 8 True" in text
    assert any("application/vnd.jupyter.widget-view+json" in d for d in shown)  # the ipywidgets panel, not a static image


# Results files list their figures under a top-level "figures" key: repository-relative PNG paths, each with its SVG
# beside it, both drawn by neurolab.viz.style.save_figure(..., source=<that results file>, command=<the study command>).
# Every family's study draws through save_figure now; a results file listed here would be excused from provenance (its
# figures must still exist). Keep it empty: a family that stops using save_figure fails the test below.
NOT_YET_ADOPTED: set = set()
RESULTS_WITH_FIGURES = sorted(p.name for p in (ROOT / "results").glob("*.json") if "figures" in json.loads(p.read_text()))


@pytest.mark.parametrize("results_file", RESULTS_WITH_FIGURES)
def test_each_figure_named_in_a_results_file_exists_and_was_drawn_from_it(results_file):
    listed = json.loads((ROOT / "results" / results_file).read_text())["figures"]
    assert isinstance(listed, list) and all(isinstance(f, str) for f in listed), f"{results_file}: 'figures' must be a list of paths"
    for fig in listed:
        assert not Path(fig).is_absolute(), f"{results_file} names {fig}: results record repository-relative paths only"
        png = ROOT / fig
        assert png.is_file(), f"{results_file} names {fig}, which does not exist"
        meta = figure_metadata(png) if png.suffix == ".png" else {"source": ""}
        if results_file in NOT_YET_ADOPTED and not meta["source"]: continue
        assert f"results/{results_file}" in meta["source"].split("; "), f"{fig} names {meta['source']!r}, not results/{results_file}"
        svg = png.with_suffix(".svg")
        assert svg.is_file() and f"results/{results_file}" in figure_metadata(svg)["source"].split("; "), f"{fig}: no SVG naming its source"


def committed_viz_figures() -> list:
    out = subprocess.run(["git", "ls-files", "results/figures/viz_*.png"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    return out or [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "results" / "figures").glob("viz_*.png"))]


@pytest.mark.parametrize("fig", committed_viz_figures())
def test_each_committed_study_figure_names_an_existing_source_and_make_figures(fig):
    "The viz study's figures (nbs/52_viz_study.ipynb, `make figures`) name the results or asset files they were drawn from."
    png = ROOT / fig
    for p in (png, png.with_suffix(".svg")):
        assert p.is_file(), f"{p.name} missing (run `make figures`)"
        meta = figure_metadata(p)
        assert meta["command"] == "make figures", f"{p.name}: drawn by {meta['command']!r}"
        paths = [s for s in meta["source"].split("; ") if " " not in s and "/" in s]
        assert paths and all((ROOT / s).exists() for s in paths), f"{p.name}: source {meta['source']!r} does not name existing files"
