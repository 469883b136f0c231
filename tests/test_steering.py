"""Steering as a user meets it: the `neurolab steer` commands end to end, and the properties steering promises."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from neurolab.core import assert_close, save_checkpoint, seed_everything
from neurolab.steering import EmotionGrid, build_steering_signals
from neurolab.steering.apply import make_steering, predict_va, steer
from neurolab.steering.signals import load_steering_signals, save_steering_signals

from conftest import DATA, needs_data, run


def tiny_model():
    from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM
    seed_everything(0)
    return FeatureEmotionRegression_Cnn6_LRM(sample_rate=16000, window_size=512, hop_size=320, fmax=8000).eval()


@pytest.fixture(scope="module")
def tiny_signals():
    "A small random model and 5×5 signals built from 1 s of 16 real clips (or noise when RAVDESS is absent)."
    torch.set_num_threads(1)
    model = tiny_model()
    if (DATA / "ravdess" / "Actor_01").is_dir():
        from neurolab.data import load_audio, ravdess_index, va_targets
        rows = ravdess_index(DATA / "ravdess").query("actor == 1").groupby("emotion").head(2)
        x = np.stack([load_audio(p)[8000:24000] for p in rows.path]); va = va_targets(rows)
    else:
        rng = np.random.default_rng(0)
        x = rng.normal(0, 0.1, (16, 16000)).astype(np.float32); va = rng.uniform(-1, 1, (16, 2))
    return model, x, build_steering_signals(model, (x, va), grid=5)


def test_grid_names_match_the_issue():
    g3, g5 = EmotionGrid(3), EmotionGrid(5)
    assert g3.valence_levels == ["negative", "neutral", "positive"] and g3.arousal_levels == ["weak", "middle", "strong"]
    assert g5.thresholds.tolist() == [-0.6, -0.2, 0.2, 0.6]
    assert g5.valence_levels[0] == "very_negative" and g5.arousal_levels[-1] == "very_strong"
    assert len(EmotionGrid(7)) == 49 and g5.categorize(0.65, -0.65) == "very_positive_very_weak"


@pytest.mark.parametrize("method", ["lrm", "bypass", "direct", "modulation"])
def test_strength_zero_is_exactly_unsteered(tiny_signals, method):
    model, x, sig = tiny_signals
    plain = predict_va(model, x[:6])
    for first_pass in (False, True):
        st, _ = make_steering(model, sig, sig.grid.names[:6], strength=0.0, method=method, first_pass=first_pass)
        assert np.array_equal(predict_va(model, x[:6], steering=st), plain)
    mixed, _ = make_steering(model, sig, sig.grid.names[:6], strength=[0, 10] * 3, method=method)
    assert np.array_equal(predict_va(model, x[:6], steering=mixed)[::2], plain[::2])


def test_strength_moves_predictions_and_batch_equals_loop(tiny_signals):
    model, x, sig = tiny_signals
    targets = ["very_positive_very_strong", "very_negative_very_weak", (0.3, -0.1), "neutral_middle"]
    out = steer(model, x[:4], sig, targets, strength=10.0, method="bypass")
    assert np.abs(out["after"] - out["before"]).max() > 0        # strength acts (not normalised away)
    loop = np.concatenate([steer(model, x[i:i + 1], sig, [t], strength=10.0, method="bypass")["after"] for i, t in enumerate(targets)])
    assert_close(out["after"], loop, what="batched vs looped steering")


def test_signal_file_round_trip_and_damage(tiny_signals, tmp_path):
    model, _, sig = tiny_signals
    path = save_steering_signals(sig, tmp_path / "s.json")
    back = load_steering_signals(path, model=model, grid=5)
    assert np.array_equal(back.valence, sig.valence) and back.fallback_of == sig.fallback_of
    d = json.loads(path.read_text()); d["bins"]["neutral_middle"]["valence_128d"] = d["bins"]["neutral_middle"]["valence_128d"][:5]
    (tmp_path / "bad.json").write_text(json.dumps(d))
    proc = run("steer", "stats", "--signals", tmp_path / "bad.json")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "list of 128 numbers" in proc.stderr
    with pytest.raises(Exception, match="7×7"): load_steering_signals(path, grid=7)


@needs_data
def test_build_and_eval_commands_end_to_end(tmp_path):
    model_dir = save_checkpoint(tiny_model(), tmp_path / "model", meta={"split": {"train": [1], "valid": [2], "test": [3]}})
    proc = run("steer", "build", "--model", model_dir, "--data", DATA, "--grid", 3, "--out", tmp_path / "sig.json", "--calibration-clips", 1,
               "--num-samples", 12, "--json")
    assert proc.returncode == 0, proc.stderr
    built = json.loads(proc.stdout)
    assert built["clips"] == 12 and Path(built["png"]).exists() and "flagged" in built["stats"]
    proc = run("steer", "eval", "--model", model_dir, "--signals", tmp_path / "sig.json", "--data", DATA, "--method", "bypass",
               "--strength", 5, "--num-samples", 2, "--target", "positive_strong", "--json")
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert {"n", "method", "strength", "success_rate", "mean_shift", "off_target_drift"} <= set(res)
    assert res["n"] == 2 and res["method"] == "bypass" and res["actors"] == [3] and 0 <= res["success_rate"] <= 1
    other = save_checkpoint(tiny_model().requires_grad_(False).apply(lambda m: [p.add_(1e-3) for p in m.parameters(recurse=False)]),
                            tmp_path / "other", meta={"split": {"train": [1], "valid": [2], "test": [3]}})
    proc = run("steer", "eval", "--model", other, "--signals", tmp_path / "sig.json", "--data", DATA, "--num-samples", 1)
    assert proc.returncode == 2 and "different weights" in proc.stderr


@needs_data
def test_prior_study_from_the_cli_over_seeds_and_snrs(tmp_path):
    "`neurolab steer study --prior-p`: the prior study through the console script, a narrow model, two seeds, clean and 0 dB."
    from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM
    seed_everything(0)
    narrow = FeatureEmotionRegression_Cnn6_LRM(sample_rate=16000, window_size=512, hop_size=320, fmax=8000, width=0.25).eval()
    model_dir = save_checkpoint(narrow, tmp_path / "model", meta={"split": {"train": [1], "valid": [2], "test": [3]}})
    out = tmp_path / "expectation.json"
    proc = run("steer", "study", "--model", model_dir, "--data", DATA, "--prior-p", 1, "--prior", "random", "--target-weight", 1,
               "--prior-dropout", 0.5, "--seeds", 0, 1, "--epochs", 1, "--num-samples", 2, "--methods", "lrm", "--strengths", 0, 2,
               "--snr", "inf", 0, "--n-boot", 20, "--threads", 1, "--out", out, "--json")
    assert proc.returncode == 0, proc.stderr
    printed, res = json.loads(proc.stdout), json.loads(out.read_text())
    assert printed["out"] == str(out) and printed["seeds"] == [0, 1] and set(printed["goal"]) == {"plain", "prior"}
    assert res["version"] == 2 and res["settings"]["snrs"] == ["inf", "0"] and res["settings"]["noise"] == "white"
    assert res["prior"]["weight"] == 1.0 and res["prior"]["dropout"] == 0.5 and res["evaluated"]["actors"] == [3]
    amb = res["runs"]["prior"]["ambiguity"]
    assert {(r["strength"], r["snr"]) for r in amb["steerability"]} == {(0.0, "inf"), (0.0, "0"), (2.0, "inf"), (2.0, "0")}
    assert len(amb["steerability"][0]["distance_closed_per_seed"]) == 2
    assert [(r["strength"], r["snr"]) for r in amb["interaction"]["rows"]] == [(2.0, "0")]
    assert all(v < 1e-4 for v in amb["strength0_max_abs_diff"].values())        # strength 0 is unsteered at every SNR
    assert set(res["comparison"]["unsteered_pass2"]) == {"inf", "0"}
    proc = run("steer", "study", "--model", model_dir, "--data", DATA, "--prior-p", 1, "--noise", "clips", "--out", tmp_path / "x.json")
    assert proc.returncode == 2 and "noise 'clips' mixes in other actors' clips, but the test actors are [3]" in proc.stderr


def test_study_options_are_checked_before_any_work():
    for args, says in ((["--snr", "loud"], "--snr: 'loud' is not a number of dB"), (["--snr", "-50"], "--snr -50 is outside -30–100 dB"),
                       (["--prior-p", "0.5", "--prior", "oracle"], "invalid choice: 'oracle'"),
                       (["--prior-p", "0.5", "--prior-dropout", "1"], "--prior-dropout 1 is outside 0–0.95")):
        proc = run("steer", "study", *args)
        assert proc.returncode == 2 and says in proc.stderr, proc.stderr
