"""The speech family from the outside: `neurolab speech ...` as a shell user runs it, with the shipped models."""
import json, os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from neurolab.speech.inference import offline_model_dir, streaming_model_dir

from conftest import DATA, RAVDESS, ROOT, needs_data, needs_models, run

needs_model = needs_models(offline_model_dir("speaker"), offline_model_dir("global"), streaming_model_dir(), what="speech models")
CLIP = RAVDESS / "Actor_05" / "03-01-05-01-01-01-05.flac"


def test_package_reexports_model():
    import neurolab.speech
    from neurolab.speech.model import EmotionLSTM
    assert neurolab.speech.EmotionLSTM is EmotionLSTM


def test_speech_actions_registered():  # (tests/test_cli.py runs every action's --help)
    from neurolab.cli import build_parser
    speech = build_parser()._subparsers._group_actions[0].choices["speech"]
    assert set(speech._subparsers._group_actions[0].choices) == {"train", "eval", "predict", "study"}


def _check_record(r):
    assert list(r)[:5] == ["file", "label", "probabilities", "system", "normalization"]
    assert set(list(r)[5:]) <= {"speaker_stats", "low_confidence", "why", "windows"}   # flags that say how it was made
    p = r["probabilities"]
    assert len(p) == 8 and abs(sum(p.values()) - 1) < 1e-4 and r["label"] == max(p, key=p.get)


@needs_data
@needs_model
def test_predict_with_shipped_model_48k_stereo_wav():
    wav = DATA / "ravdess_wav" / "03-01-02-01-01-02-01.wav"  # the original release format: 48 kHz stereo
    if not wav.exists(): pytest.skip("ravdess_wav not present")
    proc = run("speech", "predict", wav, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert len(out) == 1 and out[0]["normalization"] == "global"
    _check_record(out[0])


@needs_data
@needs_model
def test_predict_enrolled_and_streaming(tmp_path):
    proc = run("speech", "predict", CLIP, "--enrol", RAVDESS / "Actor_05", "--json")
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)[0]; _check_record(rec); assert rec["normalization"] == "speaker"
    proc = run("speech", "predict", CLIP, "--streaming", "--out", tmp_path / "s.json")   # words on stdout, the JSON in the file
    assert proc.returncode == 0, proc.stderr
    rec = json.loads((tmp_path / "s.json").read_text())[0]; _check_record(rec); assert rec["system"] == "lstm/mfcc"
    lines = proc.stdout.splitlines()   # a table, then one line naming both systems (they can disagree on a clip)
    assert lines[0].split()[:2] == ["file", "emotion"] and lines[1].startswith(str(CLIP)) and rec["label"] in lines[1]
    assert lines[2].startswith("system: the streaming LSTM") and "offline system" in lines[2] and "can disagree" in lines[2]
    if (ROOT / "results" / "speech.json").exists(): assert lines[2].count("cross-validated UAR") == 2, lines[2]


@needs_data
@needs_model
def test_too_little_enrolment_names_the_minimum():
    files = sorted((RAVDESS / "Actor_05").glob("*.flac"))[:2]
    proc = run("speech", "predict", CLIP, "--enrol", *files)
    assert proc.returncode == 2 and "the minimum is 3" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@needs_data
@needs_model
def test_eval_any_ravdess_layout_folder(tmp_path):
    (tmp_path / "Actor_05").mkdir()  # a folder with a single actor, linked from the mirror
    for f in (RAVDESS / "Actor_05").iterdir(): os.symlink(f, tmp_path / "Actor_05" / f.name)
    proc = run("speech", "eval", "--data", tmp_path, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"n", "accuracy", "uar", "macro_f1", "confusion", "uar_ci"} <= set(out) and out["n"] == 60
    assert np.array(out["confusion"]).sum() == 60 and out["normalization"] == "speaker"
    assert out["actors_seen_in_training"] == [5]  # the shipped model trained on every actor: said, not hidden


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b"garbage, not audio"), "corrupt"),
    (lambda p: sf.write(p, np.zeros(480, np.float32) + 0.1, 16000), "too short: 480 samples"),
    (lambda p: sf.write(p, np.zeros(16000, np.float32), 16000), "silent audio"),
    (lambda p: sf.write(p, np.zeros(0, np.float32), 16000), "zero-length"),
])
@needs_model
def test_bad_audio_is_one_line_exit_2(tmp_path, make, message):
    f = tmp_path / "bad.wav"; make(f)
    proc = run("speech", "predict", f, "--json")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert message in proc.stderr, proc.stderr
    assert "error" in json.loads(proc.stdout)[0]  # never a label


@needs_data
@needs_model
def test_one_bad_file_keeps_the_good_results(tmp_path):
    bad = tmp_path / "bad.wav"; bad.write_bytes(b"not audio")
    proc = run("speech", "predict", CLIP, bad, CLIP, "--json")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    out = json.loads(proc.stdout)
    assert ["error" in r for r in out] == [False, True, False]
    _check_record(out[0]); assert out[0] == out[2]


@needs_data
@needs_model
def test_shipped_streaming_chunking_and_warmup():
    from neurolab.data import load_audio
    from neurolab.speech.inference import StreamingRecognizer, load_speech_model
    model = load_speech_model()
    meta = model.checkpoint_meta
    assert meta["results"] == "results/speech.json" and "seed" in meta  # provenance of the shipped model
    audio = load_audio(CLIP)
    whole = StreamingRecognizer(model).push(audio)
    rec = StreamingRecognizer(model)
    chunked = np.concatenate([rec.push(audio[i:i + 160]) for i in range(0, len(audio), 160)])
    assert np.array_equal(whole, chunked)


def test_missing_model_and_data_are_one_line(tmp_path):
    proc = run("speech", "eval", "--model", tmp_path / "nothing", "--data", RAVDESS if RAVDESS.is_dir() else tmp_path)
    assert proc.returncode == 2 and "no speech model" in proc.stderr
    proc = run("speech", "train", "--data", tmp_path, "--out", tmp_path / "m")
    assert proc.returncode == 2 and "no RAVDESS actors" in proc.stderr
