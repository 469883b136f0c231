"""Visualisation: every field view writes a PNG and refuses bad input; the breathing monitor survives a terminal."""
import os, subprocess, sys, textwrap
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from neurolab.core import DataError
from neurolab.viz import fields as F

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(0)
VA, VAD = RNG.uniform(-1, 1, (40, 2)), RNG.uniform(-1, 1, (40, 3))

VIEWS = {
    "va_scatter": lambda p: F.va_scatter(VA, VA * 0.5, labels=["a", "b"] * 20, title="t", path=p),
    "va_density": lambda p: F.va_density({"x": VA, "y": VA * 0.3}, path=p),
    "pad_scatter": lambda p: F.pad_scatter(VAD, VAD * 0.8, path=p),
    "confusion_heatmap": lambda p: F.confusion_heatmap([[5, 1], [2, 7]], ["neg", "pos"], path=p),
    "grid_map": lambda p: F.grid_map(np.arange(9).reshape(3, 3), fallbacks=[(0, 0)], names={(1, 1): "centre"}, path=p),
    "steering_arrows": lambda p: F.steering_arrows(VA, VA * 0.5 + 0.3, targets=[0.8, 0.6], path=p),
    "dose_response": lambda p: F.dose_response([0, 1, 2], {"a": [0, 0.2, 0.4], "b": {"mean": [0, .1, .2], "low": [0, 0, .1], "high": [0, .2, .3]}},
                                               ylabel="Δ valence", path=p),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_each_view_returns_its_figure_and_writes_a_png(tmp_path, name):
    path = tmp_path / "nested" / f"{name}.png"  # parent folders are created
    fig = VIEWS[name](path)
    assert isinstance(fig, Figure)
    with Image.open(path) as im: assert im.format == "PNG" and im.size[0] > 300
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # the atomic write left no temporary file


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
        monitor.save_animation(r"{tmp_path / 'run.gif'}", max_frames=4)
        print("frames", len(monitor.frames))
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "frames 2" in proc.stdout and "breathing" in proc.stderr  # one frame per epoch; the text progress bar ran
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["step_000004.png", "step_000008.png"]
    with Image.open(tmp_path / "run.gif") as im: assert im.n_frames == 4


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
