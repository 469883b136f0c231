"""Audio family benchmark: ratios measured in one run (writes results/bench_audio.json).

- front end: librosa log-mel time / torch `LogMel` time on the same real clips (one at a time,
  and the torch front end batched);
- feedback cost: a 2-pass `FeatureEmotionRegression_Cnn6_LRM` forward / a plain Cnn6 forward on
  the same log-mel batch (goal ≤ 2.15×: the feedback machinery costs ≤ 7% beyond the second pass);
- `predict` real-time factor on CPU: processing seconds / audio seconds (file decode included).

Run: NEUROLAB_DATA=/path/to/data python bench/audio.py [--clips 40] [--repeats 5] [--threads 2]
"""
import argparse, platform
from pathlib import Path

import numpy as np
import torch

from neurolab.core import repo_root, write_json
from neurolab.data import load_audio, ravdess_index
from neurolab.audio.features import LogMel, RAVDESS_FRONTEND, librosa_logmel
from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM, predict_file
from neurolab.audio.cnn6 import Cnn6

from _timing import best_of


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=40, help="real RAVDESS clips to use")
    ap.add_argument("--repeats", type=int, default=5, help="timing repeats (best of)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--out", type=Path, default=repo_root() / "results" / "bench_audio.json")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    index = ravdess_index()
    paths = list(index.path.iloc[np.linspace(0, len(index) - 1, a.clips).astype(int)])
    clips = [load_audio(p) for p in paths]
    seconds = sum(len(c) for c in clips) / 16000

    # 1. front end
    fe = LogMel(**RAVDESS_FRONTEND)
    t_librosa = best_of(lambda: [librosa_logmel(c, **RAVDESS_FRONTEND) for c in clips], a.repeats)
    with torch.no_grad():
        t_torch = best_of(lambda: [fe(torch.from_numpy(c)) for c in clips], a.repeats)
        n = min(map(len, clips)); batch = torch.from_numpy(np.stack([c[:n] for c in clips]))
        t_batch = best_of(lambda: fe(batch), a.repeats)
        t_librosa_batch = best_of(lambda: [librosa_logmel(c[:n], **RAVDESS_FRONTEND) for c in clips], a.repeats)
    err = max(float(np.abs(fe(torch.from_numpy(c))[0].numpy() - librosa_logmel(c, **RAVDESS_FRONTEND)).max()) for c in clips[:5])

    # 2. feedback cost on the same log-mel batch (eval mode)
    model = FeatureEmotionRegression_Cnn6_LRM(**RAVDESS_FRONTEND).eval()
    plain = Cnn6(mel_bins=64).eval(); plain.load_state_dict(model.base.state_dict())
    with torch.no_grad():
        mels = fe(batch)[:16]
        model(mels); plain(mels)  # warm-up
        t_plain = best_of(lambda: plain(mels), a.repeats)
        t_one = best_of(lambda: model(mels, forward_passes=1), a.repeats)
        t_two = best_of(lambda: model(mels, forward_passes=2), a.repeats)

    # 3. predict real-time factor (decode + resample + front end + 2 passes), shipped model when present
    from neurolab.audio.training import default_model_dir
    if (default_model_dir() / "config.json").exists():
        from neurolab.audio.model import load_model as load_audio_model
        model = load_audio_model()
    files = paths[:10]
    dur = sum(len(load_audio(p)) for p in files) / 16000
    predict_file(model, files[0])
    t_pred = best_of(lambda: [predict_file(model, p) for p in files], max(1, a.repeats // 2))

    res = {
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": a.threads, "torch": torch.__version__},
        "clips": a.clips, "audio_seconds": round(seconds, 2),
        "frontend": {"librosa_s": t_librosa, "torch_s": t_torch, "torch_batched_s": t_batch, "librosa_same_crops_s": t_librosa_batch,
                     "speedup_per_clip": t_librosa / t_torch, "speedup_batched": t_librosa_batch / t_batch,
                     "max_abs_diff_db": err},
        "feedback": {"batch": int(mels.shape[0]), "frames": int(mels.shape[1]), "plain_cnn6_s": t_plain, "model_1pass_s": t_one,
                     "model_2pass_s": t_two, "ratio_2pass_vs_plain": t_two / t_plain, "ratio_1pass_vs_plain": t_one / t_plain,
                     "ratio_2pass_vs_two_1pass": t_two / (2 * t_one),  # the feedback machinery alone
                     "goal_ratio_2pass": 2.15, "meets_goal": t_two / t_plain <= 2.15},
        "predict": {"files": len(files), "audio_seconds": round(dur, 2), "seconds": t_pred, "real_time_factor": t_pred / dur,
                    "goal_real_time_factor": 0.02, "meets_goal": t_pred / dur <= 0.02,
                    "speaker_norm": bool(model.init_kwargs.get("speaker_norm", False)),   # each file normalised by its own statistics
                    "emotion_head": int(model.init_kwargs.get("n_classes", 0))},
        "note": "best-of-N wall times on a shared machine; ratios come from the same run",
    }
    write_json(a.out, res)
    print(f"front end: librosa/torch = {res['frontend']['speedup_per_clip']:.2f}x per clip, "
          f"{res['frontend']['speedup_batched']:.2f}x batched (max diff {err:.1e} dB)")
    print(f"feedback: 2-pass model / plain Cnn6 = {res['feedback']['ratio_2pass_vs_plain']:.3f}x (goal ≤ 2.15x); "
          f"1-pass = {res['feedback']['ratio_1pass_vs_plain']:.3f}x; 2-pass / (2 × 1-pass) = {res['feedback']['ratio_2pass_vs_two_1pass']:.3f}x")
    print(f"predict: real-time factor {res['predict']['real_time_factor']:.3f} (CPU, {a.threads} threads)")
    print(f"wrote {a.out}")
    return res


if __name__ == "__main__":
    main()
