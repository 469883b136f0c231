"""Text family benchmark: MiniLM embedding of EmoBank (first run vs cached run) and TRM epoch time on cached embeddings.

Usage: NEUROLAB_DATA=/work/shared/data python bench/text.py [--limit N] [--threads 1] [--out results/bench_text.json]
The first run encodes into a fresh temporary cache (the project's cache is left alone); the second reads it back.
The fine-tune's own timing is bench/text_finetune.py (its "finetune" section of the same file is kept).
"""
import argparse, tempfile, time
from pathlib import Path

import numpy as np
import torch

from neurolab.core import read_json, write_json
from neurolab.data import load_emobank
from neurolab.text.encoders import EmbeddingCache, get_encoder
from neurolab.text.training import emobank_split, train_trm


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N EmoBank sentences (default: all)")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch threads")
    ap.add_argument("--epochs", type=int, default=2, help="TRM epochs to time per version")
    ap.add_argument("--out", default="results/bench_text.json")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    texts = load_emobank().text.tolist()[:a.limit]
    enc = get_encoder("minilm")
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter(); first = enc.embed(texts, cache=EmbeddingCache(enc.identity, d), progress=False); t1 = time.perf_counter()
        again = enc.embed(texts, cache=EmbeddingCache(enc.identity, d), progress=False); t2 = time.perf_counter()
    assert np.array_equal(first, again)
    res = dict(threads=a.threads, sentences=len(texts), embed_first_s=t1 - t0, embed_cached_s=t2 - t1,
               sentences_per_s_first=len(texts) / (t1 - t0), cache_speedup=(t1 - t0) / (t2 - t1))
    Xtr, Ytr, _ = emobank_split("train", progress=False)
    Xdv, Ydv, _ = emobank_split("dev", progress=False)
    for v in ("v1", "v6"):
        for k in (1, 3):
            _, info = train_trm(v, Xtr, Ytr, Xdv, Ydv, n_iter=k, phase1=dict(epochs=a.epochs, patience=None), phase2=dict(epochs=0), progress=False)
            res[f"trm_{v}_K{k}_s_per_epoch"] = info["train_seconds"] / a.epochs
    res["v6_K3_over_v1_K1_epoch_time"] = res["trm_v6_K3_s_per_epoch"] / res["trm_v1_K1_s_per_epoch"]
    for k, v in res.items(): print(f"{k:32s} {v:.3f}" if isinstance(v, float) else f"{k:32s} {v}")
    out = Path(a.out)
    keep = {k: v for k, v in read_json(out).items() if k == "finetune"} if out.exists() else {}  # bench/text_finetune.py's section
    write_json(out, {**res, **keep})


if __name__ == "__main__":
    main()
