"""Issue 33, deliverable 4: a wrong RAVDESS layout never changes the numbers silently, and input that is not speech (or not
words) gets a prediction flagged as low confidence instead of a confident label. Synthetic trees and signals, all fast."""
import json, warnings

import numpy as np
import pytest
import soundfile as sf

from conftest import RAVDESS, needs_data, needs_models, run
from neurolab.core import DataError
from neurolab.data import LOW_BIT_SUBTYPES, low_confidence, ravdess_index, ravdess_root, signal_quality

CLIP = "03-01-05-01-02-01-02.flac"  # modality-vocal-emotion-intensity-statement-repetition-actor: angry, actor 02
SR = 16000


def tree(root, *names):
    "A RAVDESS-like folder with a tiny FLAC at each relative path."
    for n in names:
        (root / n).parent.mkdir(parents=True, exist_ok=True)
        sf.write(root / n, np.zeros(160, np.float32), SR)
    return root


# --- RAVDESS layout -------------------------------------------------------------------------------------------------------

def test_backup_copy_is_an_error_naming_both_paths(tmp_path):
    root = tree(tmp_path, f"Actor_02/{CLIP}", f"backup/Actor_02/{CLIP}")
    with pytest.raises(DataError, match=f"is under {tmp_path} 2 times \\(Actor_02/{CLIP}, backup/Actor_02/{CLIP}\\)"):
        ravdess_index(root)


def test_same_clip_in_two_formats_is_a_duplicate(tmp_path):
    with pytest.raises(DataError, match="2 times"): ravdess_index(tree(tmp_path, f"Actor_02/{CLIP}", f"Actor_02/{CLIP[:-5]}.wav"))


def test_actor_code_disagreeing_with_its_folder_is_an_error(tmp_path):
    root = tree(tmp_path, "Actor_01/03-01-05-01-02-01-07.flac")
    with pytest.raises(DataError, match="03-01-05-01-02-01-07.flac: its name says actor 07 but it is in an Actor_01 folder"):
        ravdess_index(root)
    assert ravdess_index(tree(tmp_path / "flat", CLIP)).actor.tolist() == [2]   # outside any Actor_NN folder: the name counts


def test_symlinked_actor_folder_is_followed(tmp_path):
    root = tree(tmp_path / "r", f"Actor_02/{CLIP}")
    other = tree(tmp_path / "elsewhere", "Actor_04/03-01-05-01-02-01-04.flac")
    (root / "Actor_04").symlink_to(other / "Actor_04", target_is_directory=True)
    assert ravdess_index(root).actor.tolist() == [2, 4]
    assert ravdess_root(root) == root


def test_symlink_loop_is_an_error_not_a_hang(tmp_path):
    root = tree(tmp_path, f"Actor_02/{CLIP}")
    (root / "Actor_02" / "again").symlink_to(root, target_is_directory=True)
    with pytest.raises(DataError, match="a symlink loop, or two links to one folder"): ravdess_index(root)


def test_broken_symlink_warns(tmp_path):
    root = tree(tmp_path, f"Actor_02/{CLIP}")
    (root / "Actor_04").symlink_to(tmp_path / "gone", target_is_directory=True)
    with pytest.warns(UserWarning, match=r"skipped 1 broken symlink\(s\) .*Actor_04 ->"):
        assert len(ravdess_index(root)) == 1


# --- does it sound like speech? ---------------------------------------------------------------------------------------------

rng = np.random.default_rng(0)
T = np.arange(3 * SR) / SR


def peak(x, level=0.5): return (x / np.abs(x).max() * level).astype(np.float32)


def pink(n):
    spec = np.fft.rfft(rng.standard_normal(n)); spec[1:] /= np.sqrt(np.arange(1, len(spec))); spec[0] = 0
    return np.fft.irfft(spec, n)


def voice():
    "Speech-like: a glottal pulse train with a gliding 110-180 Hz pitch, through a vowel-ish resonance, in syllables with pauses."
    f0 = 110 + 70 * np.sin(2 * np.pi * 0.7 * T)
    pulses = np.diff(np.floor(np.cumsum(f0) / SR), prepend=0)
    from scipy.signal import lfilter
    vowel = lfilter([1], [1, -1.3, 0.8], lfilter([1], [1, -0.95], pulses))
    syllables = np.clip(np.sin(2 * np.pi * 3 * T), 0, None) * (T % 1.0 < 0.7)
    return peak(vowel * syllables + 1e-4 * rng.standard_normal(len(T)), 0.3)


NOT_SPEECH = {"white noise": lambda: peak(rng.standard_normal(len(T))), "pink noise": lambda: peak(pink(len(T))),
              "silence + dither": lambda: (rng.integers(-2, 3, len(T)) / 32768).astype(np.float32),
              "pure tone": lambda: peak(np.sin(2 * np.pi * 440 * T))}


@pytest.mark.parametrize("name", NOT_SPEECH)
def test_noise_silence_and_tones_are_flagged(name):
    x = NOT_SPEECH[name]()
    q = signal_quality(x, SR)
    assert not q["speech_like"] and q["why"]
    assert low_confidence(x, SR) == {"low_confidence": True, "why": q["why"]}


def test_speech_like_signal_passes():
    q = signal_quality(voice(), SR)
    assert q["speech_like"], q
    assert low_confidence(voice(), SR) == {}


def test_quality_measures_are_plain_numbers_and_rate_aware():
    q = signal_quality(NOT_SPEECH["white noise"](), SR)
    json.dumps(q)   # goes straight into a prediction record
    assert set(q) == {"speech_like", "why", "voiced_fraction", "snr_db", "tonality", "active_fraction"}
    assert not signal_quality(peak(rng.standard_normal(48000 * 2)), 48000)["speech_like"]


def test_eight_bit_file_is_flagged_from_its_header(tmp_path):
    x = voice()
    sf.write(tmp_path / "eight.wav", x, SR, subtype="PCM_U8")
    sf.write(tmp_path / "sixteen.wav", x, SR, subtype="PCM_16")
    assert low_confidence(x, SR, tmp_path / "sixteen.wav") == {}
    assert low_confidence(x, SR, tmp_path / "eight.wav")["why"].startswith("PCM_U8 coding (8-bit or telephone grade)")
    assert {"PCM_U8", "ULAW"} <= LOW_BIT_SUBTYPES


@needs_data
def test_real_ravdess_clips_pass():
    clips = sorted((RAVDESS / "Actor_03").glob("*.flac"))[::6]
    from neurolab.data import load_audio
    assert all(signal_quality(load_audio(p), SR)["speech_like"] for p in clips)


# --- the commands ----------------------------------------------------------------------------------------------------------

def test_mode_on_the_offline_speech_model_is_one_line(tmp_path):
    sf.write(tmp_path / "n.wav", NOT_SPEECH["white noise"](), SR)
    r = run("speech", "predict", tmp_path / "n.wav", "--mode", "last")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "the offline (functionals) model has no frame modes" in r.stderr


def test_speech_predict_on_noise_is_flagged(tmp_path):
    from neurolab.speech.inference import streaming_model_dir
    if not (streaming_model_dir() / "config.json").exists(): pytest.skip("no shipped streaming model")
    sf.write(tmp_path / "n.wav", NOT_SPEECH["white noise"](), SR)
    r = run("speech", "predict", tmp_path / "n.wav", "--streaming", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)[0]
    assert rec["low_confidence"] is True and rec["why"] == "input looks like noise, not speech (almost no voiced frames)"
    from neurolab.speech.cli import predict_words
    words = predict_words([rec], shipped=False)
    assert "(low confidence)" in words and "input looks like noise, not speech" in words


def test_text_with_no_words_is_flagged():
    from neurolab.text.model import default_model_dir
    if not (default_model_dir() / "config.json").exists(): pytest.skip("no shipped text model")
    r = run("text", "predict", "😀😀🔥", "I love this!", "--json")
    assert r.returncode == 0, r.stderr
    emoji, sentence = json.loads(r.stdout)
    assert emoji["low_confidence"] is True and emoji["why"].startswith("no words to read")
    assert "low_confidence" not in sentence
