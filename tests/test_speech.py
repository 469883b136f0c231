"""The speech family from the outside: `neurolab speech ...` as a shell user runs it, with the shipped model."""
import json, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from neurolab.core import data_dir
from neurolab.speech.inference import default_model_dir

RAVDESS = data_dir() / "ravdess"
needs_data = pytest.mark.skipif(not RAVDESS.is_dir(), reason="RAVDESS not present (set NEUROLAB_DATA)")
needs_model = pytest.mark.skipif(not (default_model_dir() / "config.json").exists(), reason="no shipped speech model")


def run(*args):
    return subprocess.run([sys.executable, "-m", "neurolab.cli", "speech", *map(str, args)], capture_output=True, text=True)


def test_package_reexports_model():
    import neurolab.speech
    from neurolab.speech.model import EmotionLSTM
    assert neurolab.speech.EmotionLSTM is EmotionLSTM


def test_speech_actions_registered():  # (tests/test_cli.py runs every action's --help)
    from neurolab.cli import build_parser
    speech = build_parser()._subparsers._group_actions[0].choices["speech"]
    assert set(speech._subparsers._group_actions[0].choices) == {"train", "eval", "predict", "study"}


@needs_data
@needs_model
def test_predict_with_shipped_model_48k_stereo_wav():
    wav = data_dir() / "ravdess_wav" / "03-01-02-01-01-02-01.wav"  # the original release format: 48 kHz stereo
    if not wav.exists(): pytest.skip("ravdess_wav not present")
    proc = run("predict", wav)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == ["class", "label", "confidence"] and len(out["confidence"]) == 8
    assert abs(sum(out["confidence"]) - 1) < 1e-4 and out["confidence"][out["class"]] == max(out["confidence"])


@needs_data
@needs_model
def test_eval_reports_metrics_and_training_overlap():
    proc = run("eval", "--data", data_dir(), "--actors", "5")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"n", "accuracy", "uar", "macro_f1", "confusion"} <= set(out) and out["n"] == 60
    assert np.array(out["confusion"]).sum() == 60
    assert out["actors_seen_in_training"] == [5]  # the shipped model trained on every actor: said, not hidden


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b"garbage, not audio"), "corrupt"),
    (lambda p: sf.write(p, np.zeros(100, np.float32) + 0.1, 16000), "shorter than one"),
    (lambda p: sf.write(p, np.zeros(0, np.float32), 16000), "zero-length"),
])
@needs_model
def test_bad_audio_is_one_line_exit_2(tmp_path, make, message):
    f = tmp_path / "bad.wav"; make(f)
    proc = run("predict", f)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert message in proc.stderr, proc.stderr


def test_missing_model_and_data_are_one_line(tmp_path):
    proc = run("eval", "--model", tmp_path / "nothing", "--data", tmp_path)
    assert proc.returncode == 2 and "no speech model" in proc.stderr
    proc = run("train", "--data", tmp_path, "--out", tmp_path / "m")
    assert proc.returncode == 2 and "no RAVDESS actors" in proc.stderr
