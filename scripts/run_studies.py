"""Rerun every study that writes results/*.json (long: real-data training on CPU).

Each family's study notebook (`Family.study_notebook`) holds, in its `#| slow` cells, the commands that write its
results: the pilots that chose its recipe (speech: results/speech_pilots.json, speech_pooling.json, speech_refit.json;
text: text_pilots.json; steering: the prior study and its pilots, steering_expectation*.json and steering_pilot_*.json) and then the `neurolab … study` run itself. Running those
cells (`nbdev_test --flags slow`) is therefore the one rerun recipe, in the order the notebook reads. Finished folds
and fine-tunes are cached, so a study cell that follows its pilots reuses what they trained. Order across families
matters too: steering builds on the audio model the audio study ships. A family's `more_studies` notebooks run after its
study (speech: nbs/36_speech_transfer.ipynb, results/cross_corpus.json, scores the models the speech and audio studies
ship). Pass family names to run a subset.
"""
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from neurolab.cliutil import FAMILIES  # noqa: E402  (the one family registry; importing it loads no model code)

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(FAMILIES)
    unknown = [c for c in chosen if c not in FAMILIES]
    if unknown: sys.exit(f"unknown studies {unknown}; choose from {list(FAMILIES)}")
    for name in chosen:
        for nb in (FAMILIES[name].study_notebook, *FAMILIES[name].more_studies):
            cmd = [str(Path(sys.executable).parent / "nbdev_test"), "--flags", "slow", "--path", nb]
            print("$", " ".join(cmd[1:]), flush=True)
            subprocess.run(cmd, cwd=ROOT, check=True)
