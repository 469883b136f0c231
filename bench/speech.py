"""Speech family benchmark: vectorised vs reference contract MFCC, and streaming real-time factor on one CPU thread.

Usage: NEUROLAB_DATA=/work/shared/data python bench/speech.py [--clips 3] [--out results/bench_speech.json]
Ratios are measured in one run on the same clips (the machine's load affects absolute times, much less the ratios).
Streaming RTF = processing time / audio duration, pushing raw 16 kHz audio through StreamingRecognizer
(MFCC + running SpeakerNorm + NumPy-stepped LSTM, one frame at a time) with the shipped streaming model
(or an untrained default 13->128x2 EmotionLSTM when none is shipped), BLAS limited to one thread; the best of
--repeats runs per chunk size, the sizes taking turns (the run least disturbed by other processes). `stages_us_per_frame` splits a frame's time at
160-sample chunks into the recogniser's steps, timed inside an instrumented run (so they add up to a little more).
Goals (issue 11): RTF <= .01 at 160-sample chunks, vectorised MFCC >= 50x the per-frame reference.
"""
import argparse, os, time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from neurolab.core import data_dir, run_environment, write_json
from neurolab.data import load_audio, ravdess_index
from neurolab.speech.features import SR, backend_mfcc, backend_mfcc_reference
from neurolab.speech.inference import StreamingRecognizer, load_speech_model
from neurolab.speech.model import EmotionLSTM

from _timing import best_of


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=3, help="real RAVDESS clips to time")
    ap.add_argument("--repeats", type=int, default=10, help="streaming runs per chunk size; the fastest counts")
    ap.add_argument("--out", default="results/bench_speech.json")
    a = ap.parse_args()
    torch.set_num_threads(1); threadpool_limits(1)
    load_before = os.getloadavg()[0]
    index = ravdess_index(data_dir() / "ravdess")
    paths = index.path.iloc[np.linspace(0, len(index) - 1, a.clips).astype(int)]
    clips = [load_audio(p) for p in paths]
    seconds = sum(len(c) for c in clips) / SR
    t_ref = best_of(lambda: [backend_mfcc_reference(c) for c in clips], 1)
    t_vec = best_of(lambda: [backend_mfcc(c) for c in clips], 5)
    diff = max(float(np.abs(backend_mfcc(c) - backend_mfcc_reference(c)).max()) for c in clips[:1])
    try: model, shipped = load_speech_model(), True
    except FileNotFoundError: model, shipped = EmotionLSTM().eval(), False
    def stream_clips(chunk: int):
        for c in clips:
            rec = StreamingRecognizer(model)
            for i in range(0, len(c), chunk): rec.push(c[i:i + chunk])
    best = {160: float("inf"), 1600: float("inf")}
    for _ in range(a.repeats):  # the chunk sizes take turns, so a burst of load from other processes hits both alike
        for chunk in best: best[chunk] = min(best[chunk], best_of(lambda: stream_clips(chunk), 1))
    stream = {f"chunk_{k}": {"seconds": t, "rtf": t / seconds, "ms_per_10ms_frame": 1000 * t / (seconds * 100)} for k, t in best.items()}
    stages = stage_times(model, clips, a.repeats)
    res = {"clips": [os.path.basename(p) for p in paths], "audio_seconds": seconds,
           "mfcc": {"reference_s": t_ref, "vectorised_s": t_vec, "speedup": t_ref / t_vec,
                    "reference_s_per_audio_s": t_ref / seconds, "max_abs_diff": diff, "goal_speedup": 50},
           "streaming": {**stream, "stages_us_per_frame": stages, "repeats": a.repeats,
                         "model": "shipped" if shipped else "untrained default", "threads": 1, "goal_rtf": 0.01,
                         "normalization": getattr(model, "checkpoint_meta", {}).get("normalization", "global")},
           "cpu": run_environment()["cpu"],
           "load_average_1min": os.getloadavg()[0], "load_average_1min_at_start": load_before}
    write_json(a.out, res)
    print(f"MFCC: reference {t_ref:.2f} s, vectorised {t_vec * 1000:.1f} ms for {seconds:.1f} s of audio -> {t_ref / t_vec:.0f}x (max diff {diff:.1e})")
    for k, v in stream.items(): print(f"streaming {k}: RTF {v['rtf']:.4f} ({v['ms_per_10ms_frame']:.3f} ms per 10 ms frame)")
    print("per frame at 160-sample chunks (us): " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    print(f"load average {load_before:.1f} at start, {res['load_average_1min']:.1f} at end, on {os.cpu_count()} CPUs; wrote {a.out}")


def stage_times(model, clips, repeats: int) -> dict:
    "Microseconds per frame in each step of `StreamingRecognizer` while pushing 160-sample chunks (push_rest: buffering, peaks, the calls between)."
    best = None
    for _ in range(repeats):  # the least disturbed of `repeats` instrumented runs, each step timed inside that run
        rec, spent = StreamingRecognizer(model), {"mfcc": 0.0, "normalise": 0.0, "lstm_and_head": 0.0}
        for name, attr in (("mfcc", "_mfcc"), ("normalise", "_normalise"), ("lstm_and_head", "_lstm")):
            setattr(rec, attr, timed(getattr(rec, attr), spent, name))
        frames, t = 0, time.perf_counter()
        for c in clips:
            rec.reset()
            for i in range(0, len(c), 160): rec.push(c[i:i + 160])
            frames += rec.n_frames
        total = time.perf_counter() - t
        if best is None or total < best[0]: best = (total, spent, frames)
    total, spent, frames = best
    out = {k: 1e6 * v / frames for k, v in spent.items()}
    out["push_rest"] = 1e6 * total / frames - sum(out.values())
    return out


def timed(fn, spent: dict, name: str):
    "`fn`, adding its wall time to spent[name]."
    def call(*args, **kw):
        t = time.perf_counter(); r = fn(*args, **kw); spent[name] += time.perf_counter() - t
        return r
    return call


if __name__ == "__main__":
    main()
