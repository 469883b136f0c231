"""Speech family benchmark: vectorised vs reference contract MFCC, and streaming real-time factor on one CPU thread.

Usage: NEUROLAB_DATA=/work/shared/data python bench/speech.py [--clips 3] [--out results/bench_speech.json]
Ratios are measured in one run on the same clips (the machine's load affects absolute times, much less the ratios).
Streaming RTF = processing time / audio duration, pushing raw 16 kHz audio through StreamingRecognizer
(MFCC + running SpeakerNorm + NumPy-stepped LSTM, one frame at a time) with the shipped streaming model
(or an untrained default 13->128x2 EmotionLSTM when none is shipped). Goals (issue 11): RTF <= .01 at 160-sample chunks,
vectorised MFCC >= 50x the per-frame reference.
"""
import argparse, os

import numpy as np
import torch

from neurolab.core import data_dir, run_environment, write_json
from neurolab.data import load_audio, ravdess_index
from neurolab.speech.features import SR, backend_mfcc, backend_mfcc_reference
from neurolab.speech.inference import StreamingRecognizer, load_speech_model
from neurolab.speech.model import EmotionLSTM

from _timing import best_of


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=3, help="real RAVDESS clips to time")
    ap.add_argument("--out", default="results/bench_speech.json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    index = ravdess_index(data_dir() / "ravdess")
    paths = index.path.iloc[np.linspace(0, len(index) - 1, a.clips).astype(int)]
    clips = [load_audio(p) for p in paths]
    seconds = sum(len(c) for c in clips) / SR
    t_ref = best_of(lambda: [backend_mfcc_reference(c) for c in clips], 1)
    t_vec = best_of(lambda: [backend_mfcc(c) for c in clips], 5)
    diff = max(float(np.abs(backend_mfcc(c) - backend_mfcc_reference(c)).max()) for c in clips[:1])
    try: model, shipped = load_speech_model(), True
    except FileNotFoundError: model, shipped = EmotionLSTM().eval(), False
    stream = {}
    for chunk in (160, 1600):
        def run():
            for c in clips:
                rec = StreamingRecognizer(model)
                for i in range(0, len(c), chunk): rec.push(c[i:i + chunk])
        t = best_of(run, 2)
        stream[f"chunk_{chunk}"] = {"seconds": t, "rtf": t / seconds, "ms_per_10ms_frame": 1000 * t / (seconds * 100)}
    res = {"clips": [os.path.basename(p) for p in paths], "audio_seconds": seconds,
           "mfcc": {"reference_s": t_ref, "vectorised_s": t_vec, "speedup": t_ref / t_vec,
                    "reference_s_per_audio_s": t_ref / seconds, "max_abs_diff": diff, "goal_speedup": 50},
           "streaming": {**stream, "model": "shipped" if shipped else "untrained default", "threads": 1, "goal_rtf": 0.01,
                         "normalization": getattr(model, "checkpoint_meta", {}).get("normalization", "global")},
           "cpu": run_environment()["cpu"],
           "load_average_1min": os.getloadavg()[0]}
    write_json(a.out, res)
    print(f"MFCC: reference {t_ref:.2f} s, vectorised {t_vec * 1000:.1f} ms for {seconds:.1f} s of audio -> {t_ref / t_vec:.0f}x (max diff {diff:.1e})")
    for k, v in stream.items(): print(f"streaming {k}: RTF {v['rtf']:.4f} ({v['ms_per_10ms_frame']:.3f} ms per 10 ms frame)")
    print(f"load average {res['load_average_1min']:.1f} on {os.cpu_count()} CPUs; wrote {a.out}")


if __name__ == "__main__":
    main()
