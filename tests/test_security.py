"""A model folder can only fill tensors; training folders are owned; bad input gets one line (issue #17)."""
import json, os, subprocess, sys, sysconfig
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from neurolab.core import CheckpointError, assert_close, assets_dir, load_checkpoint, registered_models

from conftest import RAVDESS, ROOT, run


# One shipped checkpoint of each family (speech ships several; its streaming LSTM stands for it)
SHIPPED = {"audio": ("audio",), "speech": ("speech", "streaming"), "text": ("text",)}


def evil_folder(root: Path, config: dict, weights=SHIPPED["speech"]) -> Path:
    d = root / "evil"; d.mkdir(exist_ok=True)
    (d / "model.safetensors").write_bytes((assets_dir(*weights) / "model.safetensors").read_bytes())
    (d / "config.json").write_text(json.dumps(config))
    return d


# ---- 1. the exploit of the issue, through every command that loads a model -------------------------------------------
EXPLOIT = {"class": "neurolab.core.write_json", "init": {"path": "pwned.txt", "obj": 1}}
WAV = sorted((RAVDESS / "Actor_01").glob("*"))[:1]


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
GOOD_INIT = json.loads((assets_dir(*SHIPPED["speech"]) / "config.json").read_text())["init"]
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
    for parts in SHIPPED.values(): load_checkpoint(assets_dir(*parts))
    reg = registered_models()
    assert reg[LSTM] == "speech" and reg["neurolab.audio.emotion.FeatureEmotionRegression_Cnn6_LRM"] == "audio"
    assert reg["neurolab.text.trm.TRMv6"] == "text"
    assert all(name.startswith("neurolab.") for name in reg)


@pytest.mark.parametrize("family,other", [("audio", "speech"), ("speech", "text"), ("text", "audio")])
def test_wrong_family_is_one_line(family, other):
    with pytest.raises(CheckpointError, match=f"needs one of the {family} family"): load_checkpoint(assets_dir(*SHIPPED[other]), family=family)


def test_wrong_family_through_the_cli(tmp_path):
    proc = run("audio", "predict", "--model", str(assets_dir(*SHIPPED["speech"])), "x.wav")
    assert proc.returncode == 2 and "holds EmotionLSTM (speech family)" in proc.stderr and "Traceback" not in proc.stderr


# ---- 4. fit data-parallel under `accelerate launch` on CPU (gloo) ----------------------------------------------------
DDP_SCRIPT = '''
import sys, torch, torch.nn.functional as F
from safetensors.torch import save_file
from accelerate import PartialState
from torch.utils.data import DataLoader, TensorDataset
from neurolab.speech.model import EmotionLSTM
from neurolab.train import fit
from neurolab.core import seed_everything
torch.set_num_threads(1)

def data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 12, 13, generator=g)
    return TensorDataset(x, (x[:, :, :4].mean((1, 2)) > 0).long() + 2 * (x[:, :, 4:8].mean((1, 2)) > 0).long())

def loss(model, batch):
    logits, _ = model(batch[0])
    return F.cross_entropy(logits[:, -1], batch[1])

def train(out, batch_size):
    seed_everything(0)
    model = EmotionLSTM(hidden_size=16, num_layers=1, num_classes=4, dropout=0.0)
    res = fit(model, DataLoader(data(64, 0), batch_size=batch_size), DataLoader(data(32, 1), batch_size=32), loss_fn=loss,
              epochs=3, lr=0.5, optimizer="sgd", out_dir=out, progress=False)
    return model, res

if __name__ == "__main__":
    out = sys.argv[1]
    model, res = train(out, batch_size=8)                 # per process: 2 x 8 = the reference's 16
    rank = PartialState().process_index
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/rank{rank}.safetensors")
'''


def free_port() -> int:
    import socket
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def test_fit_data_parallel_on_cpu(tmp_path):
    import importlib.util
    from safetensors.torch import load_file
    from neurolab.core import read_json
    script = tmp_path / "ddp_fit.py"; script.write_text(DDP_SCRIPT)
    out = tmp_path / "ddp"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run([sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
                           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                           "--main_process_port", str(free_port()), str(script), str(out)],
                          capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # both processes end with the same (best) weights, and the checkpoint holds them
    r0, r1 = load_file(str(out / "rank0.safetensors")), load_file(str(out / "rank1.safetensors"))
    best = load_checkpoint(out / "best", family="speech")
    for k, v in r0.items():
        assert torch.equal(v, r1[k]) and torch.equal(v, best.state_dict()[k])
    fit_record = read_json(out / "fit.json")["settings"]
    assert fit_record["processes"] == 2 and fit_record["train_batches"] == 4
    # ... and equal the one-process run with the same effective batch (averaged gradients), up to float32 rounding
    spec = importlib.util.spec_from_file_location("ddp_fit", script); mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ref, ref_res = mod.train(tmp_path / "one", batch_size=16)
    hist = read_json(out / "last" / "trainer_state.json")["history"]
    assert len(hist) == 3 and hist[-1]["train_loss"] < hist[0]["train_loss"]
    for h, r in zip(hist, ref_res.history):
        assert abs(h["train_loss"] - r["train_loss"]) <= 1e-4 * max(1.0, abs(r["train_loss"]))
    for k, v in ref.state_dict().items():
        assert_close(best.state_dict()[k], v, rel=1e-4, what=k)


# ---- 2. a training command owns its --out folder ---------------------------------------------------------------------
def test_audio_train_refuses_other_settings_and_locked_folders(tmp_path):
    from neurolab.train import lock_folder, run_folder
    out = tmp_path / "run"
    with run_folder(out, {"seed": 0, "epochs1": 10}):               # a previous run with other settings, which trained
        (out / "work").mkdir(); (out / "work" / "epoch1.txt").write_text("trained")  # (a record alone binds nothing)
    proc = run("audio", "train", "--out", str(out), "--epochs1", "1", "--seed", "1")
    assert proc.returncode == 2 and "holds a run with other settings" in proc.stderr and "--overwrite" in proc.stderr
    with lock_folder(out):                                              # a run in progress
        proc = run("audio", "train", "--out", str(out), "--overwrite")
    assert proc.returncode == 2 and f"in use by another training run (pid {os.getpid()}" in proc.stderr
    (tmp_path / "notes").mkdir(); (tmp_path / "notes" / "x.txt").write_text("keep")
    proc = run("audio", "train", "--out", str(tmp_path / "notes"), "--overwrite")
    assert proc.returncode == 2 and "not empty" in proc.stderr and (tmp_path / "notes" / "x.txt").exists()


# ---- 3. every bad input gets one line (exit 2) or a correct result ---------------------------------------------------
@pytest.fixture(scope="module")
def tiny_audio_model(tmp_path_factory):
    from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM
    from neurolab.core import save_checkpoint, seed_everything
    seed_everything(0)
    m = FeatureEmotionRegression_Cnn6_LRM(sample_rate=16000, window_size=512, hop_size=320, fmax=8000)
    return save_checkpoint(m.eval(), tmp_path_factory.mktemp("tiny") / "model", meta={"split": {"train": [1], "valid": [2], "test": [3]}})


def test_audio_predict_inputs(tiny_audio_model, tmp_path):
    import numpy as np, soundfile as sf
    t = np.linspace(0, 200, 16000)
    sf.write(tmp_path / "good.wav", (0.3 * np.sin(t)).astype(np.float32), 16000)
    sf.write(tmp_path / "silent.wav", np.zeros(16000, np.float32), 16000)
    sf.write(tmp_path / "short.wav", (0.3 * np.sin(t[:480])).astype(np.float32), 16000)
    sf.write(tmp_path / "loud.wav", (37 * np.sin(t)).astype(np.float32), 16000, subtype="FLOAT")
    (tmp_path / "folder.wav").mkdir()
    files = ["good.wav", "silent.wav", "short.wav", "loud.wav", "folder.wav"]
    proc = run("audio", "predict", "--model", str(tiny_audio_model), *files, "--json", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    res = {Path(r["file"]).name: r for r in json.loads(proc.stdout)}     # the good file keeps its result
    assert -2 < res["good.wav"]["valence"] < 2 and "error" not in res["good.wav"]
    assert "silent audio" in res["silent.wav"]["error"]
    assert "too short: 480 samples (0.0300 s at 16000 Hz); at least 4801 samples (0.3001 s)" in res["short.wav"]["error"]
    assert "samples reach 37, beyond full scale" in res["loud.wav"]["error"]
    assert "is a directory, not an audio file" in res["folder.wav"]["error"]
    proc = run("audio", "predict", "--model", str(tiny_audio_model), "good.wav", "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2 and "is a directory; give a file name" in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("args,message", [(("steer", "build", "--grid", "1001"), "too large (1002001 bins)"),
                                          (("steer", "eval", "--grid", "4"), "grid must be odd"),
                                          (("steer", "stats", "--grid", "2"), "grid must be odd")])
def test_steering_grid_sizes(args, message):
    proc = run(*args)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_header_only_emobank_summary_is_valid_json(tmp_path):
    (tmp_path / "emobank").mkdir(); (tmp_path / "emobank" / "emobank.csv").write_text("id,split,V,A,D,text\n")
    proc = run("data", "summary", "--data", str(tmp_path), "--json")
    assert proc.returncode == 0 and "NaN" not in proc.stdout
    assert json.loads(proc.stdout)["emobank"]["mean"] == {"V": None, "A": None, "D": None}


def test_json_writers_refuse_nan(tmp_path):
    from neurolab.cliutil import emit
    from neurolab.core import NeurolabError, write_json
    with pytest.raises(NeurolabError, match="invalid JSON"): emit({"x": float("nan")})
    with pytest.raises(ValueError): write_json(tmp_path / "x.json", {"x": float("inf")})
    assert not (tmp_path / "x.json").exists()


def test_failed_download_leaves_no_folders(tmp_path, monkeypatch):
    import urllib.request
    from neurolab import data as nd
    def offline(*a, **k): raise OSError("network unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(nd.DataNotFoundError, match="download failed"): nd.fetch(nd.EMOBANK, tmp_path)
    with pytest.raises(nd.DataNotFoundError, match="downloads disabled"): nd.fetch(nd.EMOBANK, tmp_path, download=False)
    assert list(tmp_path.iterdir()) == []                       # no emobank/ left behind
    proc = run("data", "summary", "--data", str(tmp_path))      # read-only commands create nothing either
    assert proc.returncode == 0 and list(tmp_path.iterdir()) == []


def test_oversized_or_deeply_nested_config_is_refused(tmp_path):
    d = evil_folder(tmp_path, {"class": LSTM, "init": GOOD_INIT})
    (d / "config.json").write_text('{"class": "x", "init": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(CheckpointError, match="nested too deeply"): load_checkpoint(d)
    (d / "config.json").write_text(json.dumps({"class": LSTM, "init": GOOD_INIT, "meta": {"pad": "x" * 2_000_000}}))
    with pytest.raises(CheckpointError, match="larger than 1000 kB"): load_checkpoint(d)


def test_float_weights_at_another_precision_load_cast(tmp_path):
    # a float16 copy of a float32 model (how the text family ships its fine-tuned encoder) loads, cast to float32
    from safetensors.torch import load_file
    d = evil_folder(tmp_path, {"class": LSTM, "init": GOOD_INIT})
    full = load_file(str(d / "model.safetensors"))
    save_file({k: v.half() if v.is_floating_point() else v for k, v in full.items()}, str(d / "model.safetensors"))
    m = load_checkpoint(d, family="speech")
    assert m.head.weight.dtype == torch.float32
    assert torch.allclose(m.head.weight, full["head.weight"].half().float())


# ---- 5. --out never replaces an input, a device, a folder or the shipped assets (issue 33.1) ------------------------
def out_cases(d: Path) -> list:
    "(command line, what stderr says); every path under `d`, made here."
    import stat
    (d / "v.wav").write_bytes(b"RIFF-audio"); (d / "l.wav").symlink_to(d / "v.wav"); os.link(d / "v.wav", d / "h.wav")
    (d / "sub").mkdir(); os.mkfifo(d / "pipe"); (d / "model").mkdir(); (d / "model" / "config.json").write_text("{}")
    (d / "eb.csv").write_text("id,split,V,A,D,text\n")
    same = "is one of this command's input files"
    return [(["audio", "predict", "v.wav", "--out", "v.wav"], f"--out v.wav {same}; give another file name"),
            (["audio", "predict", "v.wav", "--out", "sub/../v.wav"], f"{same} (v.wav)"),
            (["audio", "predict", "v.wav", "--out", "l.wav"], f"--out l.wav {same} (v.wav)"),           # a symlink to it
            (["audio", "predict", "v.wav", "--out", "h.wav"], f"--out h.wav {same} (v.wav)"),           # a hard link of it
            (["audio", "predict", "x.wav", "--enrol", "v.wav", "--out", str(d / "v.wav")], same),
            (["speech", "predict", "v.wav", "--enrol", "v.wav", "--out", "l.wav"], same),
            (["speech", "eval", "--model", "model", "--out", "model/config.json"], "is a file inside model, an input of this command"),
            (["text", "eval", "--csv", "eb.csv", "--out", "eb.csv"], same),
            (["steer", "eval", "--signals", "v.wav", "--out", "v.wav"], same),
            (["audio", "predict", "v.wav", "--out", "pipe"], "--out pipe is a FIFO (named pipe), not a regular file; give a file name"),
            (["text", "predict", "hi", "--out", "sub"], "--out sub is a directory; give a file name"),
            (["speech", "predict", "v.wav", "--out", "/dev/null"], "--out /dev/null is a character device, not a regular file"),
            (["text", "predict", "hi", "--out", str(assets_dir("text", "config.json"))], "is inside the shipped assets"),
            (["audio", "study", "--out", str(assets_dir("audio_lrm.json"))], "is inside the shipped assets"),
            (["text", "train", "--out", "v.wav"], "--out v.wav is a regular file, not a folder; give a folder name"),
            (["speech", "train", "--out", "pipe"], "--out pipe is a FIFO (named pipe), not a folder"),
            (["audio", "train", "--out", str(assets_dir("run"))], "is inside the shipped assets")]


def test_out_never_replaces_what_it_must_not(tmp_path, monkeypatch, capsys):
    # in process: the check runs in `main` before any work, so no model loads and nothing is written
    import stat
    from neurolab.cli import main
    monkeypatch.chdir(tmp_path)
    for argv, message in out_cases(tmp_path):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)
    assert (tmp_path / "v.wav").read_bytes() == b"RIFF-audio" and os.path.islink(tmp_path / "l.wav")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert (tmp_path / "model" / "config.json").read_text() == "{}" and not assets_dir("run").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eb.csv", "h.wav", "l.wav", "model", "pipe", "sub", "v.wav"]


def test_predict_onto_its_own_input_through_the_shell(tiny_audio_model, tmp_path):
    # the case end to end: the audio stays audio
    import numpy as np, soundfile as sf
    sf.write(tmp_path / "v.wav", (0.3 * np.sin(np.linspace(0, 200, 16000))).astype(np.float32), 16000)
    before = (tmp_path / "v.wav").read_bytes()
    proc = run("audio", "predict", "v.wav", "--model", str(tiny_audio_model), "--out", "v.wav", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr == "neurolab: error: --out v.wav is one of this command's input files; give another file name\n"
    assert proc.stdout == "" and (tmp_path / "v.wav").read_bytes() == before


def test_atomic_writes_replace_only_regular_files(tmp_path):
    import stat
    from neurolab.core import OutputError, atomic_path, read_json, write_json
    os.mkfifo(tmp_path / "pipe"); (tmp_path / "dir").mkdir()
    for target, kind in ((tmp_path / "pipe", "a FIFO (named pipe)"), (tmp_path / "dir", "a directory"), (Path("/dev/null"), "a character device")):
        with pytest.raises(OutputError) as refused: write_json(target, {"x": 1})
        assert str(refused.value) == f"refusing to write {target}: it is {kind}, not a regular file"
    with pytest.raises(OutputError):
        with atomic_path("/dev/null") as tmp: pass                     # refused before a temporary file exists
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    (tmp_path / "real.json").write_text("{}"); (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    write_json(tmp_path / "link.json", {"x": 1})                       # a symlink is written through and stays a link
    assert os.path.islink(tmp_path / "link.json") and read_json(tmp_path / "real.json") == {"x": 1}
    # a FIFO appearing while the file is written is not replaced either (checked again before the rename)
    with pytest.raises(OutputError, match="it is a FIFO"):
        with atomic_path(tmp_path / "late") as tmp:
            tmp.write_text("data"); os.mkfifo(tmp_path / "late")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "late").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "late", "link.json", "pipe", "real.json"]


# ---- 6. Ctrl-C is one line and exit 130; a failed run leaves nothing that blocks the next (issue 33.5) ---------------
CTRL_C_SCRIPT = '''
import os, signal, sys, torch, torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
import neurolab.cli as cli
from neurolab.train import Callback, fit
torch.set_num_threads(1)

class CtrlCInEpoch3(Callback):   # a real SIGINT, as the terminal sends it, in the middle of epoch 3
    def on_step_end(self, state):
        if state.epoch == 2 and state.step % 4 == 2: os.kill(os.getpid(), signal.SIGINT)

def train(data=None):
    torch.manual_seed(0)
    x = torch.randn(64, 3); y = x @ torch.tensor([1., -2., .5])
    model = torch.nn.Linear(3, 1)
    fit(model, DataLoader(TensorDataset(x, y), batch_size=16), loss_fn=lambda m, b: F.mse_loss(m(b[0]).squeeze(-1), b[1]),
        epochs=int(sys.argv[2]), out_dir=sys.argv[1], progress=False, callbacks=[CtrlCInEpoch3()] if sys.argv[3] == "1" else [])
    return {"trained": True}

cli.corpus_summary = train       # stands in for a training command: `neurolab data summary` runs it through main
sys.exit(cli.main(["data", "summary", "--json"]))
'''


def test_ctrl_c_during_training_is_one_line_and_resumes(tmp_path):
    from neurolab.core import read_json
    script, out = tmp_path / "ctrl_c.py", tmp_path / "run"
    script.write_text(CTRL_C_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(script), str(out), "5", "1"], capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 130 and proc.stderr == "neurolab: interrupted after epoch 2; rerun the same command to resume\n", proc.stderr
    assert len(read_json(out / "last" / "trainer_state.json")["history"]) == 2
    assert [p.name for p in out.rglob(".*")] == []                     # no half-written temporary file, no lock file
    proc = subprocess.run([sys.executable, str(script), str(out), "5", "0"], capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert [h["epoch"] for h in read_json(out / "last" / "trainer_state.json")["history"]] == [1, 2, 3, 4, 5]


def test_failed_runs_leave_nothing_that_blocks_the_next(tmp_path):
    from neurolab.core import DataError, NeurolabError
    from neurolab.text.cli import train_command
    from neurolab.audio.cli import train_command as audio_train
    empty = tmp_path / "eb.csv"; empty.write_text("id,split,V,A,D,text\n")     # no rows: the run fails inside its folder
    out = tmp_path / "run"
    for k in (3, 5):                                # other settings the second time: the same data error, not "other settings"
        with pytest.raises(DataError, match="no rows in split 'train'"): train_command(data=empty, out=out, k=k, quiet=True)
        assert not out.exists()                     # no run.json, no .lock, no empty folder
    (tmp_path / "notes").mkdir(); (tmp_path / "notes" / "x.txt").write_text("keep")
    with pytest.raises(NeurolabError, match="not empty and holds no run.json"): audio_train(out=tmp_path / "notes")
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["x.txt"]     # a refused folder keeps no stray .lock
