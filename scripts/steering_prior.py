"""Plain vs prior-trained stage 2 (issue 13, steerable feedback): writes results/steering_prior.json.

Both runs start from the shipped audio model's backbone and heads with the feedback re-initialised,
train stage 2 for the same epochs with the same seed (the prior run with `--prior-p`), and are
measured on the model's held-out test actors: unsteered V/A, raw polarity, steerability sweeps.

    python scripts/steering_prior.py --prior-p 0.5 --epochs 2 --threads 1
"""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="start model folder (default: the shipped audio model)")
    ap.add_argument("--data", default=None, help="data root (default: NEUROLAB_DATA, then data/)")
    ap.add_argument("--out", default="results/steering_prior.json")
    ap.add_argument("--prior-p", type=float, default=0.5, help="probability per training clip that the label prior replaces the sources")
    ap.add_argument("--epochs", type=int, default=2, help="stage-2 epochs of each run")
    ap.add_argument("--grid", type=int, default=3)
    ap.add_argument("--num-samples", type=int, default=32, help="test clips swept (unsteered V/A uses every test clip)")
    ap.add_argument("--models-dir", default=None, help="also save both trained models here")
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    from neurolab.core import NeurolabError
    from neurolab.steering.study import prior_study
    try:
        res = prior_study(a.model, a.data, a.out, prior_p=a.prior_p, epochs=a.epochs, grid=a.grid, num_samples=a.num_samples,
                          models_dir=a.models_dir, n_boot=a.n_boot, seed=a.seed, threads=a.threads, progress=True)
    except NeurolabError as e: sys.exit(f"error: {e}")
    c = res["comparison"]
    print(json.dumps({"out": a.out, "raw_polarity": c["raw_polarity"],
                      "unsteered_pass2_prior_minus_plain": {k: round(v["value"], 4) for k, v in c["unsteered_pass2_prior_minus_plain"].items()},
                      "seconds": res["seconds"]}, indent=1))
