"""A model folder can only fill tensors; training folders are owned; bad input gets one line (issue #17)."""
import json, os, subprocess, sys, sysconfig
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from neurolab.core import CheckpointError, assets_dir, load_checkpoint, registered_models

REPO = Path(__file__).resolve().parents[1]


def run(*args, cwd=None, env=None):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "neurolab.cli", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def evil_folder(root: Path, config: dict, weights=("speech",)) -> Path:
    d = root / "evil"; d.mkdir(exist_ok=True)
    (d / "model.safetensors").write_bytes((assets_dir(*weights) / "model.safetensors").read_bytes())
    (d / "config.json").write_text(json.dumps(config))
    return d


# ---- 1. the exploit of the issue, through every command that loads a model -------------------------------------------
EXPLOIT = {"class": "neurolab.core.write_json", "init": {"path": "pwned.txt", "obj": 1}}
WAV = sorted((Path(os.environ.get("NEUROLAB_DATA", REPO / "data")) / "ravdess" / "Actor_01").glob("*"))[:1]


@pytest.mark.parametrize("cmd", [["text", "predict", "--model", "evil", "hi"],
                                 ["speech", "predict", "--model", "evil", *map(str, WAV or ["x.wav"])],
                                 ["audio", "predict", "--model", "evil", "x.wav"],
                                 ["steer", "eval", "--model", "evil"]], ids=lambda c: " ".join(c[:2]))
def test_config_cannot_call_package_functions(cmd, tmp_path):
    evil_folder(tmp_path, EXPLOIT)
    proc = run(*cmd, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "not a registered Neurolab model class" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "pwned.txt").exists()


def test_pth_variant_writes_nothing(tmp_path):
    # The escalation: a path ending in site-packages/*.pth and a line of Python as `indent`.
    target = Path(sysconfig.get_paths()["purelib"]) / "neurolab_pwned_test.pth"
    d = evil_folder(tmp_path, {"class": "neurolab.core.write_json",
                               "init": {"path": str(target), "obj": 1, "indent": "\nimport os; os.system('touch PWNED')\n"}})
    with pytest.raises(CheckpointError, match="not a registered"): load_checkpoint(d)
    proc = run("text", "predict", "--model", str(d), "hi", cwd=tmp_path)
    assert proc.returncode == 2 and not target.exists() and not (tmp_path / "PWNED").exists()


# ---- 1b. a fuzz of hostile configs -----------------------------------------------------------------------------------
LSTM = "neurolab.speech.model.EmotionLSTM"
GOOD_INIT = json.loads((assets_dir("speech") / "config.json").read_text())["init"]
HOSTILE = [
    ({"class": "neurolab.core.NotThere"}, "not a registered"),
    ({"class": "os.system", "init": {"command": "touch PWNED"}}, "not a registered"),
    ({"class": "builtins.eval"}, "not a registered"),
    ({"class": "subprocess.Popen"}, "not a registered"),
    ({"class": "neurolab.core.__builtins__"}, "not a registered"),
    ({"class": "neurolab.speech.model.EmotionLSTM.__init__.__globals__"}, "not a registered"),
    ({"class": "neurolab.cli.main"}, "not a registered"),
    ({"class": "torch.nn.Linear", "init": {"in_features": 1, "out_features": 1}}, "not a registered"),
    ({"class": "../../etc/passwd"}, "not a model class name"),
    ({"class": "x" * 10_000}, "not a model class name"),
    ({"class": ["neurolab"]}, "not a model class name"),
    ({"class": {"a": 1}}, "not a model class name"),
    ({"class": None}, "not a model class name"),
    ({"class": LSTM, "init": {**GOOD_INIT, "bogus": 1}}, "unknown init key(s) ['bogus']"),
    ({"class": LSTM, "init": {**GOOD_INIT, "__class__": 1}}, "unknown init key(s)"),
    ({"class": LSTM, "init": {**GOOD_INIT, "hidden_size": 10**9}}, "out of range"),
    ({"class": LSTM, "init": {**GOOD_INIT, "hidden_size": 999_999}}, "needs torch.float32"),  # checked on the meta device
    ({"class": LSTM, "init": {**GOOD_INIT, "hidden_size": "64"}}, "should be a int"),
    ({"class": LSTM, "init": {**GOOD_INIT, "hidden_size": 64.5}}, "should be a int"),
    ({"class": LSTM, "init": {**GOOD_INIT, "hidden_size": [[[64]]]}}, "nested too deeply"),
    ({"class": LSTM, "init": {**GOOD_INIT, "hidden_size": list(range(1000))}}, "items"),
    ({"class": LSTM, "init": {**GOOD_INIT, "dropout": 2.0}}, "cannot build EmotionLSTM"),
    ({"class": LSTM, "init": "hidden_size=64"}, "must be a JSON object"),
    ({"class": LSTM, "init": GOOD_INIT, "meta": "x"}, "'meta' must be"),
]


@pytest.mark.parametrize("config,message", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_configs_are_refused(config, message, tmp_path):
    d = evil_folder(tmp_path, config)
    with pytest.raises(CheckpointError) as err: load_checkpoint(d)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("change,message", [
    (lambda s: {**s, "head.weight": s["head.weight"].double()}, "torch.float64"),
    (lambda s: {**s, "head.weight": s["head.weight"].half()}, "torch.float16"),
    (lambda s: {**s, "head.weight": s["head.weight"][:3]}, "needs torch.float32"),
    (lambda s: {**s, "head.bias": torch.full_like(s["head.bias"], float("nan"))}, "NaN or infinity"),
    (lambda s: {k: v for k, v in s.items() if k != "head.bias"}, "missing ['head.bias']"),
    (lambda s: {**s, "extra": torch.zeros(1)}, "unexpected ['extra']"),
    (lambda s: {k: v.to(torch.int64) for k, v in s.items()}, "torch.int64")])
def test_wrong_weights_are_refused(change, message, tmp_path):
    from safetensors.torch import load_file
    d = evil_folder(tmp_path, {"class": LSTM, "init": GOOD_INIT})
    save_file(change(load_file(str(d / "model.safetensors"))), str(d / "model.safetensors"))
    with pytest.raises(CheckpointError, match=None) as err: load_checkpoint(d)
    assert message in str(err.value)


def test_registry_holds_only_models_of_known_families():
    load_checkpoint(assets_dir("speech")); load_checkpoint(assets_dir("text")); load_checkpoint(assets_dir("audio"))
    reg = registered_models()
    assert reg[LSTM] == "speech" and reg["neurolab.audio.emotion.FeatureEmotionRegression_Cnn6_LRM"] == "audio"
    assert reg["neurolab.text.trm.TRMv6"] == "text"
    assert all(name.startswith("neurolab.") for name in reg)


@pytest.mark.parametrize("family,other", [("audio", "speech"), ("speech", "text"), ("text", "audio")])
def test_wrong_family_is_one_line(family, other):
    with pytest.raises(CheckpointError, match=f"needs one of the {family} family"): load_checkpoint(assets_dir(other), family=family)


def test_wrong_family_through_the_cli(tmp_path):
    proc = run("audio", "predict", "--model", str(assets_dir("speech")), "x.wav")
    assert proc.returncode == 2 and "holds EmotionLSTM (speech family)" in proc.stderr and "Traceback" not in proc.stderr
