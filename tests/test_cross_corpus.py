"""Issue 31: a second corpus (EmoDB) read by the data layer and every eval command, and a speech pipeline whose
predictions survive a corpus shift as well as the plain recipe's do."""
import json, os, warnings
from pathlib import Path

import numpy as np

from neurolab.core import assert_close
import pytest
import soundfile as sf

from conftest import DATA, RAVDESS, run

EMODB = DATA / "emodb"
needs_emodb = pytest.mark.skipif(not EMODB.is_dir(), reason="EmoDB not in NEUROLAB_DATA")
AUDIO_MODEL = Path(__file__).resolve().parents[1] / "neurolab" / "assets" / "audio"


def _shifted_corpora(seed=0, n_spk=6, per=40, n_classes=4):
    """Synthetic clip functionals of two corpora, the second recorded through another chain.

    Like ComParE, a few features live on a 1e-9 scale (jitter gains) with tiny within-speaker spread; in the second corpus
    they are 300x larger, as EmoDB's are than RAVDESS's. Every feature carries a speaker offset and class signal."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 1, (n_classes, 30))
    def corpus(gain, spk0):
        X, y, s = [], [], []
        for k in range(n_spk):
            offset = rng.normal(0, 2, 30)
            for i in range(per):
                c = i % n_classes
                X.append(means[c] + offset + rng.normal(0, 1, 30)); y.append(c); s.append(spk0 + k)
        X = np.array(X)
        X[:, :5] = (X[:, :5] + 10) * 1e-9 * gain      # the tiny-scale features (within-speaker sd ~ 1e-9, under 1e-6)
        X[:, 5:10] *= 1e10                            # and some huge ones, as ComParE's energies
        return X.astype(np.float32), np.array(y), np.array(s)
    return corpus(1.0, 0), corpus(300.0, 100)


def _plain_recipe(Xa, ya, sa, Xb, sb):
    "The field's recipe written plainly: each speaker z-scored with its own float64 mean/sd, StandardScaler, logistic regression."
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    def z(X, s):
        X, out = X.astype(np.float64), np.zeros(X.shape)
        for k in np.unique(s):
            r = s == k; sd = X[r].std(0); out[r] = (X[r] - X[r].mean(0)) / np.where(sd > 0, sd, 1)
        return out
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(z(Xa, sa), ya).predict(z(Xb, sb))


def test_offline_pipeline_survives_a_corpus_shift_like_the_plain_recipe():
    # the project's path: normalize_by_speaker (SpeakerNorm) -> fit_linear -> LinearEmotionHead, as `speech study` ships it
    from neurolab.metrics import uar
    from neurolab.speakers import normalize_by_speaker
    from neurolab.speech.model import LinearEmotionHead
    from neurolab.speech.study import fit_linear
    (Xa, ya, sa), (Xb, yb, sb) = _shifted_corpora()
    Za = normalize_by_speaker(Xa, sa)
    fitted = fit_linear("logreg", Za, ya, 0.1)
    Zb = normalize_by_speaker(Xb, sb)
    plain = uar(yb, _plain_recipe(Xa, ya, sa, Xb, sb))
    assert plain > 0.8                       # the shift is harmless to a pipeline that normalises every feature
    # each safeguard alone: the speaker statistics (every feature z-scored), and the head's clamp to the training range
    for head in (LinearEmotionHead.from_sklearn(fitted), LinearEmotionHead.from_sklearn(fitted, Za)):
        ours = uar(yb, head.predict_proba(Zb).argmax(1))
        assert ours >= plain - 0.03, (ours, plain)   # before issue 31: ~chance (the 1e-9 features left raw and magnified)
    # and the clamp alone rescues a head fed features its scaler would magnify (the global system's case)
    raw = LinearEmotionHead.from_sklearn(fit_linear("logreg", Xa, ya, 0.1), Xa)
    assert uar(yb, raw.predict_proba(Xb).argmax(1)) >= uar(yb, LinearEmotionHead.from_sklearn(fit_linear("logreg", Xa, ya, 0.1)).predict_proba(Xb).argmax(1))


def test_speaker_norm_standardises_tiny_scale_features():
    from neurolab.speakers import SpeakerNorm
    x = np.random.default_rng(0).normal(3e-9, 2e-9, (50, 2)).astype(np.float32)
    z = SpeakerNorm.fit(x).transform(x)
    assert abs(z.std(0) - 1).max() < 1e-3   # before: left as x - mean (~1e-9), a 1e-6 floor on the std


def _emodb_tree(root: Path, names, seconds=1.0, suffix=".wav"):
    "A tiny EmoDB-layout folder (the release's wav/), each clip a voiced-like tone in noise."
    rng = np.random.default_rng(0)
    (root / "wav").mkdir(parents=True, exist_ok=True)
    t = np.arange(int(16000 * seconds)) / 16000
    for i, n in enumerate(names):
        y = 0.3 * np.sin(2 * np.pi * (120 + 20 * i) * t) * (1 + np.sin(2 * np.pi * 3 * t)) + 0.01 * rng.standard_normal(len(t))
        sf.write(root / "wav" / f"{n}{suffix}", y.astype(np.float32), 16000)
    return root


NAMES = [f"{s}a0{k}{e}a" for s in ("03", "08") for k, e in enumerate("WLEAFTN", 1)]


def test_speech_eval_on_an_emodb_folder(tmp_path):
    # a random EmotionLSTM checkpoint: what is checked is the corpus handling, not the model
    from neurolab.core import save_checkpoint
    from neurolab.speech.cli import eval_command
    from neurolab.speech.model import EmotionLSTM
    import torch
    torch.manual_seed(0)
    save_checkpoint(EmotionLSTM(hidden_size=8, num_layers=1), tmp_path / "m", meta={"normalization": "speaker"})
    root = _emodb_tree(tmp_path / "emodb", NAMES)
    for rep in (eval_command(tmp_path / "m", data=root, streaming=True, n_boot=20),
                eval_command(tmp_path / "m", data=tmp_path, corpus="emodb", streaming=True, n_boot=20)):
        assert rep["corpus"] == "emodb" and rep["n"] == 12 and rep["excluded"] == {"boredom": 2}
        assert rep["predictions_restricted_to"] == ["neutral", "happy", "sad", "angry", "fearful", "disgust"]
        assert np.array(rep["confusion"])[:, [1, 7]].sum() == 0   # restricted: never calm or surprised
        assert rep["actors_seen_in_training"] == [] and 0 <= rep["uar_unrestricted"] <= 1


@pytest.mark.skipif(not (AUDIO_MODEL / "config.json").exists(), reason="no shipped audio model")
@pytest.mark.parametrize("layout", ["emodb", "ravdess"])
def test_audio_eval_on_emodb_and_ravdess_layout_folders(tmp_path, layout):
    # issue 31 item 3: `audio eval` once stopped with "assignment destination is read-only" on such folders
    if layout == "emodb": root = _emodb_tree(tmp_path / "emodb", NAMES[:7])
    else:
        root = tmp_path / "rv"
        names = [f"03-01-0{e}-01-01-01-05" for e in (1, 3, 4, 5)]
        _emodb_tree(root, names); (root / "wav").rename(root / "Actor_05")
    proc = run("audio", "eval", "--data", root, "--json", "--actors", "3" if layout == "emodb" else "5")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["n"] == 6 if layout == "emodb" else out["n"] == 4
    assert out.get("corpus") == ("emodb" if layout == "emodb" else None)
    assert "read-only" not in proc.stderr


@needs_emodb
def test_data_summary_lists_emodb():
    proc = run("data", "summary", "--json")
    assert proc.returncode == 0, proc.stderr
    e = json.loads(proc.stdout)["emodb"]
    assert e["files"] == len(list(EMODB.glob("*.flac"))) and set(e["speakers"]) <= {3, 8, 9, 10, 11, 12, 13, 14, 15, 16}


# ---- issue 31 items 4-5: the cross-corpus study (neurolab.speech.transfer, nbs/36) and its committed results

RESULTS = Path(__file__).resolve().parents[1] / "results" / "cross_corpus.json"


def test_shared_scores_restrict_to_the_target_classes():
    from neurolab.speech.transfer import SHARED, shared_scores
    y = np.repeat(SHARED, 5)
    p = np.full((len(y), 8), 0.01); p[np.arange(len(y)), y] = 0.5; p[::2, 7] = 0.9   # every other clip called surprised
    s = shared_scores(y, p, np.tile([1, 2, 3, 4, 5], len(SHARED)), n_boot=20)
    assert s["uar_restricted"]["value"] == 1.0 and s["uar_unrestricted"]["value"] < 0.6 and s["predicted"]["surprised"] == 15
    with pytest.raises(Exception, match="shared classes"):
        shared_scores(np.r_[y, 1], np.vstack([p, p[:1]]), np.r_[np.tile([1, 2, 3, 4, 5], len(SHARED)), 1])


def test_clipnorm_functionals_carry_no_level_of_the_recording_chain():
    # per-utterance normalisation: a clip's shape features do not move when its gain or its DC level does
    from neurolab.speech.transfer import clipnorm_functionals
    rng = np.random.default_rng(0)
    lld = np.cumsum(rng.normal(size=(300, 6)), axis=0)
    a, b = clipnorm_functionals(lld), clipnorm_functionals(lld * 7.5 + 3.0)
    assert a.shape == (60,)
    assert_close(a, b, rel=1e-4, what="clip-normalised functionals under gain and offset")
    assert np.isfinite(clipnorm_functionals(np.c_[lld, np.zeros(300)])).all()   # a flat descriptor gives zeros, not NaN


def test_corpus_normalize_maps_target_statistics_onto_the_source():
    from neurolab.speakers import SpeakerNorm
    from neurolab.speech.transfer import corpus_normalize
    rng = np.random.default_rng(1)
    src = rng.normal([1e-9, 5, 1e10], [1e-10, 2, 1e9], (200, 3)).astype(np.float32)
    tgt = (src[:100] * 300).astype(np.float32)        # another recording chain: every feature 300x larger
    out = corpus_normalize(tgt, SpeakerNorm.fit(src))
    assert np.allclose(out.mean(0), src.mean(0), rtol=0.2) and np.allclose(out.std(0), src.std(0), rtol=0.2)


@pytest.mark.skipif(not RESULTS.exists(), reason="results/cross_corpus.json not written yet")
def test_committed_cross_corpus_results_say_what_the_readme_shows():
    res = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert res["source"]["corpus"] == "ravdess" and res["target"]["corpus"] == "emodb"
    assert res["source"]["actors"] == list(range(1, 21))     # what the shipped models saw; 21-24 stay withheld
    assert set(res["systems"]) >= {"offline/speaker", "offline/global", "plain", "lstm"}
    for name, s in res["systems"].items():
        assert s["in_domain"] is None or 0 < s["in_domain"]["uar"] <= 1, name
        for opt, r in s["options"].items():
            for key in ("uar_restricted", "uar_unrestricted"):
                c = r[key]; assert c["low"] <= c["value"] <= c["high"] and c["resampled"] == "actors", (name, opt, key)
    sp = res["systems"]["offline/speaker"]["options"]["speaker"]["uar_restricted"]["value"]
    plain = res["systems"]["plain"]["options"]["speaker"]["uar_restricted"]["value"]
    assert sp >= 0.40 and sp >= plain - 0.02        # issue 31's goal: the default system is not below the plain recipe
    ne = res["no_enrolment"]
    assert {"global", "clipnorm", "chosen_by_validation"} <= set(ne["ravdess"]) and "global" in ne["emodb"]
