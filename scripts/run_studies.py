"""Rerun every study that writes results/*.json (long: real-data training on CPU).

Each family's `study` subcommand trains on the real corpus, evaluates on held-out speakers or
the official dev split, and writes its results JSON and figures. Order matters: steering
builds on the audio model the audio study ships. Pass family names to run a subset.
"""
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from neurolab.cliutil import FAMILIES  # noqa: E402  (the one family registry; importing it loads no model code)

STUDIES = {name: fam.study_command for name, fam in FAMILIES.items()}  # family -> the command that writes its results
# The pilots behind the speech recipe (results/speech_pilots.json, results/speech_pooling.json) are written by the
# `#| slow` cells of its notebook, run after the study: they rescore its cached folds, and the notebook's own study
# cell then reuses every cached fold and shipped model. (nbs/44's slow cells would retrain the text study: run them by hand.)
PILOT_NOTEBOOKS = {"speech": "nbs/35_speech_study.ipynb"}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(STUDIES)
    unknown = [c for c in chosen if c not in STUDIES]
    if unknown: sys.exit(f"unknown studies {unknown}; choose from {list(STUDIES)}")
    for name in chosen:
        cmd = [str(Path(sys.executable).parent / "neurolab"), *STUDIES[name]]
        print("$", " ".join(cmd[1:]), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)
        if name in PILOT_NOTEBOOKS:
            nb_cmd = [str(Path(sys.executable).parent / "nbdev_test"), "--flags", "slow", "--path", PILOT_NOTEBOOKS[name]]
            print("$", " ".join(nb_cmd[1:]), flush=True)
            subprocess.run(nb_cmd, cwd=ROOT, check=True)
