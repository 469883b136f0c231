"""The steering pad as a notebook user meets it: in a real Jupyter kernel (jupyter_client), the pad displays an
ipywidgets view, and a control moved the way a front end moves it (a comm `update` message) redraws a changed
prediction. A tiny random model and signals built from noise: no shipped model, no data."""
import json, os
from pathlib import Path

import pytest

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel"); pytest.importorskip("ipywidgets")

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

SETUP = """
import json, hashlib
import numpy as np, torch
torch.set_num_threads(1)
from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM
from neurolab.core import seed_everything
from neurolab.steering.signals import build_steering_signals
from neurolab.steering.pad import SteeringPad
seed_everything(0)
tiny = FeatureEmotionRegression_Cnn6_LRM(sample_rate=16000, window_size=512, hop_size=320, fmax=8000).eval()
rng = np.random.default_rng(0)
noise = rng.normal(0, 0.1, (8, 16000)).astype(np.float32)
sig = build_steering_signals(tiny, (noise, rng.uniform(-1, 1, (8, 2))), grid=5)
pad = SteeringPad(tiny, sig, list(noise[:2]), audio=list(noise[:2]), target="very_positive_very_strong", method="bypass", strength=1.0)
def report(): print(json.dumps({"plotted": pad.plotted, "image": hashlib.sha1(pad._image.value).hexdigest(),
                                "strength": pad.strength, "slider": pad.controls["strength"].model_id}))
"""


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
           "OMP_NUM_THREADS": "1"}
    env.pop("IN_TEST", None)   # a user's kernel, not the test runner's
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(ROOT), startup_timeout=120)
    yield kc
    kc.stop_channels(); km.shutdown_kernel(now=True)


def execute(kc, code: str) -> list[dict]:
    "Run `code` in the kernel; return its iopub output messages (content + type); fail on an error."
    out = []
    def hook(msg):
        if msg["msg_type"] in ("display_data", "execute_result", "stream", "error"): out.append({"type": msg["msg_type"], **msg["content"]})
    reply = kc.execute_interactive(code, output_hook=hook, timeout=120)
    errors = [o for o in out if o["type"] == "error"]
    assert reply["content"]["status"] == "ok" and not errors, (errors[0]["ename"], errors[0]["evalue"]) if errors else reply["content"]
    return out


def printed(out) -> dict: return json.loads([o["text"] for o in out if o["type"] == "stream" and o["name"] == "stdout"][-1])


def test_pad_is_a_live_widget_and_a_moved_control_redraws(kernel):
    execute(kernel, SETUP)
    shown = execute(kernel, "pad")
    assert any(WIDGET_VIEW in o.get("data", {}) for o in shown), "the pad displayed no ipywidgets view"
    before = printed(execute(kernel, "report()"))
    # what a browser sends when the strength slider is released at 8
    kernel.shell_channel.send(kernel.session.msg("comm_msg", {"comm_id": before["slider"],
                              "data": {"method": "update", "state": {"value": 8.0}, "buffer_paths": []}}))
    after = printed(execute(kernel, "report()"))   # shell messages run in order: the update has been handled
    assert after["strength"] == 8.0
    assert after["plotted"]["steered"] != before["plotted"]["steered"]      # the plotted prediction moved
    assert after["plotted"]["unsteered"] == before["plotted"]["unsteered"]  # the unsteered one did not
    assert after["image"] != before["image"]                                 # and the picture was redrawn


def test_ipywidgets_is_imported_only_by_a_live_pad():
    import subprocess, sys
    code = ("import sys, neurolab.steering.pad, neurolab.steering.cli, neurolab.steering.study; "
            "print('ipywidgets' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stdout + proc.stderr
