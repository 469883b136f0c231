"""Batch steering vs a loop over samples, measured in one run (writes results/bench_steering.json).

Two measurements, same model, same inputs, same threads:

1. the issue's benchmark: 32 clips with 32 different targets, steered in ONE batched forward
   (per-sample signals, strengths, alphas) vs a Python loop of 32 single-clip forwards;
2. the study's workload: 32 clips × 32 targets (1,024 steered predictions), batched from a pass-1
   cache (pass 1 once per clip, pass 2 in batches of 64) vs the naive loop of 1,024 full forwards
   (timed on a slice and scaled, so the bench stays short; the slice size is reported).

The model is the shipped audio model when present (else a randomly initialised one of the same
architecture: speed does not depend on the weights); the inputs are real RAVDESS clips cut to
2 s (noise when RAVDESS is absent). Goal of the issue: ≥ 10× for measurement 1.
"""
import json, os, sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurolab.core import assert_close, repo_relative, seed_everything, write_json   # noqa: E402
from neurolab.steering import EmotionGrid, build_steering_signals        # noqa: E402
from neurolab.steering.apply import make_steering, pass1_cache, predict_from_cache, predict_va   # noqa: E402
from neurolab.audio.model import default_model_dir, load_model as load_audio_model   # noqa: E402

from _timing import best_of   # noqa: E402


def clips(n: int = 32, seconds: float = 2.0, sr: int = 16000) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from neurolab.data import load_audio, ravdess_index, va_targets
        rows = ravdess_index(download=False).groupby("actor").head(2).head(n)
        x = np.stack([np.resize(load_audio(p, sr), int(seconds * sr)) for p in rows.path])
        return x.astype(np.float32), va_targets(rows), "RAVDESS clips"
    except Exception:
        rng = np.random.default_rng(0)
        return rng.normal(0, 0.1, (n, int(seconds * sr))).astype(np.float32), rng.uniform(-1, 1, (n, 2)), "noise (RAVDESS absent)"


def main():
    seed_everything(0)
    threads = int(os.environ.get("BENCH_THREADS", torch.get_num_threads()))
    torch.set_num_threads(threads)
    try: model, which = load_audio_model(), repo_relative(default_model_dir())
    except FileNotFoundError:
        from neurolab.audio.emotion import FeatureEmotionRegression_Cnn6_LRM
        model, which = FeatureEmotionRegression_Cnn6_LRM(sample_rate=16000, window_size=512, hop_size=320, fmax=8000).eval(), "random weights"
    x, va, source = clips()
    n = len(x)
    sig = build_steering_signals(model, (x, va), grid=7)              # 49 bins: 32 different targets available
    targets = EmotionGrid(7).names[:n]

    # 1. one batched forward vs a loop of single-clip forwards (same steering per clip)
    st, _ = make_steering(model, sig, targets, strength=3.0, method="bypass")
    batched = lambda: predict_va(model, x, batch_size=n, steering=st)
    looped = lambda: [predict_va(model, x[i:i + 1], steering=st.select([i])) for i in range(n)]
    batched(); looped()                                                # warm-up
    assert_close(batched(), np.concatenate(looped()), what="batched vs looped")
    t_batch, t_loop = best_of(batched), best_of(looped)

    # 2. 32 clips × 32 targets: cached batched sweep vs naive loop of full forwards
    ii, tt = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    def sweep():
        cache = pass1_cache(model, x, batch_size=n)
        for c in range(0, len(ii), 64):
            s, _ = make_steering(model, sig, [targets[t] for t in tt[c:c + 64]], 3.0, method="bypass")
            predict_from_cache(model, cache, ii[c:c + 64], s)
    k = 64                                                             # naive loop timed on k of the 1,024 pairs
    def naive():
        for j in range(k):
            s, _ = make_steering(model, sig, [targets[tt[j]]], 3.0, method="bypass")
            predict_va(model, x[ii[j]:ii[j] + 1], steering=s)
    t_sweep = best_of(sweep, 1)
    t_naive = best_of(naive, 1) * len(ii) / k

    res = {"model": which, "inputs": f"{n} {source}, 2.0 s each", "threads": threads, "device": "cpu",
           "one_forward_32_targets": {"batched_s": t_batch, "loop_s": t_loop, "ratio": t_loop / t_batch, "goal": 10.0,
                                      "goal_met": t_loop / t_batch >= 10.0},
           "sweep_32x32": {"batched_cached_s": t_sweep, "naive_loop_s_estimated": t_naive, "naive_timed_pairs": k,
                           "ratio": t_naive / t_sweep}}
    write_json(ROOT / "results" / "bench_steering.json", res)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
