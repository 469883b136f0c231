"""Issue 33, bounds: sample rate, audio length (from the header, before decoding), block decoding and blocked MFCC equal to
the whole-file computation, --passes / --strength / --limit ranges, and HDF5 datasets checked before reading."""
import struct, time

import numpy as np
import pytest
import soundfile as sf

import neurolab.data
from neurolab.cli import main
from neurolab.core import AudioError, DataError, assert_close
from neurolab.data import MAX_SECONDS, load_audio, resample, validate_waveform


def one_line_error(capsys, *argv) -> str:
    "Run the CLI in process; it must exit 2 with exactly one line on stderr, which is returned."
    rc = main(list(map(str, argv)))
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, (rc, err)
    return err


@pytest.fixture(autouse=True)
def keep_limit(monkeypatch):
    "--max-seconds sets neurolab.data.MAX_SECONDS for the process: put it back after each test."
    monkeypatch.setattr(neurolab.data, "MAX_SECONDS", MAX_SECONDS)


@pytest.mark.parametrize("rate", [1, 100])
def test_broken_sample_rate_is_one_line(tmp_path, rate):
    # 1 Hz was a MemoryError traceback while resampling; 100 Hz made 32 M samples, 4 GB and valence −3.80
    f = tmp_path / f"r{rate}.wav"
    sf.write(f, (np.sin(np.arange(64)) * 1e4).astype(np.int16), rate)
    with pytest.raises(AudioError, match=rf"r{rate}.wav: sample rate {rate} Hz is outside 4000–384000 Hz"):
        load_audio(f)


def test_broken_rate_through_the_cli(tmp_path, capsys):
    f = tmp_path / "one_hz.wav"
    sf.write(f, np.zeros(64, np.int16), 1)
    assert "sample rate 1 Hz is outside" in one_line_error(capsys, "speech", "predict", f, "--streaming")


def sparse_wav(path, seconds: float, sr: int = 16000):
    "A 16-bit mono WAV whose header and size claim `seconds` of audio; the data is a sparse hole (no disk, no writing)."
    n = int(seconds * sr) * 2
    header = (b"RIFF" + struct.pack("<I", 36 + n) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sr, 2 * sr, 2, 16)
              + b"data" + struct.pack("<I", n))
    with open(path, "wb") as f: f.write(header); f.truncate(len(header) + n)
    return path


def test_long_file_refused_from_the_header(tmp_path, capsys):
    f = sparse_wav(tmp_path / "hour.wav", 3600)
    t = time.perf_counter()
    with pytest.raises(AudioError, match=r"hour.wav: 3,600 s of audio is longer than the 600 s limit per file; raise it with --max-seconds"):
        load_audio(f)
    assert time.perf_counter() - t < 1.0   # refused before decoding: nothing read but the header
    assert "longer than the 600 s limit" in one_line_error(capsys, "speech", "predict", f, "--streaming")
    assert "--max-seconds 0 is outside 1–86400" in one_line_error(capsys, "speech", "predict", f, "--max-seconds", "0")


def test_max_seconds_raises_the_limit(tmp_path):
    f = tmp_path / "two.wav"
    sf.write(f, (np.sin(np.linspace(0, 3000, 32000)) * 0.3).astype(np.float32), 16000)
    with pytest.raises(AudioError, match="2 s of audio is longer than the 1 s limit"): load_audio(f, max_seconds=1)
    neurolab.data.MAX_SECONDS = 1.0           # what --max-seconds does
    with pytest.raises(AudioError, match="longer than the 1 s limit"): load_audio(f)
    assert len(load_audio(f, max_seconds=3)) == 32000


@pytest.mark.parametrize("rate,channels,target", [(44100, 2, 16000), (48000, 1, 32000), (8000, 3, 16000), (16000, 2, 16000)])
def test_block_decoding_equals_whole_decoding(tmp_path, rate, channels, target):
    rng = np.random.default_rng(rate)
    x = (rng.standard_normal((rate * 2 + 321, channels)) * 0.2).clip(-1, 1).astype(np.float32)
    f = tmp_path / "x.flac"
    sf.write(f, x, rate)
    whole = resample(validate_waveform(sf.read(f, dtype="float32")[0], rate), rate, target)
    for block in (1000, 4096, 1 << 16):
        got = load_audio(f, sr=target, block=block)
        assert got.dtype == np.float32 and got.shape == whole.shape
        np.testing.assert_array_equal(got, whole)


def test_blocked_mfcc_equals_all_at_once():
    from neurolab.speech.features import HOP, FRAME, backend_mfcc, frame_signal, mfcc_frames, peak_scale
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.standard_normal(40000), np.zeros(3000), rng.standard_normal(30000)]).astype(np.float32) * 0.1
    frames = frame_signal(peak_scale(x))
    whole = mfcc_frames(frames, block=len(frames))[np.any(frames != 0, axis=1)]
    assert len(whole) < 1 + (len(x) - FRAME) // HOP          # the gap's all-zero frames are skipped
    for block in (1, 33, 2048):
        got = backend_mfcc(x, block=block)
        assert got.shape == whole.shape                       # the exact frame count
        assert_close(got, whole, rel=1e-6)


def test_passes_strength_limit_ranges(capsys):
    assert "--passes 100000 is outside 1–10" in one_line_error(capsys, "audio", "predict", "x.wav", "--passes", "100000")
    assert "--passes 0 is outside 1–10" in one_line_error(capsys, "audio", "predict", "x.wav", "--passes", "0")
    assert "--strength -1e+09 is outside -100–100" in one_line_error(capsys, "steer", "eval", "--strength=-1e9")
    assert "--strength -1e+09 is outside" in one_line_error(capsys, "steer", "text", "hi", "x.wav", "--strength=-1e9")
    for n in ("-38", "0"):
        assert f"--limit {n} is outside ≥ 1" in one_line_error(capsys, "text", "eval", "--csv", "x.csv", "--limit", n)
        assert f"--limit {n} is outside ≥ 1" in one_line_error(capsys, "text", "train", "--out", "x", "--limit", n)
    assert "--epochs 0 is outside ≥ 1" in one_line_error(capsys, "speech", "train", "--out", "x", "--epochs", "0")
    assert "--n-boot 0 is outside ≥ 1" in one_line_error(capsys, "steer", "study", "--n-boot", "0")


def test_passes_and_strength_in_python():
    import torch
    from neurolab.lrm import MAX_PASSES, MAX_STRENGTH, Steering
    from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM
    with pytest.raises(Exception, match=f"forward_passes 100000 is more than {MAX_PASSES}"):
        FeatureEmotionRegression_Cnn6_LRM()(torch.zeros(1, 100, 64), forward_passes=100000)
    with pytest.raises(Exception, match=r"strength -1e\+09 is beyond ±100"):
        Steering({"x": torch.zeros(1, 4)}, -1e9)
    assert Steering({"x": torch.zeros(1, 4)}, MAX_STRENGTH).batch_size == 1


def test_hdf5_bounds(tmp_path):
    h5py = pytest.importorskip("h5py")
    from neurolab.corpora import load_corpus, read_mel_hdf5
    big = tmp_path / "big.h5"
    with h5py.File(big, "w") as h:   # 38 GiB of (never written) compressed zeros in a file of kilobytes
        h.create_dataset("mels", shape=(160_000, 1000, 64), dtype="f4", chunks=(1, 1000, 64), compression="gzip")
        h["valence"] = np.zeros(160_000); h["arousal"] = np.zeros(160_000)
    assert big.stat().st_size < 5_000_000
    with pytest.raises(DataError, match=r"dataset 'mels' \(160000, 1000, 64\) is 38.1 GiB uncompressed, above the 2 GiB limit"):
        load_corpus(big)
    grp = tmp_path / "group.h5"
    with h5py.File(grp, "w") as h: h.create_group("mels"); h["valence"] = [0.0]; h["arousal"] = [0.0]
    with pytest.raises(DataError, match="'mels' is a group, not a dataset"): read_mel_hdf5(grp)
    small = tmp_path / "small.h5"
    with h5py.File(small, "w") as h:
        h["mels"] = np.zeros((3, 10, 64), np.float32); h["valence"] = np.zeros(3); h["arousal"] = np.zeros(3)
    assert len(read_mel_hdf5(small)) == 3
    with pytest.raises(DataError, match="above the"): read_mel_hdf5(small, max_bytes=1000)
