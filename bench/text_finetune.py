"""Text fine-tune benchmark: where one end-to-end MiniLM fine-tuning step spends its time, at 1 and 2 torch threads.

Usage: NEUROLAB_DATA=/work/shared/data python bench/text_finetune.py [--batches 20] [--threads 1 2] [--out results/bench_text.json]
Times `--batches` training steps of `neurolab.text.training.finetune`'s recipe (the study's fit split, length-bucketed
dynamically padded batches, frozen word embeddings, AdamW in two groups, clipping) split into forward+loss, backward and
clip+optimiser step, then one no-grad pass over the validation slice; prints sentences/s and the projected seconds per
epoch for each thread count, and the padding of the batches against static padding to `max_length` and unbucketed
batches. Results go under the "finetune" key of `--out` (the other keys, from bench/text.py, are kept).
The machine's load average is recorded before and after: threads that compete with other processes for a core slow a
step down many times over, and the numbers are only comparable on an otherwise idle machine.
"""
import argparse, os, time
from pathlib import Path

import numpy as np
import torch

from neurolab.core import read_json, write_json
from neurolab.text.study import study_texts
from neurolab.text.training import FINETUNE, token_loader, trm_loss
from neurolab.text.trm import TextRegressor, to_model_scale


def padding_stats(model, ids, Y, batch_size: int, bucket: int) -> dict:
    "Real tokens per batch and padded/real token ratios: this bucket size, random batches (bucket 1), static max_length padding."
    out = {}
    for name, b in (("bucketed", bucket), ("unbucketed", 1)):
        torch.manual_seed(0)
        real = padded = n = 0
        for batch, _ in token_loader(model, ids, Y, batch_size, True, b):
            m = batch["attention_mask"]; real += int(m.sum()); padded += m.numel(); n += 1
        out[f"padded_over_real_{name}"] = padded / real
    out["real_tokens_per_batch"] = real / n
    out["padded_over_real_static_max_length"] = n * batch_size * model.encoder.max_length / real
    return out


def time_steps(model, batches, cfg: dict) -> dict:
    "Mean seconds per step of forward+loss, backward, clip+optimiser over `batches` (the first two are warm-up, untimed)."
    groups = [dict(params=[p for p in model.encoder.parameters() if p.requires_grad], lr=cfg["encoder_lr"]),
              dict(params=list(model.head.parameters()), lr=cfg["head_lr"])]
    opt = torch.optim.AdamW(groups, lr=cfg["head_lr"], weight_decay=cfg["weight_decay"])
    model.train()
    t = {"forward": [], "backward": [], "optimizer": []}
    sentences = 0
    for i, (x, y) in enumerate(batches):
        t0 = time.perf_counter(); loss, _ = trm_loss(model, (x, y))
        t1 = time.perf_counter(); opt.zero_grad(set_to_none=True); loss.backward()
        t2 = time.perf_counter(); torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"]); opt.step()
        t3 = time.perf_counter()
        if i < 2: continue
        t["forward"].append(t1 - t0); t["backward"].append(t2 - t1); t["optimizer"].append(t3 - t2); sentences += len(y)
    step = {k: float(np.mean(v)) for k, v in t.items()}
    total = sum(sum(v) for v in t.values())
    return dict(s_per_step=step, sentences_per_s=sentences / total, timed_steps=len(t["forward"]))


@torch.no_grad()
def time_valid(model, loader) -> float:
    model.eval(); t0 = time.perf_counter()
    for x, _ in loader: model(x)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=20, help="timed training steps per thread count (plus 2 warm-up steps)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts to time")
    ap.add_argument("--encoder", default="minilm")
    ap.add_argument("--out", default="results/bench_text.json")
    a = ap.parse_args()
    cfg = FINETUNE
    load_before = os.getloadavg()
    T, Y = study_texts()
    model = TextRegressor(a.encoder, "linear")
    tm = to_model_scale(Y["fit"]); model.head.set_target_stats(tm.mean(0), tm.std(0))
    if cfg["freeze_word_embeddings"]: model.encoder.model.get_input_embeddings().weight.requires_grad_(False)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    t0 = time.perf_counter(); ids, _ = model.encoder.tokens(T["fit"], cache=False); tok_s = time.perf_counter() - t0
    model.encoder.tokens(T["fit"]); t0 = time.perf_counter(); model.encoder.tokens(T["fit"]); tok_cached_s = time.perf_counter() - t0
    ids_va, _ = model.encoder.tokens(T["valid"])
    torch.manual_seed(0)
    tr = token_loader(model, ids, Y["fit"], cfg["batch_size"], True, cfg["bucket"])
    batches = [b for _, b in zip(range(a.batches + 2), tr)]
    va = token_loader(model, ids_va, Y["valid"], 128, False)
    res = dict(encoder=a.encoder, n_fit=len(ids), n_valid=len(ids_va), batch_size=cfg["batch_size"], bucket=cfg["bucket"],
               max_length=model.encoder.max_length, attention=model.encoder.model.config._attn_implementation,
               trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
               frozen_params=sum(p.numel() for p in model.parameters() if not p.requires_grad),
               tokenize_fit_s=tok_s, tokenize_fit_cached_s=tok_cached_s, **padding_stats(model, ids, Y["fit"], cfg["batch_size"], cfg["bucket"]),
               cpu_count=os.cpu_count(), torch=torch.__version__, per_threads={})
    for n in a.threads:
        torch.set_num_threads(n)
        model.load_state_dict(start)
        r = time_steps(model, batches, cfg)
        r["valid_pass_s"] = time_valid(model, va)
        r["projected_epoch_s"] = len(ids) / r["sentences_per_s"] + r["valid_pass_s"]
        res["per_threads"][str(n)] = r
    res["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    if {"1", "2"} <= set(res["per_threads"]):
        res["speedup_2_over_1_threads"] = res["per_threads"]["2"]["sentences_per_s"] / res["per_threads"]["1"]["sentences_per_s"]
    for k, v in res.items():
        if k != "per_threads": print(f"{k:36s} {v:.3f}" if isinstance(v, float) else f"{k:36s} {v}")
    for n, r in res["per_threads"].items():
        s = r["s_per_step"]
        print(f"threads {n}: forward {s['forward']:.3f} s, backward {s['backward']:.3f} s, optimiser {s['optimizer']:.3f} s per step; "
              f"{r['sentences_per_s']:.1f} sentences/s; validation pass {r['valid_pass_s']:.1f} s; projected epoch {r['projected_epoch_s']:.0f} s")
    out = Path(a.out)
    whole = read_json(out) if out.exists() else {}
    whole["finetune"] = res
    write_json(out, whole)


if __name__ == "__main__":
    main()
